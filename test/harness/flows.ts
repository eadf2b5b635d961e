/** Flows tests and benchmarks install. */

/** Every caller to 450 is put straight through to an answering endpoint: a connected call per caller. */
export const TRANSFER_FLOW = {
  name: 'rec',
  numbers: ['450'],
  start: 'go',
  nodes: {
    go: { type: 'transfer', endpoint: 'Local/answer@sim', timeoutSec: 15, failed: 'bye' },
    bye: { type: 'hangup' },
  },
};
