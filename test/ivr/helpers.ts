import type { Service } from '../../src/service.js';
import type { FarEnd } from '../harness/far-end.js';
import { eventually } from '../harness/infra.js';

/** Installs (a new version of) a flow the way an admin would, through the catalog. */
export function installFlow(service: Service, flow: unknown): number {
  const saved = service.catalog.put(flow, 'test');
  if (!('version' in saved)) throw new Error('flow not saved');
  return saved.version;
}

/** Places a caller to `dnis` and waits until the service has answered. */
export async function ivrCall(far: FarEnd, service: Service, dnis: string) {
  const call = await far.call(dnis, service.config.ari.app);
  await far.waitFor(
    (e) => e.type === 'StasisStart' && (e as { channel: { id: string } }).channel.id === call.callerId,
  );
  return call;
}

export function callIdOf(service: Service, serviceChannelId: string): string | undefined {
  return (
    service.ari.registry.byChannelId(serviceChannelId)?.id ??
    service.store.calls.findByChannel(serviceChannelId)?.id
  );
}

/** Waits until the caller is at `node` of the IVR. */
export function atNode(service: Service, serviceChannelId: string, node: string, timeoutMs = 10_000) {
  return eventually(
    () => {
      const callId = callIdOf(service, serviceChannelId);
      return service.ivr.snapshot().sessions.find((s) => s.callId === callId && s.node === node);
    },
    `caller at node ${node}`,
    timeoutMs,
  );
}

/** The IVR record once the caller has left the IVR. */
export function ivrRecord(service: Service, serviceChannelId: string, timeoutMs = 15_000) {
  return eventually(
    () => {
      const callId = callIdOf(service, serviceChannelId);
      const record = callId ? service.store.ivrSessions.get(callId) : undefined;
      return record?.end ? { ...record, ...record.end } : undefined;
    },
    'IVR session recorded',
    timeoutMs,
  );
}

export async function pressKeys(far: FarEnd, callerId: string, keys: string): Promise<void> {
  await far.rest.sendDtmf(callerId, keys, 150, 100);
}
