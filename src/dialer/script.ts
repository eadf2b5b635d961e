import { maskNumber } from '../lib/logger.js';

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

/** A run of characters a phone number is written with, from a digit (or + or a bracket) to a digit. */
const PHONE_RUN = /[+(]?\d[\d\s\-.()/]{4,}\d/g;
/** Runs that look like numbers but are dates or amounts: kept as they are. */
const DATE = /^(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[./]\d{1,2}[./]\d{2,4})$/;
const DECIMAL = /^\d+[.,]\d{1,2}$/;

/**
 * A lead's value as the agent may see it: every phone-like run in it (6 digits or more, not a date or
 * an amount: a card or account number is masked too) masked but for its last 4 digits, like every number
 * the agent is shown.
 */
export function maskPhoneLike(value: string): string {
  return value.replace(PHONE_RUN, (run) => {
    const digits = run.replace(/\D/g, '').length;
    if (digits < 6 || DATE.test(run) || DECIMAL.test(run)) return run;
    return maskNumber(run);
  });
}

/**
 * The campaign's call script with the lead's values filled in: `{{name}}` and `{{fields.<key>}}`, phone-like
 * values masked; a placeholder the lead has no value for, or that names nothing known, becomes empty. The
 * result is plain text: markup in the script or in a value is kept as written, for the screen to show as
 * text (never to interpret as HTML). Pure.
 */
export function renderScript(script: string, values: ScriptValues): string {
  return script.replace(PLACEHOLDER, (_placeholder, name: string) => {
    const value = lookup(name.trim(), values);
    return value ? maskPhoneLike(value) : '';
  });
}

function lookup(name: string, { name: leadName, fields }: ScriptValues): string | null {
  if (name === 'name') return leadName;
  if (!name.startsWith('fields.')) return null;
  const key = name.slice('fields.'.length);
  // Own fields only: `fields.constructor` is no field of the lead's.
  return Object.hasOwn(fields, key) ? (fields[key] ?? null) : null;
}
