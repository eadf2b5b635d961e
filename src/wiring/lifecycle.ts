import type { Logger } from '../lib/logger.js';

/**
 * How the service starts, phase by phase. Each domain contributes at most one step per phase; within a
 * phase the steps run in the order the domains were wired. The order lives here, not in code position.
 */
export const START_PHASES = [
  /** The API listens first: liveness answers while ARI is still connecting; readiness says when it is. */
  'listen',
  /** Agents, the queue and the dialer start, registering what they re-attach during ARI's first resync. */
  'attach',
  /** ARI connects and resyncs. */
  'connect',
  /** What is kept outside the PBX is matched against it (recordings Asterisk still holds). */
  'reconcile',
  /** Periodic jobs begin (retention purges). */
  'schedule',
] as const;

/** How the service stops (the drain), phase by phase, in the same way as START_PHASES. */
export const STOP_PHASES = [
  /** No new work: ARI refuses new calls, the hotline and the dialer stop. */
  'refuse',
  /** Periodic jobs stop. */
  'unschedule',
  /** Customer calls may finish up to the drain timeout; the rest are hung up. */
  'drain',
  /** Agents stop (and their lines, unless kept for a restart or the standby). */
  'release',
  /** Work left by the calls just ended finishes (recordings) and the background workers close. */
  'finish',
  /** The API stops taking requests. */
  'requests',
  /** Work started by requests is collected (lead imports): after the API, so an upload still arriving is registered first. */
  'requestWork',
  /** ARI disconnects. */
  'disconnect',
  /** Redis and the store close. */
  'close',
] as const;

export type StartPhase = (typeof START_PHASES)[number];
export type StopPhase = (typeof STOP_PHASES)[number];

/** One step; a synchronous one runs straight after the previous, as a plain call would. */
export type Step = () => void | Promise<void>;

/** The steps one domain contributes to the service's start and stop. */
export interface DomainSteps {
  start?: Partial<Record<StartPhase, Step>>;
  stop?: Partial<Record<StopPhase, Step>>;
}

/** What a domain's wiring returns besides what other domains need from it. */
export interface Wired {
  domain: string;
  steps: DomainSteps;
}

/** The wired domains, in wiring order, and the running of their steps phase by phase. */
export class Lifecycle {
  private readonly domains: Wired[] = [];

  constructor(private readonly log: Pick<Logger, 'debug'>) {}

  /** Adds a wired domain (after those added before it in every phase); returns it for destructuring. */
  add<T extends Wired>(wired: T): T {
    this.domains.push(wired);
    return wired;
  }

  /** Runs every start step in order; the first that fails stops the start (and rejects). */
  start(): Promise<void> {
    return this.run(START_PHASES, (d) => d.steps.start);
  }

  /** Runs every stop step in order; the first that fails stops the stop (and rejects). */
  stop(): Promise<void> {
    return this.run(STOP_PHASES, (d) => d.steps.stop);
  }

  private async run<P extends string>(
    phases: readonly P[],
    stepsOf: (d: Wired) => Partial<Record<P, Step>> | undefined,
  ): Promise<void> {
    for (const phase of phases) {
      for (const d of this.domains) {
        const step = stepsOf(d)?.[phase];
        if (!step) continue;
        this.log.debug({ phase, domain: d.domain }, 'lifecycle step');
        // Only a step that returns a promise is awaited: synchronous steps run back to back.
        const pending = step();
        if (pending) await pending;
      }
    }
  }
}
