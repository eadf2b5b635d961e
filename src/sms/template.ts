/**
 * SMS templates: `{{name}}`, `{{phone}}` and `{{fields.<key>}}` (a lead's or a CSV row's custom fields),
 * the same placeholder syntax as the dialer's call scripts. Unlike a script shown to an agent, an SMS goes
 * to the customer, so values are not masked, and a template naming anything unknown is refused when the
 * campaign is made rather than sent with a hole. Pure; one pass over the text (linear time).
 */

export interface TemplateValues {
  name: string | null;
  phone: string;
  fields: Readonly<Record<string, string>>;
}

/** One greedy class and no spaces matched apart: linear. */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const KNOWN = /^(name|phone|fields\.[\p{L}\p{N}_.-]{1,64})$/u;

export const TEMPLATE_MAX_CHARS = 1_000;

/** The placeholder names of a template that are not of the known kinds (empty: valid). */
export function unknownPlaceholders(template: string): string[] {
  const unknown = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = (match[1] ?? '').trim();
    if (!KNOWN.test(name)) unknown.add(name.slice(0, 80));
  }
  return [...unknown];
}

/** The fields a template names (`fields.x` → x): a recipient lacking one is reported, not sent a hole. */
export function fieldsNamed(template: string): string[] {
  const names = new Set<string>();
  for (const match of template.matchAll(PLACEHOLDER)) {
    const name = (match[1] ?? '').trim();
    if (name.startsWith('fields.')) names.add(name.slice('fields.'.length));
  }
  return [...names];
}

/** The text with the recipient's values; an absent value becomes empty (checked before, see fieldsNamed). */
export function renderTemplate(template: string, values: TemplateValues): string {
  return template.replace(PLACEHOLDER, (_placeholder, raw: string) => {
    const name = raw.trim();
    if (name === 'name') return values.name ?? '';
    if (name === 'phone') return values.phone;
    if (!name.startsWith('fields.')) return '';
    const key = name.slice('fields.'.length);
    // Own fields only: `fields.constructor` is no field of the recipient's.
    return Object.hasOwn(values.fields, key) ? (values.fields[key] ?? '') : '';
  });
}
