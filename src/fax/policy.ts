/** How a fax call ended, as the service sees it. */
export type FaxOutcome =
  | { kind: 'sent'; pages: number }
  | { kind: 'busy' }
  | { kind: 'no-answer' }
  /** Answered, but the fax failed (negotiation, a drop mid-page): `pages` went through. */
  | { kind: 'failed'; pages: number; error: string };

export interface FaxRetryRules {
  /** Calls in all, the first included. */
  attempts: number;
  busyDelaySec: number;
  noAnswerDelaySec: number;
  failedDelaySec: number;
}

export type RetryDecision = { retry: true; delayMs: number } | { retry: false; reason: string };

/** Whether a fax that did not go through is tried again, and when: pure, by outcome and attempts made. */
export function retryDecision(
  outcome: Exclude<FaxOutcome, { kind: 'sent' }>,
  attemptsMade: number,
  rules: FaxRetryRules,
): RetryDecision {
  if (attemptsMade >= rules.attempts)
    return {
      retry: false,
      reason: `${describeOutcome(outcome)} (after ${attemptsMade} of ${rules.attempts} attempts)`,
    };
  const delaySec =
    outcome.kind === 'busy'
      ? rules.busyDelaySec
      : outcome.kind === 'no-answer'
        ? rules.noAnswerDelaySec
        : rules.failedDelaySec;
  return { retry: true, delayMs: delaySec * 1000 };
}

export function describeOutcome(outcome: FaxOutcome): string {
  switch (outcome.kind) {
    case 'sent':
      return `sent, ${outcome.pages} pages`;
    case 'busy':
      return 'busy';
    case 'no-answer':
      return 'no answer';
    case 'failed':
      return `failed after ${outcome.pages} pages: ${outcome.error}`;
  }
}

/** What the call's hang-up cause (Q.850) says about a fax call that was never answered. */
export function unansweredOutcome(cause: number | undefined): FaxOutcome {
  if (cause === 17) return { kind: 'busy' };
  if (cause === 18 || cause === 19 || cause === 16 || cause === undefined) return { kind: 'no-answer' };
  return { kind: 'failed', pages: 0, error: `call not answered (cause ${cause})` };
}

/** The channel variables res_fax sets when SendFAX / ReceiveFAX end, read by the fax channel. */
export const FAX_RESULT_VARIABLES = ['FAXSTATUS', 'FAXPAGES', 'FAXERROR', 'REMOTESTATIONID'] as const;

/**
 * How a fax call went, from the last values of FAX_RESULT_VARIABLES when its channel ended. res_fax sets
 * them twice (FAILED/INIT_ERROR at the start, the real outcome at the end, also after a hang-up): only
 * the last set counts. No FAXSTATUS at all: the call ended before the fax began.
 */
export function faxResultFrom(variables: Readonly<Record<string, string>>): {
  success: boolean;
  pages: number;
  station: string;
  error: string;
} {
  const status = variables.FAXSTATUS ?? '';
  const n = Number.parseInt(variables.FAXPAGES ?? '', 10);
  return {
    success: status === 'SUCCESS',
    pages: Number.isFinite(n) && n >= 0 ? n : 0,
    station: (variables.REMOTESTATIONID ?? '').trim(),
    error:
      status === 'SUCCESS'
        ? ''
        : (variables.FAXERROR ?? '').trim() || status || 'the call ended before the fax began',
  };
}
