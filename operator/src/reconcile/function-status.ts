import type { Condition, FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import { CONDITION, EVENT_REASON, PROGRESS_REASON, WARNING_PROGRESS_REASONS } from './condition-reasons.ts';
import { removeCondition, setCondition } from './conditions.ts';
import type { Outcome } from './readiness.ts';

/**
 * A Function's status for an outcome, with conditions as kstatus reads them, so Flux
 * and Argo CD need no custom health check:
 * - ready: `deployed`, Ready=True;
 * - progressing: `pending`, Ready=False and Reconciling=True, with the same reason;
 * - failed: `failed`, Ready=False and Stalled=True, with the failure's reason and message.
 * Reconciling and Stalled are removed when they do not hold (kstatus's "abnormal-true"
 * types); every condition carries the generation it describes.
 */
export function functionStatus(
  base: FunctionStatus,
  previous: readonly Condition[] | undefined,
  outcome: Outcome,
  generation: number | undefined,
  now: Date,
): FunctionStatus {
  const { reason, message } = outcome;
  const condition = (type: string, status: Condition['status']) =>
    ({ type, status, reason, message, observedGeneration: generation }) as const;
  let conditions = setCondition(
    previous,
    condition(CONDITION.ready, outcome.phase === 'ready' ? 'True' : 'False'),
    now,
  );
  conditions =
    outcome.phase === 'progressing'
      ? setCondition(conditions, condition(CONDITION.reconciling, 'True'), now)
      : removeCondition(conditions, CONDITION.reconciling);
  conditions =
    outcome.phase === 'failed'
      ? setCondition(conditions, condition(CONDITION.stalled, 'True'), now)
      : removeCondition(conditions, CONDITION.stalled);
  const status = { ready: 'deployed', progressing: 'pending', failed: 'failed' } as const;
  return { ...base, status: status[outcome.phase], observedGeneration: generation, conditions };
}

export interface FunctionEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
}

/**
 * The Event a status change is worth, if any, judged from the Ready condition before
 * and after, so a reconcile that finds nothing new records nothing: a rollout that
 * starts (not each pod count on its way), a rollout done, and each failure that is news:
 * a new reason, or the same reason for a new generation. A message alone is no news: a
 * crash-looping pod's carries its last log line, which changes with every restart, and
 * one Warning per restart would bury the first (the condition keeps the latest message).
 */
export function transitionEvent(
  before: readonly Condition[] | undefined,
  after: readonly Condition[] | undefined,
): FunctionEvent | undefined {
  const was = stateOf(before);
  const now = stateOf(after);
  if (!now.ready) return undefined;
  const { reason, message } = now.ready;
  if (now.stalled) {
    const same =
      was.stalled &&
      was.ready?.reason === reason &&
      was.ready.observedGeneration === now.ready.observedGeneration;
    return same ? undefined : { type: 'Warning', reason, message };
  }
  if (now.reconciling) {
    // A rollout stuck on its way (the ingress never routes it) is said once, as a Warning.
    if (WARNING_PROGRESS_REASONS.has(reason))
      return was.reconciling && was.ready?.reason === reason
        ? undefined
        : { type: 'Warning', reason, message };
    // Still on its way (pods counted, the ingress waited for): its start was the news.
    return was.reconciling ? undefined : { type: 'Normal', reason: EVENT_REASON.rollingOut, message };
  }
  if (now.ready.status !== 'True') return undefined;
  if (was.ready?.status === 'True' && was.ready.reason === reason) return undefined;
  const rolled = reason === PROGRESS_REASON.scheduled ? EVENT_REASON.scheduled : EVENT_REASON.rolledOut;
  return { type: 'Normal', reason: rolled, message };
}

function stateOf(conditions: readonly Condition[] | undefined) {
  const find = (type: string) => conditions?.find((c) => c.type === type);
  return {
    ready: find(CONDITION.ready),
    reconciling: find(CONDITION.reconciling)?.status === 'True',
    stalled: find(CONDITION.stalled)?.status === 'True',
  };
}
