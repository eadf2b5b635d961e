import { lineShown } from '../../src/agents/line.js';
import { type AgentState, transition } from '../../src/agents/state.js';
import {
  type AgentDirectory,
  AgentNotFoundError,
  AgentStateError,
  type AgentView,
  type RequestedAgentEvent,
} from '../../src/agents/types.js';
import type { Store } from '../../src/store/index.js';

/**
 * An in-memory AgentDirectory over the store's active seats, run by the real state machine (so refused
 * moves are real 409s), with no lines or calls behind it. Changes are written to the state log.
 */
export class FakeDirectory implements AgentDirectory {
  readonly #store: Store;
  readonly #states = new Map<string, AgentState>();
  #views = new Map<string, AgentView>();
  /** How many times the API said the seats changed. */
  reloads = 0;

  constructor(store: Store) {
    this.#store = store;
    this.#load();
  }

  list(): AgentView[] {
    return [...this.#views.values()];
  }

  get(id: string): AgentView | undefined {
    return this.#views.get(id);
  }

  async request(agentId: string, event: RequestedAgentEvent, by: string): Promise<AgentView> {
    const from = this.#states.get(agentId);
    if (!from || !this.#views.has(agentId)) throw new AgentNotFoundError(`no agent ${agentId}`);
    const now = Date.now();
    const result = transition(from, event, now);
    if (!result.ok) throw new AgentStateError(`agent ${agentId}: ${result.error}`);
    const to = result.next;
    this.#states.set(agentId, to);
    this.#store.agentLog.add({
      agentId,
      at: now,
      fromState: from.state,
      event: event.type,
      toState: to.state,
      reason: to.reason ?? null,
      callId: null,
      by,
    });
    this.#load();
    return this.#views.get(agentId)!;
  }

  async reload(): Promise<void> {
    this.reloads++;
    this.#load();
  }

  #load(): void {
    const views = new Map<string, AgentView>();
    for (const agent of this.#store.agents.list({ active: true })) {
      const {
        active: _active,
        createdAt: _createdAt,
        updatedAt: _updatedAt,
        endpoint: _endpoint,
        remoteNumber: _remoteNumber,
        ...seat
      } = agent;
      const state = this.#states.get(seat.id) ?? { state: 'logged-out', since: agent.createdAt };
      this.#states.set(seat.id, state);
      views.set(seat.id, {
        ...seat,
        ...lineShown(agent),
        ...state,
        lineUp: false,
        idleSince: state.since,
        missedOffers: 0,
      });
    }
    this.#views = views;
  }
}
