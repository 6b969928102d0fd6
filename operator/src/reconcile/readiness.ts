import type { V1ContainerStatus, V1CronJob, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import { createdAt, isServing, revisionOf } from '../kube/pod-facts.ts';
import { servesRevision } from '../pool/specialized-pod.ts';
import { REVISION_KEY } from '../resources/names.ts';
import { PROGRESS_REASON, RUNTIME_REASON } from './condition-reasons.ts';

/**
 * Where a Function's current revision stands, read from what runs it: ready (it
 * serves, or is scheduled), progressing (a rollout is under way) or failed (it cannot
 * go on by itself; the reason and message say why, from the pods when they know).
 */
export interface Outcome {
  phase: 'ready' | 'progressing' | 'failed';
  reason: string;
  message: string;
}

/** Long enough for a stack trace's first lines; a condition is not a log. */
const MAX_MESSAGE = 1000;

const IMAGE_PULL = new Set(['ErrImagePull', 'ImagePullBackOff', 'InvalidImageName', 'ErrImageNeverPull']);
const CONTAINER_START = new Set(['CreateContainerConfigError', 'CreateContainerError', 'RunContainerError']);
/**
 * Why a kubelet refused a pod before running it (phase Failed, no container started): a
 * pod setting an unsafe sysctl its kubelet does not allow (the chart's runtime.tcpMigrateReq).
 * Its ReplicaSet makes another, refused the same way, so the rollout never goes on.
 */
const NODE_REFUSED = new Set(['SysctlForbidden']);

/**
 * An http or websocket Function's Deployment, judged as `kubectl rollout status` judges
 * one: its controller has seen the current template, every replica runs it, no older
 * one is left, and every one is available. Until then, its pods say whether it is only
 * slow (progressing) or stuck (crash loop, image pull): those are failures with their
 * own reason, and a warm pool pod specialized for the revision (pool/specializer.ts)
 * that is Ready serves it already when no older revision's pod does: ready, though the
 * Deployment still rolls out.
 * `pods` are the Function's pods, of any revision.
 */
export function deploymentOutcome(deployment: V1Deployment, pods: readonly V1Pod[]): Outcome {
  const revision = deployment.spec?.template.metadata?.annotations?.[REVISION_KEY] ?? 'unknown';
  const status = deployment.status ?? {};
  const generation = deployment.metadata?.generation ?? 0;
  const progressing = (message: string): Outcome =>
    podFailure(pods, revision) ??
    deadlineExceeded(deployment) ??
    servedByPoolPod(pods, revision) ?? { phase: 'progressing', reason: PROGRESS_REASON.rollingOut, message };
  if (status.observedGeneration === undefined || status.observedGeneration < generation)
    return progressing(`Revision ${revision}: waiting for the Deployment controller to see it`);
  const wanted = deployment.spec?.replicas ?? 1;
  const updated = status.updatedReplicas ?? 0;
  const replicas = status.replicas ?? 0;
  const available = status.availableReplicas ?? 0;
  if (updated < wanted) return progressing(`Revision ${revision}: ${updated} of ${wanted} pods created`);
  if (replicas > updated)
    return progressing(`Revision ${revision}: ${replicas - updated} pods of an older revision still running`);
  if (available < updated)
    return progressing(`Revision ${revision}: ${available} of ${updated} pods available`);
  return {
    phase: 'ready',
    reason: PROGRESS_REASON.available,
    message: `Revision ${revision}: all ${wanted} pods available`,
  };
}

/**
 * The revision served by a Ready pool pod made the Function's, while its Deployment's own
 * pods start, and no pod of an older revision still serves: until the old ones go, the
 * Service spreads requests over both, and `deployed` must mean that a request after it
 * (the management API's invoke, a client through the ingress) runs the new code.
 */
function servedByPoolPod(pods: readonly V1Pod[], revision: string): Outcome | undefined {
  const pod = pods.find((p) => servesRevision(p, revision));
  if (!pod || pods.some((p) => servesOlderRevision(p, revision))) return undefined;
  return {
    phase: 'ready',
    reason: PROGRESS_REASON.servedByPoolPod,
    message: `Revision ${revision}: served by pool pod ${pod.metadata?.name} while its Deployment's pods start`,
  };
}

/** A pod of another revision that is Ready and not going: still in the Function's Service. */
function servesOlderRevision(pod: V1Pod, revision: string): boolean {
  return revisionOf(pod) !== revision && isServing(pod);
}

/**
 * A cron Function's CronJob (it exists: the caller read it) and its Jobs: ready unless
 * the newest Job of the current revision failed, or a running one's pod cannot start.
 * `jobs` and `pods` are the Function's, of any revision.
 */
export function cronJobOutcome(cronJob: V1CronJob, jobs: readonly V1Job[], pods: readonly V1Pod[]): Outcome {
  const revision =
    cronJob.spec?.jobTemplate.spec?.template.metadata?.annotations?.[REVISION_KEY] ?? 'unknown';
  const current = jobs
    .filter((job) => job.spec?.template.metadata?.annotations?.[REVISION_KEY] === revision)
    .sort((a, b) => createdAt(b) - createdAt(a));
  const newest = current[0];
  const failed = newest?.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
  if (newest && failed) {
    const name = newest.metadata?.name ?? '';
    const exit = pods
      .filter((pod) => jobNameOf(pod) === name)
      .flatMap((pod) => pod.status?.containerStatuses ?? [])
      .map((container) => container.state?.terminated)
      .find((terminated) => terminated !== undefined);
    const detail = exit ? `; ${describeExit(exit)}` : '';
    return failure(
      RUNTIME_REASON.jobFailed,
      `Job ${name} failed: ${failed.reason ?? 'Failed'}: ${failed.message ?? ''}`.trimEnd() + detail,
    );
  }
  const running = new Set(current.filter((job) => !isFinished(job)).map((job) => job.metadata?.name));
  const stuck = podFailure(
    pods.filter((pod) => running.has(jobNameOf(pod))),
    revision,
  );
  if (stuck) return stuck;
  const zone = cronJob.spec?.timeZone ? ` (${cronJob.spec.timeZone})` : '';
  return {
    phase: 'ready',
    reason: PROGRESS_REASON.scheduled,
    message: `Revision ${revision} runs on schedule "${cronJob.spec?.schedule}"${zone}`,
  };
}

/**
 * The first pod of `revision` whose container cannot run, as a failure with the
 * kubelet's reason: a crash loop (with the last exit code and termination message),
 * an image that cannot be pulled, a container that cannot be created, a pod the node refused.
 */
export function podFailure(pods: readonly V1Pod[], revision: string): Outcome | undefined {
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp || revisionOf(pod) !== revision) continue;
    const refused = pod.status?.phase === 'Failed' ? pod.status.reason : undefined;
    if (refused && NODE_REFUSED.has(refused))
      return failure(
        RUNTIME_REASON.podRejected,
        `Pod ${pod.metadata?.name ?? ''} was refused by its node: ${refused}${suffix(pod.status?.message)}`,
      );
    const containers = [
      ...(pod.status?.initContainerStatuses ?? []),
      ...(pod.status?.containerStatuses ?? []),
    ];
    for (const container of containers) {
      const found = containerFailure(pod.metadata?.name ?? '', container);
      if (found) return found;
    }
  }
  return undefined;
}

