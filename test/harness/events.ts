import type { DomainEvent } from '../../src/lib/events.js';

/**
 * An event as a notifier publishes it, with only the data a test looks at: for tests of what carries
 * events on (the SSE route, its clients), which pass `data` through without reading it.
 */
export const partialEvent = (topic: DomainEvent['topic'], type: string, data: Record<string, unknown>) =>
  ({ topic, type, at: Date.now(), data }) as unknown as DomainEvent;
