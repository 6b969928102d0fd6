import type { KubernetesObject } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { AppliedObjects } from './applied-objects.ts';

const desired = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'fn-hello' },
  spec: { replicas: 1 },
};
const stored = (generation: number, resourceVersion: string, uid = 'u1'): KubernetesObject => ({
  metadata: { name: 'fn-hello', uid, generation, resourceVersion },
});

describe('AppliedObjects', () => {
  const cases: [string, KubernetesObject | undefined, boolean][] = [
    ['the child as applied', stored(2, '10'), true],
    ['its status moved (a new resourceVersion, the same generation)', stored(2, '11'), true],
    ['someone edited its spec (a new generation)', stored(3, '12'), false],
    ['deleted (not in the cache)', undefined, false],
    ['deleted and made again by someone else (a new uid)', stored(2, '10', 'u2'), false],
  ];
  it.each(cases)('%s', (_, live, current) => {
    const applied = new AppliedObjects();
    applied.remember('ns/hello', desired, stored(2, '10'));
    expect(applied.isCurrent('ns/hello', desired, live)).toBe(current);
  });

  it('applies again a changed desired object, a forgotten Function, and everything after clear()', () => {
    const applied = new AppliedObjects();
    applied.remember('ns/hello', desired, stored(2, '10'));
    const scaled: KubernetesObject = { ...desired, spec: { replicas: 2 } } as KubernetesObject;
    expect(applied.isCurrent('ns/hello', scaled, stored(2, '10'))).toBe(false);
    applied.forget('ns/hello');
    expect(applied.isCurrent('ns/hello', desired, stored(2, '10'))).toBe(false);
    applied.remember('ns/hello', desired, stored(2, '10'));
    applied.clear();
    expect(applied.isCurrent('ns/hello', desired, stored(2, '10'))).toBe(false);
  });

  it('compares a Service by resourceVersion (it has no generation)', () => {
    const applied = new AppliedObjects();
    const service = { kind: 'Service', metadata: { name: 'fn-hello' } };
    applied.remember('ns/hello', service, { metadata: { uid: 'u', resourceVersion: '5' } });
    expect(applied.isCurrent('ns/hello', service, { metadata: { uid: 'u', resourceVersion: '5' } })).toBe(
      true,
    );
    expect(applied.isCurrent('ns/hello', service, { metadata: { uid: 'u', resourceVersion: '6' } })).toBe(
      false,
    );
  });
});