function containerFailure(pod: string, container: V1ContainerStatus): Outcome | undefined {
  const waiting = container.state?.waiting;
  if (!waiting?.reason) return undefined;
  const where = `Pod ${pod} container ${container.name}`;
  if (waiting.reason === 'CrashLoopBackOff') {
    const last = container.lastState?.terminated;
    const exit = last ? `; ${describeExit(last)}` : '';
    // No restart count in the message: it changes with every restart, and each new
    // message is a status write and a Warning Event (kubectl shows the count on the pod).
    return failure(RUNTIME_REASON.crashLoopBackOff, `${where} is crash-looping${exit}`);
  }
  if (IMAGE_PULL.has(waiting.reason))
    return failure(
      RUNTIME_REASON.imagePullFailed,
      `${where} cannot pull image ${container.image}: ${waiting.reason}${suffix(waiting.message)}`,
    );
  if (CONTAINER_START.has(waiting.reason))
    return failure(
      RUNTIME_REASON.containerFailed,
      `${where} cannot start: ${waiting.reason}${suffix(waiting.message)}`,
    );
  return undefined;
}

function deadlineExceeded(deployment: V1Deployment): Outcome | undefined {
  const progressing = deployment.status?.conditions?.find((c) => c.type === 'Progressing');
  if (progressing?.reason !== 'ProgressDeadlineExceeded') return undefined;
  return failure(
    RUNTIME_REASON.progressDeadlineExceeded,
    progressing.message ?? 'The rollout made no progress',
  );
}

function describeExit(terminated: { exitCode: number; reason?: string; message?: string }): string {
  const reason = terminated.reason ? ` (${terminated.reason})` : '';
  return `last exit code ${terminated.exitCode}${reason}${suffix(terminated.message?.trim())}`;
}

function failure(reason: string, message: string): Outcome {
  const text = message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 1)}…` : message;
  return { phase: 'failed', reason, message: text };
}

function suffix(message: string | undefined): string {
  return message ? `: ${message}` : '';
}

function isFinished(job: V1Job): boolean {
  return (job.status?.conditions ?? []).some(
    (c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True',
  );
}

function jobNameOf(pod: V1Pod): string | undefined {
  const labels = pod.metadata?.labels ?? {};
  return labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
}
