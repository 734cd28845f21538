/** Why a statistics routine refused or failed; stable strings callers can switch on. */
export type StatsErrorCode = 'no_data' | 'not_identifiable' | 'invalid_input' | 'did_not_converge';

/**
 * The one error type of `src/stats`. `code` is stable and machine-readable; `message` says what
 * was wrong in terms a user of the product can act on.
 */
export class StatsError extends Error {
  constructor(
    readonly code: StatsErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'StatsError';
  }
}
