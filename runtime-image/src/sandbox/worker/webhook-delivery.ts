import type { DeliveryClaims } from '../../ctx/delivery-claims.ts';
import type { RunOutcome, WebhookInvocation } from '../protocol.ts';
import { serializeError } from './invocation-runner.ts';

/**
 * Runs a verified webhook delivery at most once per delivery id: the id is claimed
 * (scope = the provider) before the handler runs; a delivery whose id is already
 * claimed is acknowledged with 200 and not run (`duplicate`); a handler that failed
 * (threw, timed out, answered 5xx) gives its claim back, so the provider's retry runs it.
 */
export async function runDelivery(
  webhook: WebhookInvocation,
  claims: DeliveryClaims,
  run: () => Promise<RunOutcome>,
): Promise<RunOutcome> {
  const { event, dedupe } = webhook;
  if (!dedupe) return run();
  let claimed: boolean;
  try {
    claimed = await claims.claim(event.provider, event.id, dedupe.ttlSeconds);
  } catch (error) {
    // Without the claim the delivery is not run: the provider retries a 503.
    return { type: 'failed', error: serializeError(error, 'FUNCTION_THREW'), background: false, lines: [] };
  }
  if (!claimed) {
    return {
      type: 'response',
      status: 200,
      headers: [['content-type', 'text/plain; charset=utf-8']],
      body: 'duplicate',
      background: false,
      lines: [],
      duplicate: true,
    };
  }
  const outcome = await run();
  if (outcome.type === 'failed' || outcome.status >= 500) {
    await claims.release(event.provider, event.id).catch((error: unknown) => {
      // The claim stays: the provider's retries are acknowledged as duplicates until it expires.
      console.error(`Could not release the claim of ${event.provider} delivery ${event.id}:`, error);
    });
  }
  return outcome;
}
