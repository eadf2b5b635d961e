import { computed, readonly, ref } from 'vue';
import { sessionFetch, sessionRejected } from '../session/session.js';
import { LiveClient, type LiveEvent } from './client.js';
import { type LiveState, liveStatus } from './state.js';
import { fetchSse } from './transport.js';

/** The server beats every 15 s: two missed beats and a little more mean the connection is dead. */
const STALE_AFTER_MS = 35_000;

const state = ref<LiveState>('idle');
const connectedAt = ref<number | null>(null);
let client: LiveClient | null = null;
const listeners = new Set<(event: LiveEvent) => void>();

/** The page's one live stream, for the signed-in person (started by the shell, stopped at sign-out). */
export const live = {
  state: readonly(state),
  status: computed(() => liveStatus(state.value)),
  /** When the stream last (re)connected (epoch ms), while it is connected. */
  connectedAt: readonly(connectedAt),
  /** Every live event; returns the unsubscribe function. Reload what you show when status turns connected. */
  onEvent(listener: (event: LiveEvent) => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

export function startLive(): void {
  if (client) return;
  client = new LiveClient({
    url: '/v1/events',
    connect: fetchSse({ fetch: sessionFetch }),
    staleAfterMs: STALE_AFTER_MS,
    log: (line) => console.debug(line),
  });
  client.onState((next) => {
    state.value = next;
    connectedAt.value = next === 'connected' ? Date.now() : null;
    if (next === 'refused') sessionRejected();
  });
  client.onEvent((event) => {
    for (const listener of listeners) listener(event);
  });
  client.start();
}

export function stopLive(): void {
  client?.stop();
  client = null;
  state.value = 'idle';
  connectedAt.value = null;
}
