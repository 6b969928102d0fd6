import type { V1ContainerStatus, V1CronJob, V1Deployment, V1Job, V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { SPECIALIZED_RESTARTS } from '../pool/specialized-pod.ts';
import { POOL_LABEL, REVISION_KEY } from '../resources/names.ts';
import { cronJobOutcome, deploymentOutcome, type Outcome } from './readiness.ts';

const annotations = (revision: string) => ({ annotations: { [REVISION_KEY]: revision } });

function deployment(generation: number, status: V1Deployment['status'], replicas = 1): V1Deployment {
  return {
    metadata: { name: 'fn-hello', generation },
    spec: { replicas, selector: {}, template: { metadata: annotations('r2') } },
    status,
  };
}

function pod(revision: string, container: Partial<V1ContainerStatus>, name = 'fn-hello-abc'): V1Pod {
  return {
    metadata: { name, ...annotations(revision) },
    status: {
      containerStatuses: [
        { name: 'runtime', image: 'rt:1', imageID: '', ready: false, restartCount: 4, ...container },
      ],
    },
  };
}

const crashLooping = pod('r2', {
  state: { waiting: { reason: 'CrashLoopBackOff', message: 'back-off 40s restarting failed container' } },
  lastState: { terminated: { exitCode: 1, reason: 'Error', message: 'Error: DATABASE_URL is not set\n' } },
});
const pullFailing = pod('r2', {
  state: { waiting: { reason: 'ImagePullBackOff', message: 'Back-off pulling image "rt:1"' } },
});
const starting = pod('r2', { state: { waiting: { reason: 'ContainerCreating' } } });
const servingOld: V1Pod = {
  ...pod('r1', { ready: true, state: { running: {} } }, 'fn-hello-old'),
  status: {
    conditions: [{ type: 'Ready', status: 'True' }],
    containerStatuses: [{ name: 'runtime', image: 'rt:1', imageID: '', ready: true, restartCount: 0 }],
  },
};
/** A warm pool pod specialized for `revision` (pool/specializer.ts), Ready or not. */
function specialized(revision: string, ready: boolean, deleting = false): V1Pod {
  return {
    metadata: {
      name: 'bbfn-pool-xyz',
      labels: { [POOL_LABEL]: 'specialized' },
      annotations: { [REVISION_KEY]: revision, [SPECIALIZED_RESTARTS]: '0' },
      ...(deleting ? { deletionTimestamp: new Date() } : {}),
    },
    status: {
      conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
      containerStatuses: [{ name: 'runtime', image: 'rt:1', imageID: '', ready, restartCount: 0 }],
    },
  };
}
/** The same pod after its container restarted: a warm pool process again, serving nothing. */
function restarted(revision: string): V1Pod {
  const pod = specialized(revision, true);
  pod.status!.containerStatuses![0]!.restartCount = 1;
  return pod;
}

describe('deploymentOutcome', () => {
  const cases: [string, V1Deployment, V1Pod[], Partial<Outcome>][] = [
    [
      'a template the Deployment controller has not seen yet',
      deployment(3, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
      [],
      {
        phase: 'progressing',
        reason: 'RollingOut',
        message: 'Revision r2: waiting for the Deployment controller to see it',
      },
    ],
    [
      'no status at all (just created)',
      deployment(1, undefined),
      [],
      { phase: 'progressing', reason: 'RollingOut' },
    ],
    [
      'pods of the new revision not all created',
      deployment(2, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }, 2),
      [starting],
      { phase: 'progressing', message: 'Revision r2: 1 of 2 pods created' },
    ],
    [
      'an old pod still running beside the new one',
      deployment(2, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 2 }),
      [],
      { phase: 'progressing', message: 'Revision r2: 1 pods of an older revision still running' },
    ],
    [
      'the new pod not available yet',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      [starting],
      { phase: 'progressing', message: 'Revision r2: 0 of 1 pods available' },
    ],
    [
      'the new pod not available yet, a specialized pool pod serving the revision',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      [starting, specialized('r2', true)],
      {
        phase: 'ready',
        reason: 'ServedByPoolPod',
        message: "Revision r2: served by pool pod bbfn-pool-xyz while its Deployment's pods start",
      },
    ],
    [
      'a specialized pool pod serving the revision, a pod of the older one still serving: not yet',
      deployment(2, { observedGeneration: 2, replicas: 2, updatedReplicas: 1, availableReplicas: 1 }),
      [starting, servingOld, specialized('r2', true)],
      { phase: 'progressing', message: 'Revision r2: 1 pods of an older revision still running' },
    ],
    [
      'a specialized pool pod of an older revision, one not Ready, one going, one restarted: not counted',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      [
        starting,
        specialized('r1', true),
        specialized('r2', false),
        specialized('r2', true, true),
        restarted('r2'),
      ],
      { phase: 'progressing', reason: 'RollingOut' },
    ],
    [
      'a crash loop of the revision outweighs a specialized pod serving it',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      [crashLooping, specialized('r2', true)],
      { phase: 'failed', reason: 'CrashLoopBackOff' },
    ],
    [
      'every pod of the revision available',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
      [],
      { phase: 'ready', reason: 'Available', message: 'Revision r2: all 1 pods available' },
    ],
    [
      'scaled to zero (an HPA or a user): nothing to wait for',
      deployment(2, { observedGeneration: 2 }, 0),
      [],
      { phase: 'ready', reason: 'Available' },
    ],
    [
      'a crash-looping pod of the revision: failed, with its exit code and message',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      [crashLooping],
      {
        phase: 'failed',
        reason: 'CrashLoopBackOff',
        message:
          'Pod fn-hello-abc container runtime is crash-looping; last exit code 1 (Error): Error: DATABASE_URL is not set',
      },
    ],
    [
      'an image that cannot be pulled',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      [pullFailing],
      {
        phase: 'failed',
        reason: 'ImagePullFailed',
        message:
          'Pod fn-hello-abc container runtime cannot pull image rt:1: ImagePullBackOff: Back-off pulling image "rt:1"',
      },
    ],
    [
      'a pod its node refused: an unsafe sysctl the kubelet does not allow',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      [
        {
          metadata: { name: 'fn-hello-abc', ...annotations('r2') },
          status: {
            phase: 'Failed',
            reason: 'SysctlForbidden',
            message: 'Pod was rejected: forbidden sysctl: "net.ipv4.tcp_migrate_req" not allowlisted',
          },
        },
      ],
      {
        phase: 'failed',
        reason: 'PodRejected',
        message:
          'Pod fn-hello-abc was refused by its node: SysctlForbidden: Pod was rejected: forbidden sysctl: "net.ipv4.tcp_migrate_req" not allowlisted',
      },
    ],
    [
      'a crash-looping pod of an older revision does not fail the new one',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 0 }),
      [{ ...crashLooping, metadata: { name: 'old', ...annotations('r1') } }],
      { phase: 'progressing' },
    ],
    [
      'a crash loop once available does not unready the revision (kubectl rollout status agrees)',
      deployment(2, { observedGeneration: 2, replicas: 1, updatedReplicas: 1, availableReplicas: 1 }),
      [crashLooping],
      { phase: 'ready' },
    ],
    [
      'the progress deadline passed',
      deployment(2, {
        observedGeneration: 2,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 0,
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "fn-hello-5d" has timed out progressing.',
          },
        ],
      }),
      [starting],
      {
        phase: 'failed',
        reason: 'ProgressDeadlineExceeded',
        message: 'ReplicaSet "fn-hello-5d" has timed out progressing.',
      },
    ],
  ];
  it.each(cases)('%s', (_, given, pods, expected) => {
    expect(deploymentOutcome(given, pods)).toMatchObject(expected);
  });

  it('cuts a long termination message', () => {
    const long = pod('r2', {
      state: { waiting: { reason: 'CrashLoopBackOff' } },
      lastState: { terminated: { exitCode: 1, message: 'x'.repeat(5000) } },
    });
    const outcome = deploymentOutcome(
      deployment(1, { observedGeneration: 1, replicas: 1, updatedReplicas: 1 }),
      [long],
    );
    expect(outcome.message.length).toBeLessThanOrEqual(1000);
    expect(outcome.message.endsWith('…')).toBe(true);
  });
});

