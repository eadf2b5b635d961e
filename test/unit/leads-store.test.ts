import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { OVERDUE_CALLBACK_MS } from '../../src/store/dialer.js';
import { openStore, type Store } from '../../src/store/index.js';
import { tempDir } from '../harness/tmp.js';

describe('picking the next lead (SQLite)', () => {
  let store: Store;
  const now = 10_000_000;
  const accept = () => true;

  beforeEach(() => {
    store = openStore(join(tempDir(), 'leads.sqlite'));
    store.campaigns.create({
      id: 'c',
      name: 'C',
      state: 'active',
      settings: '{}',
      createdAt: 0,
      updatedAt: 0,
    });
  });

  const add = (id: string, extra: { teamId?: string; agentId?: string } = {}) =>
    store.leads.insertMany([
      {
        id,
        campaignId: 'c',
        importId: null,
        phone: `+49301000${id.padStart(4, '0')}`,
        name: null,
        fields: {},
        createdAt: 0,
        ...extra,
      },
    ]);
  /** Puts a new lead into a due state the way the dialer does: reserved, then moved on. */
  const make = (id: string, state: 'retry' | 'callback', dueAt: number) => {
    const lead = store.leads.claimNext('c', 'x', null, 0, accept)!; // at time 0 only new leads are due
    expect(lead.id).toBe(id);
    store.leads.setState(id, 'reserved', { state: 'in-progress', reservedBy: 'x' }, now);
    store.leads.setState(id, 'in-progress', { state, dueAt }, now);
  };

  it('due callbacks first, then due retries, then new leads; nothing not yet due', () => {
    add('2');
    make('2', 'retry', now - 5);
    add('3');
    make('3', 'callback', now - 1);
    add('4');
    make('4', 'retry', now + 60_000); // not due yet
    add('1');
    const order = [1, 2, 3].map(() => store.leads.claimNext('c', 'a1', null, now, accept)?.id);
    expect(order).toEqual(['3', '2', '1']);
    expect(store.leads.claimNext('c', 'a1', null, now, accept)).toBeUndefined();
  });

  it("an agent's own leads, then their team's, then the pool; never another agent's or team's", () => {
    add('pool');
    add('team', { teamId: 't1' });
    add('mine', { teamId: 't1', agentId: 'a1' });
    add('other-agent', { teamId: 't1', agentId: 'a2' });
    add('other-team', { teamId: 't2' });
    const picks = [1, 2, 3, 4].map(() => store.leads.claimNext('c', 'a1', 't1', now, accept)?.id);
    expect(picks).toEqual(['mine', 'team', 'pool', undefined]);
  });

  it('a lead is claimed once: the second claim finds nothing', () => {
    add('only');
    expect(store.leads.claimNext('c', 'a1', null, now, accept)?.id).toBe('only');
    expect(store.leads.claimNext('c', 'a2', null, now, accept)).toBeUndefined();
    expect(store.leads.get('only')).toMatchObject({ state: 'reserved', reservedBy: 'a1' });
  });

  it("another agent's callback is theirs until it is overdue, then anyone's", () => {
    add('cb', { agentId: 'a2' });
    const lead = store.leads.claimNext('c', 'a2', null, now, accept)!;
    store.leads.setState(lead.id, 'reserved', { state: 'in-progress', reservedBy: 'a2' }, now);
    store.leads.setState(lead.id, 'in-progress', { state: 'callback', dueAt: now - 1, agentId: 'a2' }, now);
    expect(store.leads.claimNext('c', 'a1', null, now, accept)).toBeUndefined();
    expect(store.leads.claimNext('c', 'a1', null, now + OVERDUE_CALLBACK_MS, accept)?.id).toBe('cb');
  });

  it('a move from the wrong state is refused (compare and set)', () => {
    add('l');
    store.leads.claimNext('c', 'a1', null, now, accept);
    expect(store.leads.setState('l', 'reserved', { state: 'in-progress', reservedBy: 'a2' }, now)).toBe(
      false,
    );
    expect(store.leads.setState('l', 'new', { state: 'in-progress' }, now)).toBe(false);
    expect(store.leads.setState('l', 'reserved', { state: 'in-progress', reservedBy: 'a1' }, now)).toBe(true);
  });
});
