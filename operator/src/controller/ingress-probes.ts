import { PROGRESS_REASON } from '../reconcile/condition-reasons.ts';
import type { Outcome } from '../reconcile/readiness.ts';
import { describeAnswer, probeIngress } from './ingress-probe-request.ts';

export interface IngressProbeOptions {
  /** The ingress controller's address as the operator reaches it (settings.ingress.probeUrl). */
  probeUrl: string;
  /** Reconciles a Function again: the next probe. */
  enqueue: (key: string) => void;
  /** One probe's limit, from start to the answer's headers. */
  timeoutMs?: number;
  /** A new revision not routed for this long is reported (Warning Event, condition message). */
  reportAfterMs?: number;
}

/** Probes again after 250 ms, doubling up to every 10 s while the ingress has not caught up. */
const FIRST_RETRY_MS = 250;
const MAX_RETRY_MS = 10_000;

interface Waiting {
  revision: string;
  since: number;
  attempts: number;
  timer: NodeJS.Timeout | undefined;
}

/**
 * Tells `deployed` from "its pods serve, the ingress does not route to them yet", as
 * Knative probes its gateways before a Route is Ready: once a Function's new revision is
 * ready at its pods, a probe through the ingress controller (with the public host, to
 * the function's path) must be answered by that revision (runtime-image/src/http/
 * ingress-probe.ts). Until then the Function is pending (IngressNotConfigured) and is
 * reconciled again with backoff; past `reportAfterMs`, IngressProbeFailing, a Warning.
 * A revision once confirmed is not probed again (until the operator restarts).
 */
export class IngressProbes {
  private readonly confirmed = new Map<string, string>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly options: Required<IngressProbeOptions>;

  constructor(options: IngressProbeOptions) {
    this.options = { timeoutMs: 2_000, reportAfterMs: 120_000, ...options };
  }

  /** The outcome, or pending while a ready revision is not yet what the ingress reaches. */
  async confirm(
    key: string,
    revision: string,
    target: { path: string; host: string },
    outcome: Outcome,
  ): Promise<Outcome> {
    if (outcome.phase !== 'ready' || this.confirmed.get(key) === revision) return outcome;
    const { probeUrl, timeoutMs, reportAfterMs } = this.options;
    const answer = await probeIngress(probeUrl, target.path, target.host, timeoutMs);
    if (answer.revision === revision) {
      this.confirmed.set(key, revision);
      this.forgetWaiting(key);
      return outcome;
    }
    const waiting = this.waitingFor(key, revision);
    waiting.attempts += 1;
    this.retry(key, waiting);
    const where = `${target.host}${target.path}`;
    const seen = describeAnswer(answer);
    if (Date.now() - waiting.since < reportAfterMs)
      return {
        phase: 'progressing',
        reason: PROGRESS_REASON.ingressNotConfigured,
        message: `Revision ${revision}: its pods serve; waiting for the ingress (${probeUrl}) to route ${where} to it (last probe: ${seen})`,
      };
    return {
      phase: 'progressing',
      reason: PROGRESS_REASON.ingressProbeFailing,
      message: `Revision ${revision}: its pods serve, but the ingress (${probeUrl}) has not routed ${where} to it for over ${Math.round(reportAfterMs / 1000)} s (last probe: ${seen}); probing every ${MAX_RETRY_MS / 1000} s`,
    };
  }

  /** The Function is gone. */
  forget(key: string): void {
    this.confirmed.delete(key);
    this.forgetWaiting(key);
  }

  stop(): void {
    for (const key of [...this.waiting.keys()]) this.forgetWaiting(key);
  }

  private waitingFor(key: string, revision: string): Waiting {
    const current = this.waiting.get(key);
    if (current?.revision === revision) return current;
    this.forgetWaiting(key);
    const fresh: Waiting = { revision, since: Date.now(), attempts: 0, timer: undefined };
    this.waiting.set(key, fresh);
    return fresh;
  }

  /** One timer per Function at a time: reconciles that come meanwhile (a pod event) probe too. */
  private retry(key: string, waiting: Waiting): void {
    if (waiting.timer) return;
    const delay = Math.min(FIRST_RETRY_MS * 2 ** (waiting.attempts - 1), MAX_RETRY_MS);
    waiting.timer = setTimeout(() => {
      waiting.timer = undefined;
      this.options.enqueue(key);
    }, delay);
    waiting.timer.unref();
  }

  private forgetWaiting(key: string): void {
    clearTimeout(this.waiting.get(key)?.timer);
    this.waiting.delete(key);
  }
}
