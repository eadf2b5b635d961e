/** One Server-Sent Events message: its `event:` name ('message' when none) and its `data:` lines joined. */
export interface SseMessage {
  event: string;
  data: string;
}

/**
 * Splits a text/event-stream into messages as chunks arrive (any chunking, LF, CRLF or CR line ends).
 * Comment lines (the server's `: heartbeat`) and `id:`/`retry:` fields are dropped; the transport sees
 * the bytes arrive and counts them as signs of life.
 */
export class SseParser {
  private buffer = '';
  private event = '';
  private data: string[] = [];
  /** A chunk ended in CR: an LF at the start of the next one belongs to the same line end. */
  private afterCr = false;

  constructor(private readonly onMessage: (message: SseMessage) => void) {}

  push(chunk: string): void {
    let text = chunk;
    if (this.afterCr && text.startsWith('\n')) text = text.slice(1);
    this.afterCr = text.endsWith('\r');
    this.buffer += text;
    const lines = this.buffer.split(/\r\n|\r|\n/);
    this.buffer = lines.pop() ?? '';
    for (const line of lines) this.line(line);
  }

  private line(line: string): void {
    if (line === '') {
      if (this.data.length > 0)
        this.onMessage({ event: this.event || 'message', data: this.data.join('\n') });
      this.event = '';
      this.data = [];
      return;
    }
    if (line.startsWith(':')) return;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') this.event = value;
    else if (field === 'data') this.data.push(value);
  }
}
