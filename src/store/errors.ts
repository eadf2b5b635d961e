/**
 * Why the store refused a write: the name of a duplicate, a missing reference or a record still in use.
 * The codes double as the API's error codes (see the errors plugin).
 */
export type StoreErrorCode =
  | 'AGENT_EXISTS'
  | 'TEAM_EXISTS'
  | 'TEAM_NOT_EMPTY'
  | 'UNKNOWN_AGENT'
  | 'UNKNOWN_TEAM'
  | 'CAMPAIGN_EXISTS'
  /** An agent's line fields that do not fit together (a SIP line without endpoint...). */
  | 'INVALID_LINE';

export class StoreError extends Error {
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    /** The input field at fault, when one is (INVALID_LINE: endpoint, remoteNumber or lineMode). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'StoreError';
  }
}
