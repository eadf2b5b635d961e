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

/**
 * The dialplan's report (Stasis arguments after `fax-result`): id, FAXSTATUS, FAXPAGES, remote station,
 * then FAXERROR, which may hold commas (so it is the rest). Undefined when the arguments are not one.
 */
export function parseFaxResult(
  args: readonly string[],
): { faxId: string; success: boolean; pages: number; station: string; error: string } | undefined {
  const [tag, faxId, status, pages, station, ...error] = args;
  if (tag !== 'fax-result' || !faxId) return undefined;
  const n = Number.parseInt(pages ?? '', 10);
  return {
    faxId,
    success: status === 'SUCCESS',
    pages: Number.isFinite(n) && n >= 0 ? n : 0,
    station: (station ?? '').trim(),
    error:
      error.join(',').trim() || (status === 'SUCCESS' ? '' : status || 'the call ended before the fax began'),
  };
}
