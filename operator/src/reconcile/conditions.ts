import type { Condition } from '../../../api/v1alpha1/status.types.ts';

/**
 * The conditions with `next` set in place of its type's old one. Its transition time
 * moves only when its status changes, as Kubernetes conventions have it; an unchanged
 * condition stays exactly as it was, so a repeated reconcile writes nothing.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  next: Omit<Condition, 'lastTransitionTime'>,
  now: Date,
): Condition[] {
  const previous = conditions?.find((condition) => condition.type === next.type);
  const lastTransitionTime =
    previous && previous.status === next.status ? previous.lastTransitionTime : now.toISOString();
  const others = (conditions ?? []).filter((condition) => condition.type !== next.type);
  return [...others, { ...next, lastTransitionTime }];
}

/** The conditions without `type`: for kstatus's abnormal-true types, which are absent when not true. */
export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((condition) => condition.type !== type);
}
