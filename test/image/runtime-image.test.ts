/**
 * The runtime image (Dockerfile, target `runtime`) runs a function as a pod does: as a
 * non-root user, on a read-only root filesystem with every capability dropped, it
 * migrates the app database, compiles and serves the handler, records the invocation,
 * and ends cleanly on SIGTERM. Built on a base made from this checkout's Node (no
 * registry is reachable on the test machines), with a real Docker engine.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BUNDLE_FILE, FUNCTION_FILE, MOUNT_DIR } from '../../operator/src/resources/revision.ts';
import { runtimeCommand, SPOOL_DIR } from '../../operator/src/resources/runtime-pod.ts';
import { compileHandler } from '../../runtime-image/src/compile/compile.ts';
import { createTestDatabase, type TestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
import { freeLoopbackPorts } from '../kube/ports.ts';
import { type PodProcess, watchPod } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';
import { docker, lockedDownRun } from './docker.ts';
import { containerUids, imageUnderTest } from './image-fixture.ts';

const HANDLER = `export async function handler(req, ctx) {
  const { rows } = await ctx.db.query('SELECT current_user AS role, 41 + $1::int AS answer', [1]);
  console.log('answered', rows[0].answer);
  return Response.json({ ...rows[0], user: ctx.user, env: ctx.env });
}`;

/** The function as the operator mounts it (function.json). */
const DEFINITION = {
  name: 'answer',
  appId: 'image',
  code: HANDLER,
  trigger: { type: 'http', config: { method: 'GET', auth: 'none' } },
  envVars: { GREETING: 'hi' },
};

describe('runtime image', () => {
  const image = imageUnderTest('runtime');
  let database: TestDatabase | undefined;
  let pod: PodProcess | undefined;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresUrl'), 'image');
    // Mounted read-only, as the operator mounts a ConfigMap; readable by the image's user.
    const mounted = path.join(image.work, 'function');
    await mkdir(mounted, { mode: 0o755 });
    await writeFile(path.join(mounted, 'function.json'), JSON.stringify(DEFINITION), { mode: 0o644 });
    // mkdtemp made the parent root-only.
    await chmod(image.work, 0o755);

    const [port] = await freeLoopbackPorts(1);
    const child = spawn(
      'docker',
      lockedDownRun({
        name: image.name,
        image: image.tag,
        mounts: { [mounted]: '/etc/bbfn' },
        env: {
          PORT: String(port),
          BBFN_LISTEN_ADDRESS: '127.0.0.1',
          BBFN_FUNCTION_FILE: '/etc/bbfn/function.json',
          DATABASE_URL: database.url,
        },
      }),
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    pod = watchPod(child, 60_000);
    url = await pod.serving;
  }, 120_000);

  afterAll(async () => {
    await database?.drop();
  });

  it('serves the function with ctx.db on the migrated app database, and records the invocation', async () => {
    const response = await fetch(`${url}/v1/image/fn/answer`, { signal: AbortSignal.timeout(15_000) });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      role: 'butterbase_user',
      answer: 42,
      user: null,
      env: { GREETING: 'hi' },
    });
    const id = response.headers.get(INVOCATION_ID_HEADER);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      const row = await waitFor('the invocation record', 15_000, async () => {
        const { rows } = await client.query(
          'SELECT function_name, status_code, outcome FROM butterbase.invocations WHERE id = $1',
          [id],
        );
        return rows[0];
      });
      expect(row).toEqual({ function_name: 'answer', status_code: 200, outcome: 'ok' });
    } finally {
      await client.end();
    }
  });

  it('runs as a non-root user', async () => {
    expect((await containerUids(image.name)).every((uid) => uid === '10001')).toBe(true);
  });

  it('ends cleanly on SIGTERM, after flushing its log', async () => {
    expect(await pod!.stop()).toBe(0);
    expect(pod!.lines.map((line) => line.msg)).toContain('shutdown complete');
  });

  it("serves under the command line the operator gives it: the permission flags for the pod's paths, a mounted bundle and spool", async () => {
    const mounted = path.join(image.work, 'revision');
    await mkdir(mounted, { mode: 0o755 });
    await writeFile(path.join(mounted, FUNCTION_FILE), JSON.stringify(DEFINITION), { mode: 0o644 });
    const bundle = (await compileHandler(HANDLER, { filename: 'answer.ts' })).code;
    await writeFile(path.join(mounted, BUNDLE_FILE), bundle, { mode: 0o644 });
    const [node, ...args] = runtimeCommand('serve');
    const run = lockedDownRun({
      name: `${image.name}-operator`,
      image: image.tag,
      mounts: { [mounted]: MOUNT_DIR },
      env: {
        PORT: String((await freeLoopbackPorts(1))[0]),
        BBFN_LISTEN_ADDRESS: '127.0.0.1',
        BBFN_FUNCTION_FILE: `${MOUNT_DIR}/${FUNCTION_FILE}`,
        BBFN_BUNDLE_FILE: `${MOUNT_DIR}/${BUNDLE_FILE}`,
        BBFN_SPOOL_DIR: SPOOL_DIR,
        DATABASE_URL: database!.url,
        BBFN_MIGRATE: 'false',
      },
    });
    // The spool is an emptyDir in a pod: writable, the rest of the root filesystem not.
    const imageAt = run.length - 1;
    run.splice(imageAt, 0, '--tmpfs', `${SPOOL_DIR}:rw,uid=10001,gid=10001,mode=0700`, '--entrypoint', node!);
    const operatorPod = watchPod(
      spawn('docker', [...run, ...args], { stdio: ['ignore', 'pipe', 'inherit'] }),
      60_000,
    );
    try {
      const served = await operatorPod.serving;
      const response = await fetch(`${served}/v1/image/fn/answer`, { signal: AbortSignal.timeout(15_000) });
      expect(await response.json()).toMatchObject({ role: 'butterbase_user', answer: 42 });
      const pid = await docker(['inspect', '--format', '{{.State.Pid}}', `${image.name}-operator`]);
      const cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0');
      expect(cmdline).toContain('--permission');
    } finally {
      await operatorPod.stop();
      await docker(['rm', '-f', `${image.name}-operator`]).catch(() => {});
    }
  });
});
