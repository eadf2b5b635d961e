/** A byte range to send, both ends inclusive. */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * A longer Range header is ignored (the whole file is sent, as RFC 9110 allows): one range of a file
 * this service can hold is far shorter, and the bound keeps reading any header cheap.
 */
export const MAX_RANGE_HEADER_CHARS = 100;

const isDigits = (text: string) => {
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
};

/**
 * Reads a Range header against a file of `size` bytes (RFC 9110 §14). Returns the range to send,
 * 'unsatisfiable' (answer 416), or null to send the whole file: no header, a unit other than bytes, a
 * malformed or over-long header, or several ranges (allowed to be ignored; a player asks for one at a
 * time). A hand parser in one pass: linear in the header's length, whatever it holds.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | null {
  if (header === undefined || header.length > MAX_RANGE_HEADER_CHARS) return null;
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).trim().toLowerCase() !== 'bytes') return null;
  const spec = header.slice(eq + 1);
  const dash = spec.indexOf('-');
  if (dash < 0) return null;
  const first = spec.slice(0, dash).trim();
  const last = spec.slice(dash + 1).trim();
  // Several ranges ("0-1,5-6") or anything else but digits: ignored.
  if (!isDigits(first) || !isDigits(last)) return null;
  if (first === '' && last === '') return null;

  if (first === '') {
    // A suffix: the last N bytes.
    const length = Number(last);
    if (length === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - length), end: size - 1 };
  }
  const start = Number(first);
  if (last !== '' && Number(last) < start) return null; // invalid, so ignored
  if (start >= size) return 'unsatisfiable';
  return { start, end: last === '' ? size - 1 : Math.min(Number(last), size - 1) };
}
