import { BbfnError } from '../errors.ts';

/**
 * A delivery the host refuses before the handler runs (401, recorded with outcome
 * `rejected`). One code per reason, so a provider's dashboard shows which one failed.
 */
export function missingSignature(what: string): BbfnError {
  return new BbfnError('WEBHOOK_SIGNATURE_MISSING', `The delivery has no ${what}`);
}

export function invalidSignature(provider: string): BbfnError {
  return new BbfnError(
    'WEBHOOK_SIGNATURE_INVALID',
    `The ${provider} signature does not match the raw body and the configured secret`,
  );
}

export function staleTimestamp(ageSeconds: number, toleranceSeconds: number): BbfnError {
  return new BbfnError(
    'WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE',
    `The delivery's timestamp is ${Math.round(ageSeconds)} s from now; at most ${toleranceSeconds} s is accepted`,
  );
}

export function invalidPayload(provider: string, why: string): BbfnError {
  return new BbfnError(
    'WEBHOOK_PAYLOAD_INVALID',
    `The ${provider} delivery is signed but unreadable: ${why}`,
  );
}

/** Seconds as a provider sends them; a timestamp that is not one fails as stale. */
export function checkTimestamp(raw: string, nowSeconds: number, toleranceSeconds: number): void {
  const at = /^\d{1,12}$/.test(raw) ? Number(raw) : Number.NaN;
  const age = Number.isFinite(at) ? Math.abs(nowSeconds - at) : Number.POSITIVE_INFINITY;
  if (age > toleranceSeconds) throw staleTimestamp(age, toleranceSeconds);
}
