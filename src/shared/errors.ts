/**
 * Errors that reach a user. Every domain has one error class with string codes; each code has a kind, and
 * the kind alone decides the HTTP status and the CLI exit code — here, in one place.
 */
export type ErrorKind = 'invalid_input' | 'not_found' | 'conflict' | 'refused' | 'unavailable' | 'internal';

const httpStatusByKind: Record<ErrorKind, number> = {
  invalid_input: 422,
  not_found: 404,
  conflict: 409,
  refused: 403,
  unavailable: 503,
  internal: 500,
};

// Exit codes follow the BSD sysexits convention where one fits, so scripts can tell failures apart.
const exitCodeByKind: Record<ErrorKind, number> = {
  invalid_input: 65, // EX_DATAERR
  not_found: 66, // EX_NOINPUT
  conflict: 75, // EX_TEMPFAIL: try again once the other party is done
  refused: 77, // EX_NOPERM
  unavailable: 69, // EX_UNAVAILABLE
  internal: 70, // EX_SOFTWARE
};

export abstract class DomainError<Code extends string = string> extends Error {
  protected constructor(
    readonly domain: string,
    readonly code: Code,
    readonly kind: ErrorKind,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Declares a domain's error class from its table of codes and their kinds. */
export function defineDomainError<const Codes extends Record<string, ErrorKind>>(domain: string, codes: Codes) {
  return class extends DomainError<keyof Codes & string> {
    constructor(code: keyof Codes & string, message: string, details?: unknown) {
      super(domain, code, codes[code]!, message, details);
    }
  };
}

export interface ErrorReport {
  status: number;
  exitCode: number;
  body: { error: { domain: string; code: string; message: string; details?: unknown } };
}

/** The one mapping from any thrown value to what HTTP and the CLI report. */
export function reportError(error: unknown): ErrorReport {
  if (error instanceof DomainError) {
    return {
      status: httpStatusByKind[error.kind],
      exitCode: exitCodeByKind[error.kind],
      body: { error: { domain: error.domain, code: error.code, message: error.message, details: error.details } },
    };
  }
  if (isCodedError(error) && error.name === 'StatsError') {
    // The pure statistics module has its own error type (it depends on nothing); its codes all describe data
    // that cannot support the requested model, which is the user's input.
    return {
      status: httpStatusByKind.invalid_input,
      exitCode: exitCodeByKind.invalid_input,
      body: { error: { domain: 'stats', code: error.code, message: error.message } },
    };
  }
  const message = error instanceof Error ? error.message : String(error);
  return {
    status: httpStatusByKind.internal,
    exitCode: exitCodeByKind.internal,
    body: { error: { domain: 'internal', code: 'internal', message } },
  };
}

function isCodedError(error: unknown): error is Error & { code: string } {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string';
}
