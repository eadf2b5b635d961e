/** A change UIs follow live (agents board, queue wall, call list). */
export interface LiveEvent {
  topic: 'agent' | 'queue' | 'call' | 'dialer';
  type: string;
  at: number;
  data: Record<string, unknown>;
}

/**
 * In-process publish/subscribe for live changes, fed by the agent, queue and call code and read by the
 * SSE route. A slow or throwing subscriber never affects the publisher.
 */
export class EventBus {
  private readonly subscribers = new Set<(event: LiveEvent) => void>();

  publish(topic: LiveEvent['topic'], type: string, data: Record<string, unknown>): void {
    const event: LiveEvent = { topic, type, at: Date.now(), data };
    for (const subscriber of this.subscribers) {
      try {
        subscriber(event);
      } catch {
        // a broken subscriber (closed stream) must not stop the others
      }
    }
  }

  subscribe(subscriber: (event: LiveEvent) => void): () => void {
    this.subscribers.add(subscriber);
    return () => this.subscribers.delete(subscriber);
  }

  get size(): number {
    return this.subscribers.size;
  }
}
