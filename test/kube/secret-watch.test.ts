/**
 * The operator process's one Secret watch (operator/src/kube/secret-watch.ts) against the
 * real API server: every listener gets each change; one that leaves stops getting them
 * while the others go on; the last one's leaving ends the watch, and a new listener starts it again.
 */
import * as k8s from '@kubernetes/client-node';
import pino from 'pino';
import { describe, expect, inject, it } from 'vitest';
import { type SecretEvent, SecretWatch } from '../../operator/src/kube/secret-watch.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';

const namespace = butterbaseNamespace('secret-watch');

/** What a listener saw of the Secrets of this suite's namespace. */
function recorder() {
  const seen: string[] = [];
  const listener = (type: SecretEvent, secret: k8s.V1Secret) => {
    if (secret.metadata?.namespace === namespace) seen.push(`${type} ${secret.metadata.name}`);
  };
  return { seen, listener };
}

describe('the shared Secret watch', () => {
  it('tells every listener, stops telling one that left, and starts again after the last one left', async () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(inject('kubeconfig'));
    const core = kc.makeApiClient(k8s.CoreV1Api);
    const create = (name: string) =>
      core.createNamespacedSecret({ namespace, body: { metadata: { name }, stringData: { k: 'v' } } });
    const watch = new SecretWatch(kc, pino({ level: 'silent' }));
    const a = recorder();
    const b = recorder();
    const leaveA = watch.subscribe(a.listener);
    const leaveB = watch.subscribe(b.listener);
    // The watch is open once a Secret made now reaches a listener.
    await create('one');
    await waitFor('both listeners to see one', 10_000, async () => a.seen.length > 0 && b.seen.length > 0);
    expect(a.seen).toEqual(['ADDED one']);
    expect(b.seen).toEqual(['ADDED one']);

    leaveA();
    await create('two');
    await waitFor('b to see two', 10_000, async () => b.seen.includes('ADDED two'));
    expect(a.seen).toEqual(['ADDED one']);

    leaveB();
    await create('three');
    // Nobody listens: the watch is closed. A new listener opens a new one, which first
    // reports what exists (ADDED), so it also sees what changed meanwhile.
    const c = recorder();
    const leaveC = watch.subscribe(c.listener);
    await waitFor('c to see three', 10_000, async () => c.seen.includes('ADDED three'));
    expect(c.seen.sort()).toEqual(['ADDED one', 'ADDED three', 'ADDED two']);
    expect(b.seen).toEqual(['ADDED one', 'ADDED two']);
    leaveC();
  }, 60_000);
});
