import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import type { Cluster } from '../kube/cluster.ts';
import { describeError } from '../kube/informers.ts';
import { functionStatus, transitionEvent } from '../reconcile/function-status.ts';
import type { Outcome } from '../reconcile/readiness.ts';

type Stored = KubernetesObject & { status?: FunctionStatus };

/**
 * Writes a Function's status when it changed, and records the Event its transition is
 * worth. It compares with the status it last wrote itself before the cached one: a
 * reconcile can run before the watch brings back the previous write, and judged from
 * the cache it would write the same status, and record the same Event, again. The
 * operator is the status's only writer; forget() and clear() (a resync) fall back on
 * the cluster's copy.
 */
export class StatusReporter {
  private readonly written = new Map<string, FunctionStatus>();
  private readonly cluster: Cluster;
  private readonly log: Logger;

  constructor(cluster: Cluster, log: Logger) {
    this.cluster = cluster;
    this.log = log;
  }

  async report(stored: Stored, base: FunctionStatus, outcome: Outcome): Promise<void> {
    const { name, namespace, uid } = stored.metadata as { name: string; namespace: string; uid?: string };
    const key = `${namespace}/${name}`;
    const previous = this.written.get(key) ?? stored.status;
    const generation = stored.metadata?.generation;
    const status = functionStatus(base, previous?.conditions, outcome, generation, new Date());
    if (isDeepStrictEqual(previous, status)) return;
    await this.cluster.setFunctionStatus(namespace, name, status);
    this.written.set(key, status);
    const event = transitionEvent(previous?.conditions, status.conditions);
    if (!event) return;
    const fields = { function: key, reason: event.reason };
    if (event.type === 'Warning') this.log.warn(fields, event.message);
    else this.log.info(fields, event.message);
    // Best effort, as client-go's recorder: an Event lost is not worth a retry of the Function.
    void this.cluster
      .event({ namespace, name, uid }, event.type, event.reason, event.message)
      .catch((error) => {
        this.log.warn({ ...fields, error: describeError(error) }, 'could not record an Event');
      });
  }

  forget(key: string): void {
    this.written.delete(key);
  }

  clear(): void {
    this.written.clear();
  }
}
