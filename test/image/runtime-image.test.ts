/**
 * The runtime image (Dockerfile, target `runtime`) runs a function as a pod does: as a
 * non-root user, on a read-only root filesystem with every capability dropped, it
 * migrates the app database, compiles and serves the handler, records the invocation,
 * and ends cleanly on SIGTERM. Built on a base made from this checkout's Node (no
 * registry is reachable on the test machines), with a real Docker engine.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
import { type PodProcess, watchPod } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';
import {
  buildImage,
  buildImageContext,
  type DockerEngine,
  docker,
  ensureDockerEngine,
  lockedDownRun,
} from './docker.ts';

const HANDLER = `export async function handler(req, ctx) {
  const { rows } = await ctx.db.query('SELECT current_user AS role, 41 + $1::int AS answer', [1]);
  console.log('answered', rows[0].answer);
  return Response.json({ ...rows[0], user: ctx.user, env: ctx.env });
}`;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('runtime image', () => {
  const name = `bbfn-image-test-${process.pid}`;
  const tag = `butterbase-functions/runtime:test-${process.pid}`;
  let engine: DockerEngine | undefined;
  let database: TestDatabase | undefined;
  let work: string;
  let pod: PodProcess | undefined;
  let url: string;

  beforeAll(async () => {
    engine = await ensureDockerEngine();
    work = await mkdtemp(path.join(tmpdir(), 'bbfn-image-'));
    const context = path.join(work, 'context');
    await buildImageContext(context);
    await buildImage(context, 'runtime', tag);

    database = await createTestDatabase(inject('postgresUrl'), 'image');
    // Mounted read-only, as the operator mounts a ConfigMap; readable by the image's user.
    const mounted = path.join(work, 'function');
    await mkdir(mounted, { mode: 0o755 });
    const trigger = { type: 'http', config: { method: 'GET', auth: 'none' } };
    const definition = {
      name: 'answer',
      appId: 'image',
      code: HANDLER,
      trigger,
      envVars: { GREETING: 'hi' },
    };
    await writeFile(path.join(mounted, 'function.json'), JSON.stringify(definition), { mode: 0o644 });
    // mkdtemp made the parent root-only.
    await chmod(work, 0o755);

    const port = await freePort();
    const child = spawn(
      'docker',
      lockedDownRun({
        name,
        image: tag,
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
  }, 900_000);

  afterAll(async () => {
    await docker(['rm', '-f', name]).catch(() => {});
    await docker(['rmi', '-f', tag]).catch(() => {});
    await database?.drop();
    if (work) await rm(work, { recursive: true, force: true });
    await engine?.stop();
  }, 120_000);

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
    const pid = await docker(['inspect', '--format', '{{.State.Pid}}', name]);
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const uids = /^Uid:\s+(.*)$/m.exec(status)![1]!.split(/\s+/);
    expect(uids.every((uid) => uid === '10001')).toBe(true);
  });

  it('ends cleanly on SIGTERM, after flushing its log', async () => {
    expect(await pod!.stop()).toBe(0);
    expect(pod!.lines.map((line) => line.msg)).toContain('shutdown complete');
  });
});
