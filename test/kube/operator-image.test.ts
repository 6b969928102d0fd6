/**
 * The operator's image (Dockerfile, target `operator`) as the Helm chart runs it: a
 * non-root container on a read-only root filesystem, given a kubeconfig, deploys a
 * Function on the real API server. Needs a Docker engine (test/image/docker.ts).
 */
import { spawn } from 'node:child_process';
import { chmod, copyFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  buildImage,
  buildImageContext,
  type DockerEngine,
  docker,
  ensureDockerEngine,
  lockedDownRun,
} from '../image/docker.ts';
import { waitFor } from '../support/wait.ts';
import { installButterbaseCrds } from './butterbase-crds.ts';
import { kubectl } from './kubectl.ts';
import { testOperatorEnv } from './operator-fixture.ts';
import { freeLoopbackPorts } from './ports.ts';

const EXAMPLES = path.join(import.meta.dirname, '../../examples');
const namespace = `operator-image-${Date.now().toString(36)}`;
const name = `bbfn-operator-test-${process.pid}`;
const tag = `butterbase-functions/operator:test-${process.pid}`;
let engine: DockerEngine | undefined;
let removeCrds: (() => Promise<void>) | undefined;
let work: string;

beforeAll(async () => {
  engine = await ensureDockerEngine();
  work = await mkdtemp(path.join(tmpdir(), 'bbfn-operator-image-'));
  await buildImageContext(path.join(work, 'context'));
  await buildImage(path.join(work, 'context'), 'operator', tag);
  removeCrds = await installButterbaseCrds();
  expect((await kubectl(['create', 'namespace', namespace])).ok).toBe(true);
}, 900_000);

afterAll(async () => {
  await docker(['rm', '-f', name]).catch(() => {});
  await docker(['rmi', '-f', tag]).catch(() => {});
  await kubectl(['delete', 'namespace', namespace, '--wait=false']);
  await removeCrds?.();
  if (work) await rm(work, { recursive: true, force: true });
  await engine?.stop();
}, 120_000);

describe("the operator's image", () => {
  it('deploys a Function from a read-only, non-root container', async () => {
    // Readable by the image's user; the harness's kubeconfig embeds its certificates.
    const kubeconfig = path.join(work, 'kubeconfig');
    await copyFile(inject('kubeconfig'), kubeconfig);
    await chmod(kubeconfig, 0o644);
    await chmod(work, 0o755);
    const [port, apiPort] = await freeLoopbackPorts(2);
    const container = spawn(
      'docker',
      lockedDownRun({
        name,
        image: tag,
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
      for (const file of ['app.yaml', 'hello/function.yaml']) {
        const applied = await kubectl(['apply', '-n', namespace, '-f', path.join(EXAMPLES, file)]);
        expect(applied.ok, applied.out).toBe(true);
      }
      // Applied and rolling out: without a kubelet its pod never becomes available
      // (function-controller.test.ts drives that part through the pods' status).
      await waitFor('hello to be rolling out', 30_000, async () => {
        const got = await kubectl(['get', 'fn', 'hello', '-n', namespace, '-o', 'jsonpath={.status.status}']);
        return got.out === 'pending';
      });
      const pid = await docker(['inspect', '--format', '{{.State.Pid}}', name]);
      const uids = /^Uid:\s+(.*)$/m.exec(await readFile(`/proc/${pid}/status`, 'utf8'))![1]!.split(/\s+/);
      expect(uids.every((uid) => uid === '10001')).toBe(true);
      container.kill('SIGTERM');
      expect(await exited).toBe(0);
    } finally {
      container.kill('SIGKILL');
    }
  });
});
