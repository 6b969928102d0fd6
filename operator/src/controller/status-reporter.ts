import { isDeepStrictEqual } from 'node:util';
import type { KubernetesObject } from '@kubernetes/client-node';
import type { Logger } from 'pino';
import type { FunctionStatus } from '../../../api/v1alpha1/status.types.ts';
import type { Cluster } from '../kube/cluster.ts';
import { describeError } from '../kube/informers.ts';
import { type ConflictCondition, conflictNews, withConflict } from '../reconcile/claims.ts';
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

  async report(
    stored: Stored,
    base: FunctionStatus,
    outcome: Outcome,
    /** A route conflict this Function is in (reconcile/claims.ts), or none. */
    conflict: ConflictCondition | null = null,
  ): Promise<void> {
    const { name, namespace, uid } = stored.metadata as { name: string; namespace: string; uid?: string };
    const key = `${namespace}/${name}`;
    const previous = this.written.get(key) ?? stored.status;
    const generation = stored.metadata?.generation;
    const now = new Date();
    const decided = functionStatus(base, previous?.conditions, outcome, generation, now);
    const conditions = withConflict(decided.conditions, conflict, now);
    const status = { ...decided, ...(conditions ? { conditions } : {}) };
    if (isDeepStrictEqual(previous, status)) return;
    await this.cluster.setFunctionStatus(namespace, name, status);
    this.written.set(key, status);
    const news = conflictNews(previous?.conditions, status.conditions);
    if (news) this.record({ namespace, name, uid }, 'Warning', news.reason, news.message);
    const event = transitionEvent(previous?.conditions, status.conditions);
    if (event) this.record({ namespace, name, uid }, event.type, event.reason, event.message);
  }

  /** Logs an Event and records it, best effort, as client-go's recorder: a lost one is not worth a retry. */
  private record(
    object: { namespace: string; name: string; uid?: string | undefined },
    type: 'Normal' | 'Warning',
    reason: string,
    message: string,
  ): void {
    const fields = { function: `${object.namespace}/${object.name}`, reason };
    if (type === 'Warning') this.log.warn(fields, message);
    else this.log.info(fields, message);
    void this.cluster.event(object, type, reason, message).catch((error) => {
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
