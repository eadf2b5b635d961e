import pino, { type Logger } from 'pino';

/** Paths never written to logs, whatever object carries them. */
const REDACT = [
  'password',
  '*.password',
  'ari.password',
  'apiKey',
  '*.apiKey',
  'key',
  '*.key',
  'authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'headers.authorization',
  'headers["x-api-key"]',
];

export function createLogger(level = 'info', base: Record<string, unknown> = {}): Logger {
  return pino({
    level,
    base: { ...base },
    redact: { paths: REDACT, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
  });
}

/** Keeps the last 4 digits of a phone number: customer numbers never appear whole in logs. */
export function maskNumber(number: string | undefined | null): string {
  if (!number) return '';
  const digits = number.replace(/[^0-9+]/g, '');
  if (digits.length <= 4) return '*'.repeat(digits.length);
  return `${'*'.repeat(digits.length - 4)}${digits.slice(-4)}`;
}

/** Removes credentials from a URL (ari-client puts api_key=user:password into its WebSocket URL). */
export function redactUrl(text: string): string {
  return text
    .replace(/(api_key=)[^&\s"']+/gi, '$1[redacted]')
    .replace(/(\/\/)[^/@\s:]+:[^/@\s]+@/g, '$1[redacted]@');
}

export type { Logger };