describe('cronJobOutcome', () => {
  const cronJob: V1CronJob = {
    metadata: { name: 'fn-nightly' },
    spec: {
      schedule: '0 9 * * *',
      timeZone: 'Europe/Paris',
      jobTemplate: { spec: { template: { metadata: annotations('r2') } } },
    },
  };
  const job = (name: string, revision: string, created: string, condition?: string, message = ''): V1Job => ({
    metadata: { name, creationTimestamp: new Date(created) },
    spec: { template: { metadata: annotations(revision) } },
    status: condition
      ? { conditions: [{ type: condition, status: 'True', reason: 'BackoffLimitExceeded', message }] }
      : {},
  });
  const jobPod = (jobName: string, container: Partial<V1ContainerStatus>): V1Pod => {
    const p = pod('r2', container, `${jobName}-x`);
    p.metadata!.labels = { 'batch.kubernetes.io/job-name': jobName };
    return p;
  };
  const scheduled: Partial<Outcome> = {
    phase: 'ready',
    reason: 'Scheduled',
    message: 'Revision r2 runs on schedule "0 9 * * *" (Europe/Paris)',
  };
  const cases: [string, V1Job[], V1Pod[], Partial<Outcome>][] = [
    ['no run yet', [], [], scheduled],
    ['the last run succeeded', [job('a', 'r2', '2026-12-05T09:00:00Z', 'Complete')], [], scheduled],
    [
      'the last run failed: its condition and its exit code',
      [
        job('a', 'r2', '2026-12-04T09:00:00Z', 'Complete'),
        job('b', 'r2', '2026-12-05T09:00:00Z', 'Failed', 'Job has reached the specified backoff limit'),
      ],
      [
        jobPod('b', {
          state: { terminated: { exitCode: 2, reason: 'Error', message: 'TypeError: x is undefined' } },
        }),
      ],
      {
        phase: 'failed',
        reason: 'JobFailed',
        message:
          'Job b failed: BackoffLimitExceeded: Job has reached the specified backoff limit; last exit code 2 (Error): TypeError: x is undefined',
      },
    ],
    [
      'a failed run before a successful one is history',
      [job('a', 'r2', '2026-12-04T09:00:00Z', 'Failed'), job('b', 'r2', '2026-12-05T09:00:00Z', 'Complete')],
      [],
      scheduled,
    ],
    [
      "an older revision's failed run does not count",
      [job('a', 'r1', '2026-12-05T09:00:00Z', 'Failed')],
      [],
      scheduled,
    ],
    [
      'a running Job whose image cannot be pulled',
      [job('a', 'r2', '2026-12-05T09:00:00Z')],
      [jobPod('a', { state: { waiting: { reason: 'ErrImagePull', message: 'not found' } } })],
      { phase: 'failed', reason: 'ImagePullFailed' },
    ],
  ];
  it.each(cases)('%s', (_, jobs, pods, expected) => {
    expect(cronJobOutcome(cronJob, jobs, pods)).toMatchObject(expected);
  });
});
