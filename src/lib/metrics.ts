import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { AGENT_STATES } from '../agents/state.js';

/**
 * The process's own metrics (CPU, memory, event-loop delay, GC), collected once per process: their
 * collectors (an event-loop delay monitor, a GC observer) are never stopped, so one per instance would
 * keep every stopped instance's registry, and through its gauges' sources the whole service, alive for
 * good, and run once more on every GC.
 */
let processMetrics: Registry | undefined;

function sharedProcessMetrics(): Registry {
  if (!processMetrics) {
    processMetrics = new Registry();
    collectDefaultMetrics({ register: processMetrics, prefix: 'cc_' });
  }
  return processMetrics;
}

/** All Prometheus metrics of one service instance, on their own registry (tests build several). */
export class Metrics {
  readonly registry = new Registry();
  readonly activeCalls = new Gauge({
    name: 'cc_active_calls',
    help: 'Call sessions currently live in this instance',
    registers: [this.registry],
  });
  readonly ariConnected = new Gauge({
    name: 'cc_ari_connected',
    help: '1 while the ARI WebSocket is open',
    registers: [this.registry],
  });
  readonly ariReconnects = new Counter({
    name: 'cc_ari_reconnects_total',
    help: 'ARI (re)connections after the first',
    registers: [this.registry],
  });
  readonly ariEvents = new Counter({
    name: 'cc_ari_events_total',
    help: 'ARI events received, by type',
    labelNames: ['type'] as const,
    registers: [this.registry],
  });
  readonly ariEventLag = new Histogram({
    name: 'cc_ari_event_lag_seconds',
    help: 'Delay between the event timestamp Asterisk set and its dispatch here',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [this.registry],
  });
  readonly ariEventToCommand = new Histogram({
    name: 'cc_ari_event_to_command_seconds',
    help: 'Time from an ARI event reaching a call to the first command the call sends after it',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });
  readonly ariCommandErrors = new Counter({
    name: 'cc_ari_command_errors_total',
    help: 'ARI REST commands that failed, by command and kind (timeout, http status, gone)',
    labelNames: ['command', 'kind'] as const,
    registers: [this.registry],
  });
  readonly resyncs = new Counter({
    name: 'cc_ari_resyncs_total',
    help: 'Resyncs run after (re)connect, with their outcome per channel',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly redisRebuilds = new Counter({
    name: 'cc_redis_rebuilds_total',
    help: 'Live state written back to Redis, by cause (data-lost, data-replaced, restarted, reconnected)',
    labelNames: ['cause'] as const,
    registers: [this.registry],
  });

  readonly ivrLinesInUse = new Gauge({
    name: 'cc_ivr_lines_in_use',
    help: 'IVR lines taken by callers now',
    registers: [this.registry],
  });
  readonly ivrWaiting = new Gauge({
    name: 'cc_ivr_overflow_waiting',
    help: 'Callers waiting for an IVR line (overflow mode wait)',
    registers: [this.registry],
  });
  readonly ivrOverflows = new Counter({
    name: 'cc_ivr_overflows_total',
    help: 'Callers who found every IVR line taken',
    registers: [this.registry],
  });
  readonly ivrDtmfToPrompt = new Histogram({
    name: 'cc_ivr_dtmf_to_prompt_seconds',
    help: 'Time from a caller key press to the next prompt command',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1],
    registers: [this.registry],
  });

  readonly hotlineConnect = new Histogram({
    name: 'cc_hotline_connect_seconds',
    help: 'Time from the routing decision to the hotline caller bridged with the agent',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 5, 20],
    registers: [this.registry],
  });

  readonly recordingFinalize = new Histogram({
    name: 'cc_recording_finalize_seconds',
    help: 'Time from hang-up to the recording stored and indexed',
    buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  readonly recordingFailures = new Counter({
    name: 'cc_recording_failures_total',
    help: 'Recordings that failed (RecordingFailed, or finalizing gave up): each one is alerted',
    registers: [this.registry],
  });

  readonly dialOutcomes = new Counter({
    name: 'cc_dial_outcomes_total',
    help: 'Customer dial attempts by outcome (answered, busy, no-answer, congestion, failed, cancelled)',
    labelNames: ['campaign', 'outcome'] as const,
    registers: [this.registry],
  });
  readonly dialerActiveCalls = new Gauge({
    name: 'cc_dialer_active_calls',
    help: 'Customer calls the dialer has up (ringing or talking)',
    registers: [this.registry],
  });
  readonly dialerNextCall = new Histogram({
    name: 'cc_dialer_next_call_seconds',
    help: 'From an agent accepting a preview to the customer call placed',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
    registers: [this.registry],
  });

  /** Live figures read at scrape time from the modules that own them (set by the service once they exist). */
  readonly sources: {
    queue?: () => { name: string; waiting: unknown[]; longestWaitMs: number };
    agents?: () => { state: string }[];
    recordingsPending?: () => Promise<number>;
  } = {};
  readonly queueWaiting = new Gauge({
    name: 'cc_queue_waiting',
    help: 'Callers waiting in the hotline queue',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: () => {
      const q = this.sources.queue?.();
      if (q) this.queueWaiting.set({ queue: q.name }, q.waiting.length);
    },
  });
  readonly queueLongestWait = new Gauge({
    name: 'cc_queue_longest_wait_seconds',
    help: 'How long the caller waiting longest has waited',
    labelNames: ['queue'] as const,
    registers: [this.registry],
    collect: () => {
      const q = this.sources.queue?.();
      if (q) this.queueLongestWait.set({ queue: q.name }, q.longestWaitMs / 1000);
    },
  });
  readonly agentsByState = new Gauge({
    name: 'cc_agents',
    help: 'Agents by state (logged-out, ready, reserved, on-call, wrap-up, not-ready)',
    labelNames: ['state'] as const,
    registers: [this.registry],
    collect: () => {
      const agents = this.sources.agents?.();
      if (!agents) return;
      const counts: Record<string, number> = Object.fromEntries(AGENT_STATES.map((s) => [s, 0]));
      for (const a of agents) counts[a.state] = (counts[a.state] ?? 0) + 1;
      for (const [state, n] of Object.entries(counts)) this.agentsByState.set({ state }, n);
    },
  });
  readonly recordingsPending = new Gauge({
    name: 'cc_recordings_pending',
    help: 'Recordings waiting to be finalized (fetched, checked, stored, indexed)',
    registers: [this.registry],
    collect: async () => {
      const pending = await this.sources.recordingsPending?.().catch(() => undefined);
      if (pending !== undefined) this.recordingsPending.set(pending);
    },
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics !== false) {
      const shared = sharedProcessMetrics();
      for (const { name } of shared.getMetricsAsArray()) {
        const metric = shared.getSingleMetric(name);
        if (metric) this.registry.registerMetric(metric);
      }
    }
  }
}
