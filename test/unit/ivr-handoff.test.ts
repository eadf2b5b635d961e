import { describe, expect, it, vi } from 'vitest';
import type { CallSession } from '../../src/ari/session.js';
import { IvrHandoff } from '../../src/wiring/handoff.js';

const session = { id: 'call-1' } as CallSession;

describe('IvrHandoff', () => {
  it('hands inbound calls and resumed callers to the attached IVR', async () => {
    const engine = { handle: vi.fn(async () => {}), resume: vi.fn(async () => {}) };
    const handoff = new IvrHandoff();
    handoff.attach(engine);
    const { handle, resume } = handoff; // passed around unbound, as the wiring does
    await handle(session, undefined);
    await resume(session, 'main', 'sorry');
    expect(engine.handle).toHaveBeenCalledWith(session, undefined);
    expect(engine.resume).toHaveBeenCalledWith(session, 'main', 'sorry');
  });

  it('rejects a call before an IVR is attached, and a second IVR', async () => {
    const handoff = new IvrHandoff();
    await expect(handoff.handle(session, undefined)).rejects.toThrow('no IVR attached yet');
    await expect(handoff.resume(session, 'main', 'sorry')).rejects.toThrow('no IVR attached yet');
    const engine = { handle: async () => {}, resume: async () => {} };
    handoff.attach(engine);
    expect(() => handoff.attach(engine)).toThrow('an IVR is already attached');
  });
});
