import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { AgentInput, NewRecording, Role, Store } from '../../src/store/index.js';

/** A mono 8 kHz 16-bit PCM WAV of `dataBytes` bytes of a ramp, so every byte range is distinct. */
export function wavFile(dataBytes: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + dataBytes, 4);
  header.write('WAVEfmt ', 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(8000, 24);
  header.writeUInt32LE(16_000, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(dataBytes, 40);
  const data = Buffer.alloc(dataBytes);
  for (let i = 0; i < dataBytes; i++) data[i] = (i * 7) % 256;
  return Buffer.concat([header, data]);
}

const seat = (id: string, teamId: string): AgentInput => ({
  id,
  name: `Agent ${id}`,
  teamId,
  role: 'agent',
  endpoint: `PJSIP/${id}`,
  lineMode: 'per-call',
  inboundRole: 'none',
});

/** Team sales (a1 leads, a2), team support (a3). */
export function seedTeams(store: Store): void {
  store.teams.create({ id: 'sales', name: 'Sales' });
  store.teams.create({ id: 'support', name: 'Support' });
  store.agents.create(seat('a1', 'sales'));
  store.agents.create(seat('a2', 'sales'));
  store.agents.create(seat('a3', 'support'));
  store.teams.update('sales', { leaderAgentId: 'a1' });
}

export type KeyHolder = 'supervisor' | 'qa' | 'lead1' | 'a2' | 'a3';

export function seedKeys(store: Store): Record<KeyHolder, string> {
  const key = (name: string, role: Role, agentId?: string) =>
    store.apiKeys.create(name, role, { agentId }).key;
  return {
    supervisor: key('sup', 'supervisor'),
    qa: key('qa', 'qa'),
    lead1: key('lead a1', 'team-leader', 'a1'),
    a2: key('agent a2', 'agent', 'a2'),
    a3: key('agent a3', 'agent', 'a3'),
  };
}

/** A stored recording with its file written under `dir`; returns the file's bytes. */
export function storeRecording(
  store: Store,
  dir: string,
  recording: Omit<NewRecording, 'callId' | 'name' | 'direction'> & { id: string } & Partial<NewRecording>,
  bytes = wavFile(4000),
): Buffer {
  const filePath = `2025/01/06/${recording.id}.wav`;
  mkdirSync(dirname(join(dir, filePath)), { recursive: true });
  writeFileSync(join(dir, filePath), bytes);
  store.recordings.started({
    callId: `call-${recording.id}`,
    name: `rec-${recording.id}`,
    direction: 'inbound',
    ...recording,
  });
  store.recordings.stored(
    `rec-${recording.id}`,
    {
      filePath,
      sizeBytes: bytes.length,
      sha256: '0'.repeat(64),
      durationSec: (bytes.length - 44) / 16_000,
      endedAt: recording.startedAt + 1000,
    },
    recording.startedAt + 2000,
  );
  return bytes;
}
