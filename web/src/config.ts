/**
 * The center's IANA time zone: the service puts it in a meta tag of index.html (src/web/static.ts), from
 * its ivr.timezone setting. The Vite dev server has no such tag: UTC then, the setting's default.
 */
export const centerTimeZone: string =
  document.querySelector<HTMLMetaElement>('meta[name="cc-time-zone"]')?.content || 'UTC';
