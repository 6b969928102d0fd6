/**
 * A failure of the operator's own work (the API server refused a child, the compiler
 * itself broke): the Function's status and a Warning Event say so with `reason`, and
 * the work queue retries the Function with backoff. Failures of the user's spec are
 * not this: they wait for the spec to change.
 */
export class RetriedFailure extends Error {
  readonly reason: string;

  constructor(reason: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RetriedFailure';
    this.reason = reason;
  }
}
