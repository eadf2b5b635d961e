import { describe, expect, it, vi } from 'vitest';
import { AriError } from '../../src/ari/errors.js';
import { bestEffort, observed } from '../../src/lib/best-effort.js';

describe('bestEffort', () => {
  it('ignores a target that is already gone', async () => {
    const warn = vi.fn();
    await bestEffort(
      Promise.reject(new AriError('stopMoh', 'not-found', 404, 'gone')),
      { warn },
      'stop music',
    );
    expect(warn).not.toHaveBeenCalled();
  });

  it('logs any other failure and still resolves', async () => {
    const warn = vi.fn();
    await bestEffort(() => Promise.reject(new Error('redis down')), { warn }, 'forget caller');
    expect(warn).toHaveBeenCalledOnce();
    expect(warn.mock.calls[0]?.[1]).toBe('forget caller failed (ignored)');
  });

  it('accepts nothing to do', async () => {
    const warn = vi.fn();
    await bestEffort(undefined, { warn }, 'nothing');
    expect(warn).not.toHaveBeenCalled();
  });
});

describe('observed', () => {
  it('returns the same promise, still rejecting for whoever awaits it', async () => {
    const p = observed(Promise.reject(new Error('late')));
    await new Promise((r) => setTimeout(r, 5));
    await expect(p).rejects.toThrow('late');
  });
});
