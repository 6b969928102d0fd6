import { describe, expect, it } from 'vitest';
import type { Condition } from '../../../api/v1alpha1/status.types.ts';
import { type FunctionEvent, functionStatus, transitionEvent } from './function-status.ts';
import type { Outcome } from './readiness.ts';

const t0 = new Date('2026-12-05T08:00:00Z');
const t1 = new Date('2026-12-05T08:01:00Z');
const base = { functionId: 'fn_x', url: 'https://fn.example.com/v1/demo/fn/hello' };
const ready: Outcome = { phase: 'ready', reason: 'Available', message: 'Revision r2: all 1 pods available' };
const rolling: Outcome = {
  phase: 'progressing',
  reason: 'RollingOut',
  message: 'Revision r2: 0 of 1 pods available',
};
const crashing: Outcome = { phase: 'failed', reason: 'CrashLoopBackOff', message: 'Pod p is crash-looping' };

const conditionsAfter = (...outcomes: Outcome[]): Condition[] | undefined =>
  outcomes.reduce<Condition[] | undefined>(
    (conditions, outcome, i) => functionStatus(base, conditions, outcome, 2, i === 0 ? t0 : t1).conditions,
    undefined,
  );

describe('functionStatus', () => {
  const cases: [string, Outcome, object, string[]][] = [
    ['ready', ready, { status: 'deployed' }, ['Ready=True']],
    ['progressing', rolling, { status: 'pending' }, ['Ready=False', 'Reconciling=True']],
    ['failed', crashing, { status: 'failed' }, ['Ready=False', 'Stalled=True']],
  ];
  it.each(cases)('%s', (_, outcome, fields, conditions) => {
    const status = functionStatus(base, undefined, outcome, 2, t0);
    expect(status).toMatchObject({ ...base, ...fields, observedGeneration: 2 });
    expect(status.conditions!.map((c) => `${c.type}=${c.status}`).sort()).toEqual(conditions.sort());
    for (const condition of status.conditions!)
      expect(condition).toMatchObject({
        reason: outcome.reason,
        message: outcome.message,
        observedGeneration: 2,
      });
  });

  it('removes Reconciling and Stalled once they no longer hold', () => {
    expect(conditionsAfter(rolling, ready)!.map((c) => c.type)).toEqual(['Ready']);
    expect(conditionsAfter(crashing, ready)!.map((c) => c.type)).toEqual(['Ready']);
    expect(
      conditionsAfter(crashing, rolling)!
        .map((c) => c.type)
        .sort(),
    ).toEqual(['Ready', 'Reconciling']);
  });

  it('moves lastTransitionTime only when a status flips', () => {
    const [readyCondition] = conditionsAfter(rolling, crashing)!.filter((c) => c.type === 'Ready');
    expect(readyCondition).toMatchObject({
      status: 'False',
      reason: 'CrashLoopBackOff',
      lastTransitionTime: t0.toISOString(),
    });
    const [flipped] = conditionsAfter(rolling, ready)!;
    expect(flipped!.lastTransitionTime).toBe(t1.toISOString());
  });

  it('writes the same status twice for the same outcome', () => {
    const once = functionStatus(base, undefined, rolling, 2, t0);
    expect(functionStatus(base, once.conditions, rolling, 2, t1)).toEqual(once);
  });
});

describe('transitionEvent', () => {
  const progressingAgain: Outcome = { ...rolling, message: 'Revision r2: 1 of 2 pods available' };
  const otherCrash: Outcome = { ...crashing, message: 'Pod q is crash-looping' };
  const stuckProbe: Outcome = { phase: 'progressing', reason: 'IngressProbeFailing', message: 'not routed' };
  const cases: [string, Outcome[], Outcome, FunctionEvent | undefined, number?][] = [
    ['a rollout starts', [], rolling, { type: 'Normal', reason: 'RollingOut', message: rolling.message }],
    [
      'a rollout starts after the last one',
      [ready],
      rolling,
      { type: 'Normal', reason: 'RollingOut', message: rolling.message },
    ],
    ['a rollout counts its pods: no new Event', [rolling], progressingAgain, undefined],
    ['a rollout is done', [rolling], ready, { type: 'Normal', reason: 'RolledOut', message: ready.message }],
    [
      'a cron Function is scheduled',
      [],
      { phase: 'ready', reason: 'Scheduled', message: 'runs' },
      { type: 'Normal', reason: 'Scheduled', message: 'runs' },
    ],
    ['still ready', [ready], { ...ready, message: 'Revision r2: all 2 pods available' }, undefined],
    [
      'a failure',
      [rolling],
      crashing,
      { type: 'Warning', reason: 'CrashLoopBackOff', message: crashing.message },
    ],
    ['the same failure again: no new Event', [crashing], crashing, undefined],
    ['the same reason, a new message (a restart): no new Event', [crashing], otherCrash, undefined],
    [
      'the same reason for a new generation',
      [crashing],
      otherCrash,
      { type: 'Warning', reason: 'CrashLoopBackOff', message: otherCrash.message },
      3,
    ],
    ['recovered', [crashing], ready, { type: 'Normal', reason: 'RolledOut', message: ready.message }],
    [
      'the ingress has not routed the revision for long: a Warning, once',
      [rolling, { phase: 'progressing', reason: 'IngressNotConfigured', message: 'waiting' }],
      stuckProbe,
      { type: 'Warning', reason: 'IngressProbeFailing', message: stuckProbe.message },
    ],
    ['still not routed: no new Event', [stuckProbe], { ...stuckProbe, message: 'later' }, undefined],
    [
      'the pods are up, the ingress is waited for: no new Event',
      [rolling],
      { phase: 'progressing', reason: 'IngressNotConfigured', message: 'waiting' },
      undefined,
    ],
  ];
  it.each(cases)('%s', (_, history, next, expected, generation = 2) => {
    const before = history.length > 0 ? conditionsAfter(...history) : undefined;
    const after = functionStatus(base, before, next, generation, t1).conditions;
    expect(transitionEvent(before, after)).toEqual(expected);
  });
});
