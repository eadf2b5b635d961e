/** An error a person's request ran into (REST maps the code to a status). */
export class DialerError extends Error {
  override readonly name = 'DialerError';
  constructor(
    readonly code:
      | 'NO_PREVIEW'
      | 'NOT_AWAITING_DISPOSITION'
      | 'CALL_IN_PROGRESS'
      | 'UNKNOWN_DISPOSITION'
      | 'NO_CALL'
      | 'NOT_DIALED'
      | 'SALE_REQUIRED'
      | 'SALE_NOT_ALLOWED'
      | 'STALE_OFFER'
      | 'STALE_ATTEMPT',
    message: string,
  ) {
    super(message);
  }
}
