import { randomBytes } from 'node:crypto';

let lastMs = 0;
let counter = 0;
/** Random bytes drawn in bulk: one draw per id costs more than the rest of the id. */
let pool = Buffer.alloc(0);
let poolAt = 0;

function random8(): Buffer {
  if (poolAt + 8 > pool.length) {
    pool = randomBytes(8 * 512);
    poolAt = 0;
  }
  poolAt += 8;
  return pool.subarray(poolAt - 8, poolAt);
}

/**
 * A UUID version 7 (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter within the
 * millisecond, then random bits. Ids made by one process sort in the order they were made, so a bulk
 * insert appends to the primary-key index instead of writing all over it.
 */
export function uuidv7(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else {
    counter += 1;
    if (counter > 0xfff) {
      lastMs += 1; // borrowed from the next millisecond; keeps the order
      counter = 0;
    }
  }
  const ms = lastMs;
  const rand = random8();
  const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');
  const variant = (rand[0]! & 0x3f) | 0x80;
  return (
    `${hex(Math.floor(ms / 0x10000), 8)}-${hex(ms % 0x10000, 4)}-${hex(0x7000 | counter, 4)}-` +
    `${hex(variant, 2)}${rand.subarray(1, 2).toString('hex')}-${rand.subarray(2, 8).toString('hex')}`
  );
}
