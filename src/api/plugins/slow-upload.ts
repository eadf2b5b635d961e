import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export interface SlowUploadOptions {
  /** The least a body must bring per window while it is still arriving. */
  minBytesPerSec: number;
  /** How long a window is: a body slower than the rate over a whole window is cut. */
  windowSec: number;
}

/**
 * Cuts a request whose body trickles in (a byte every few seconds holds a connection and a handler for the
 * whole request time otherwise): while the body is still arriving, each window must bring at least
 * minBytesPerSec × windowSec bytes, else the client gets 408 and the connection is closed. Measured on the
 * socket's byte count, so the body is never read here (a streaming import reads it as it comes).
 */
async function slowUpload(app: FastifyInstance, options: SlowUploadOptions): Promise<void> {
  const windowMs = options.windowSec * 1000;
  const minBytes = options.minBytesPerSec * options.windowSec;
  app.addHook('onRequest', async (request, reply) => {
    const { raw } = request;
    const length = Number(raw.headers['content-length'] ?? 0);
    if (raw.complete || (length === 0 && raw.headers['transfer-encoding'] === undefined)) return;
    const socket = raw.socket;
    // An injected request (tests) has no real socket to count on.
    if (typeof socket?.bytesRead !== 'number') return;
    let before = socket.bytesRead;
    const timer = setInterval(() => {
      if (raw.complete || socket.destroyed) return clearInterval(timer);
      const brought = socket.bytesRead - before;
      before = socket.bytesRead;
      if (brought >= minBytes) return;
      clearInterval(timer);
      request.log.warn({ brought, windowSec: options.windowSec }, 'upload too slow: cut');
      if (!reply.raw.headersSent) {
        reply.raw.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
        reply.raw.end(
          JSON.stringify({
            error: {
              code: 'UPLOAD_TOO_SLOW',
              message: `The body arrived slower than ${options.minBytesPerSec} bytes a second`,
            },
          }),
        );
      }
      socket.destroySoon();
    }, windowMs);
    timer.unref();
    raw.once('end', () => clearInterval(timer));
    reply.raw.once('close', () => clearInterval(timer));
  });
}

export default fp(slowUpload, { name: 'slow-upload' });
