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

/** Removes credentials from a URL (ari-client puts api_key=user:password into its WebSocket URL). */
export function redactUrl(text: string): string {
  return text
    .replace(/(api_key=)[^&\s"']+/gi, '$1[redacted]')
    .replace(/(\/\/)[^/@\s:]+:[^/@\s]+@/g, '$1[redacted]@');
}

export type { Logger };
