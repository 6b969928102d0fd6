/**
 * The operator's image (Dockerfile, target `operator`) as the Helm chart runs it: a
 * non-root container on a read-only root filesystem, given a kubeconfig, deploys a
 * Function on the real API server. Needs a Docker engine (test/image/docker.ts).
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { lockedDownRun } from '../image/docker.ts';
import { containerUids, imageUnderTest } from '../image/image-fixture.ts';
import { waitFor } from '../support/wait.ts';
import { butterbaseNamespace } from './butterbase-crds.ts';
import { applyExamples, kubectl } from './kubectl.ts';
import { testOperatorEnv } from './operator-fixture.ts';
import { freeLoopbackPorts } from './ports.ts';

const image = imageUnderTest('operator');
const namespace = butterbaseNamespace('operator-image');

describe("the operator's image", () => {
  it('deploys a Function from a read-only, non-root container', async () => {
    // Readable by the image's user; the harness's kubeconfig embeds its certificates.
    const kubeconfig = path.join(image.work, 'kubeconfig');
    await copyFile(inject('kubeconfig'), kubeconfig);
    await chmod(kubeconfig, 0o644);
    await chmod(image.work, 0o755);
    const [port, apiPort] = await freeLoopbackPorts(2);
    const container = spawn(
      'docker',
      lockedDownRun({
        name: image.name,
        image: image.tag,
        mounts: { [kubeconfig]: '/etc/bbfn/kubeconfig' },
        env: testOperatorEnv({ kubeconfig: '/etc/bbfn/kubeconfig', port: port!, apiPort: apiPort! }),
      }),
      { stdio: ['ignore', 'inherit', 'inherit'] },
    );
    const exited = new Promise<number | null>((resolve) => container.once('exit', resolve));
    try {
      await waitFor(
        'the operator container to be ready',
        60_000,
        async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).ok,
      );
      await applyExamples(namespace, 'app.yaml', 'hello/function.yaml');
      // Applied and rolling out: without a kubelet its pod never becomes available
      // (function-controller.test.ts drives that part through the pods' status).
      await waitFor('hello to be rolling out', 30_000, async () => {
        const got = await kubectl(['get', 'fn', 'hello', '-n', namespace, '-o', 'jsonpath={.status.status}']);
        return got.out === 'pending';
      });
      expect((await containerUids(image.name)).every((uid) => uid === '10001')).toBe(true);
      container.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      container.kill('SIGKILL');
    }
  });
});
