/**
 * Every domain's live events, one entry per domain: each domain adds its own from its notifier file
 * (`declare module '../lib/events.js' { interface DomainEvents { <domain>: <its union> } }`), so this
 * module imports no domain while the union below still lists them all. Two domains cannot take one key.
 */
// biome-ignore lint/suspicious/noEmptyInterface: filled in by each domain's notifier (declaration merging)
export interface DomainEvents {}

/**
 * A change UIs follow live (agents board, queue wall, call list, dialer, recordings, IVR): a union of
 * every domain's events, each published by that domain's notifier. Narrow on `topic` and `type` to read
 * `data`.
 */
export type DomainEvent = DomainEvents[keyof DomainEvents];

/**
 * The events of one topic, from a map of event type to its data: `{topic, type, at, data}` with `at` in
 * epoch ms of the business clock. Data types are object type aliases (not interfaces), so an event's data
 * still reads as a plain record where one is expected.
 */
export type EventsOf<Topic extends string, DataByType> = {
  [Type in keyof DataByType & string]: { topic: Topic; type: Type; at: number; data: DataByType[Type] };
}[keyof DataByType & string];

/**
 * In-process publish/subscribe for live changes, fed by the domains' notifiers and read by the SSE route
 * and the wiring. A slow or throwing subscriber never affects the publisher.
 */
export class EventBus {
  private readonly subscribers = new Set<(event: DomainEvent) => void>();

  publish(event: DomainEvent): void {
    for (const subscriber of this.subscribers) {
      try {
        subscriber(event);
      } catch {
        // a broken subscriber (closed stream) must not stop the others
      }
    }
  }

  subscribe(subscriber: (event: DomainEvent) => void): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get size(): number {
    return this.subscribers.size;
  }
}

/** The base of each domain's notifier: the bus it publishes on, and the business clock that stamps `at`. */
export abstract class Notifier {
  constructor(
    protected readonly bus: Pick<EventBus, 'publish'>,
    protected readonly now: () => number,
  ) {}
}
