import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { Metrics } from '../../src/lib/metrics.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

describe('Metrics', () => {
  it('lets a dropped instance go (its process metrics leave no collector holding it)', async () => {
    let metrics: Metrics | undefined = new Metrics();
    await metrics.registry.metrics();
    const dropped = new WeakRef(metrics);
    metrics = undefined;
    for (let i = 0; i < 5 && dropped.deref(); i += 1) {
      await new Promise((r) => setTimeout(r, 10));
      gc();
    }
    expect(dropped.deref()).toBeUndefined();
  });

  it('reports the process metrics in every instance, collected once per process', async () => {
    const a = new Metrics();
    const b = new Metrics();
    expect(a.registry.getSingleMetric('cc_process_cpu_user_seconds_total')).toBeDefined();
    expect(a.registry.getSingleMetric('cc_nodejs_eventloop_lag_p99_seconds')).toBe(
      b.registry.getSingleMetric('cc_nodejs_eventloop_lag_p99_seconds'),
    );
    expect(await b.registry.metrics()).toContain('cc_nodejs_gc_duration_seconds');
    expect(
      new Metrics({ defaultMetrics: false }).registry.getSingleMetric('cc_process_cpu_user_seconds_total'),
    ).toBeUndefined();
  });
});
