import { type FieldKind, type FieldKinds, maskField } from '../lib/mask.js';

/** What a campaign's call script may name: the lead's name and its custom fields. */
export interface ScriptValues {
  name: string | null;
  fields: Readonly<Record<string, string>>;
}

/**
 * `{{name}}`, `{{ fields.plan }}`: anything between double braces is a placeholder (its name trimmed).
 * One greedy class and no spaces matched apart: linear (spaces around a lazy group were cubic).
 */
const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;

/**
 * The campaign's call script with the lead's values filled in: `{{name}}` and `{{fields.<key>}}`, each
 * masked by its kind (`kinds`, the campaign's fieldKinds; the name as text); a placeholder the lead has
 * no value for, or that names nothing known, becomes empty. The result is plain text: markup in the script or in a value is kept as written, for the screen to show as
 * text (never to interpret as HTML). Pure.
 */
export function renderScript(script: string, values: ScriptValues, kinds: FieldKinds = {}): string {
  return script.replace(PLACEHOLDER, (_placeholder, name: string) => {
    const value = lookup(name.trim(), values, kinds);
    return value ? maskField(value.text, value.kind) : '';
  });
}

function lookup(
  name: string,
  { name: leadName, fields }: ScriptValues,
  kinds: FieldKinds,
): { text: string; kind: FieldKind | undefined } | null {
  if (name === 'name') return leadName ? { text: leadName, kind: 'text' } : null;
  if (!name.startsWith('fields.')) return null;
  const key = name.slice('fields.'.length);
  // Own fields only: `fields.constructor` is no field of the lead's.
  if (!Object.hasOwn(fields, key) || !fields[key]) return null;
  return { text: fields[key], kind: Object.hasOwn(kinds, key) ? kinds[key] : undefined };
}
