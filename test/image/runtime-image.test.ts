/**
 * The runtime image (Dockerfile, target `runtime`) runs a function as a pod does: as a
 * non-root user, on a read-only root filesystem with every capability dropped, it
 * migrates the app database, compiles and serves the handler, records the invocation,
 * and ends cleanly on SIGTERM. Built on a base made from this checkout's Node (no
 * registry is reachable on the test machines), with a real Docker engine.
 */
import { spawn } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
import { freeLoopbackPorts } from '../kube/ports.ts';
import { type PodProcess, watchPod } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';
import { lockedDownRun } from './docker.ts';
import { containerUids, imageUnderTest } from './image-fixture.ts';

const HANDLER = `export async function handler(req, ctx) {
  const { rows } = await ctx.db.query('SELECT current_user AS role, 41 + $1::int AS answer', [1]);
  console.log('answered', rows[0].answer);
  return Response.json({ ...rows[0], user: ctx.user, env: ctx.env });
}`;

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
});
