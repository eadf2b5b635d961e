/**
 * A trunk dial string (config dialer.dialString) for one number: {digits} is the E.164 number without
 * '+', {e164} with it. The dialer's customer calls and an agent's remote line are dialed the same way.
 */
export function fillDialString(template: string, e164: string): string {
  return template.replaceAll('{e164}', e164).replaceAll('{digits}', e164.replace(/^\+/, ''));
}
