import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseKeysArgs, runKeysCommand, UsageError } from '../../src/cli/keys-command.js';
import { openStore, type Store } from '../../src/store/index.js';

describe('parseKeysArgs', () => {
  it('parses each command', () => {
    expect(parseKeysArgs(['create', '--name', ' ops ', '--role', 'admin'])).toEqual({
      kind: 'create',
      name: 'ops',
      role: 'admin',
    });
    expect(parseKeysArgs(['create', '--name', 'ann', '--role', 'agent', '--agent', 'a101'])).toEqual({
      kind: 'create',
      name: 'ann',
      role: 'agent',
      agentId: 'a101',
    });
    expect(parseKeysArgs(['list'])).toEqual({ kind: 'list' });
    expect(parseKeysArgs(['revoke', 'abc'])).toEqual({ kind: 'revoke', id: 'abc' });
    expect(parseKeysArgs(['--help'])).toEqual({ kind: 'help' });
  });

  it.each([
    [[], /missing command/],
    [['frobnicate'], /unknown command: frobnicate/],
    [['create', '--name', 'x'], /role/],
    [['create', '--name', 'x', '--role', 'boss'], /expected one of/],
    [['create', '--role', 'qa'], /name/],
    [['create', '--name', 'x', '--role', 'qa', '--colour', 'red'], /colour/],
    [['list', 'extra'], /no further arguments/],
    [['revoke'], /needs the key id/],
    [['revoke', 'a', 'b'], /one id/],
    [['revoke', 'a', '--role', 'qa'], /only apply to create/],
    [['list', '--agent', 'a101'], /only apply to create/],
    [['create', '--name', 'x', '--role', 'agent', '--agent', 'a 101'], /agentId/],
  ])('rejects %j', (argv, message) => {
    expect(() => parseKeysArgs(argv)).toThrow(UsageError);
    expect(() => parseKeysArgs(argv)).toThrow(message);
  });
});

describe('runKeysCommand', () => {
  let store: Store;
  beforeEach(() => {
    store = openStore(':memory:');
  });
  afterEach(() => store.close());

  it('creates a key that works, lists it without the key, and revokes it', () => {
    const created = runKeysCommand({ kind: 'create', name: 'ops', role: 'admin' }, store);
    const key = created.at(-1)!;
    const identity = store.apiKeys.verify(key, Date.now());
    expect(identity).toMatchObject({ name: 'ops', role: 'admin' });

    const listed = runKeysCommand({ kind: 'list' }, store);
    expect(listed[0]).toMatch(/^ID\s+NAME\s+ROLE/);
    expect(listed[1]).toContain(identity!.id);
    expect(listed.join('\n')).not.toContain(key);

    expect(runKeysCommand({ kind: 'revoke', id: identity!.id }, store)).toEqual([
      `Revoked API key ${identity!.id}.`,
    ]);
    expect(store.apiKeys.verify(key, Date.now())).toBeNull();
  });

  it('links a key to an agent, and refuses an unknown agent', () => {
    store.agents.create({
      id: 'a101',
      name: 'Ann',
      teamId: null,
      role: 'agent',
      endpoint: 'PJSIP/1001',
      lineMode: 'per-call',
      inboundRole: 'none',
    });
    const created = runKeysCommand({ kind: 'create', name: 'ann', role: 'agent', agentId: 'a101' }, store);
    expect(created[0]).toMatch(/\(ann, agent, agent a101\)/);
    expect(store.apiKeys.verify(created.at(-1)!, Date.now())).toMatchObject({ agentId: 'a101' });
    expect(runKeysCommand({ kind: 'list' }, store)[1]).toMatch(/ann\s+agent\s+a101\s/);
    expect(() =>
      runKeysCommand({ kind: 'create', name: 'x', role: 'agent', agentId: 'a999' }, store),
    ).toThrow(/No agent with id a999/);
  });

  it('reports an empty list and an unknown id', () => {
    expect(runKeysCommand({ kind: 'list' }, store)).toEqual(['No API keys.']);
    expect(() => runKeysCommand({ kind: 'revoke', id: 'nope' }, store)).toThrow(/No API key with id nope/);
  });
});
