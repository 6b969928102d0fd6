/**
 * The ingress probe a runtime pod answers (runtime-image/src/http/ingress-probe.ts): a
 * request to the function's URL with X-Bbfn-Probe gets 204 and the revision the operator
 * named the pod for, whatever the function's method and auth, without running the
 * handler or recording an invocation. A pod run in its own process, on a real database.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { migrate } from '../../runtime-image/src/db/migrate.ts';
import { createTestDatabase, type TestDatabase } from '../../runtime-image/src/db/test-database.ts';
import { INVOCATION_ID_HEADER } from '../../runtime-image/src/host/invoker.ts';
import { PROBE_HEADER, REVISION_HEADER } from '../../runtime-image/src/http/ingress-probe.ts';
import { launchPod, type PodProcess } from '../support/pod-process.ts';
import { waitFor } from '../support/wait.ts';

const POD_ENTRY = path.join(import.meta.dirname, '../../runtime-image/src/main.ts');
const APP_ID = 'probed';
const REVISION = '0123abcd4567';
const JWT_SECRET = 'ingress-probe-test-secret-0123456789abcdef';
// A handler that would leave a trace of having run: a console line and a record.
const HANDLER = `export async function handler() { console.log('ran'); return new Response('ran'); }`;

describe('runtime pod answering the ingress probe', () => {
  let database: TestDatabase;
  let pool: pg.Pool;
  let pod: PodProcess;
  let dir: string;
  let url: string;

  beforeAll(async () => {
    database = await createTestDatabase(inject('postgresUrl'), 'ingressprobe');
    await migrate(database.url);
    pool = new pg.Pool({ connectionString: database.url, max: 1 });
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-ingress-probe-'));
    const file = path.join(dir, 'fn.json');
    // POST only, callers must authenticate: the probe (a GET without credentials) is still answered.
    const trigger = { type: 'http', config: { method: 'POST', auth: 'required' } };
    const limits = { timeoutSeconds: 1, memoryMb: 64 };
    await writeFile(file, JSON.stringify({ name: 'probed', appId: APP_ID, code: HANDLER, trigger, limits }));
    pod = launchPod(POD_ENTRY, {
      BBFN_FUNCTION_FILE: file,
      DATABASE_URL: database.url,
      BBFN_MIGRATE: 'false',
      BBFN_WORKERS: '1',
      BBFN_JWT_SECRET: JWT_SECRET,
      BBFN_REVISION: REVISION,
    });
    url = `${await pod.serving}/v1/${APP_ID}/fn/probed`;
  }, 60_000);
  afterAll(async () => {
    expect(await pod?.stop()).toBe(0);
    await pool?.end();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('answers 204 with the revision, under any sub-path, and runs nothing', async () => {
    for (const target of [url, `${url}/some/sub/path?x=1`]) {
      const response = await fetch(target, { headers: { [PROBE_HEADER]: '1' } });
      expect(response.status).toBe(204);
      expect(response.headers.get(REVISION_HEADER)).toBe(REVISION);
      expect(response.headers.get(INVOCATION_ID_HEADER)).toBeNull();
      expect(await response.text()).toBe('');
    }
    // The same request without the header is the function's: its method and auth apply.
    expect((await fetch(url)).status).toBe(405);
    expect((await fetch(url, { method: 'POST' })).status).toBe(401);
    const token = await signUserToken({ secret: JWT_SECRET, userId: 'alice' });
    const called = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(await called.text()).toBe('ran');
    // That call is recorded (records are written after the response); the probes were not.
    const rows = await waitFor('the call recorded', 10_000, async () => {
      const { rows } = await pool.query<{ id: string }>('SELECT id FROM butterbase.invocations');
      return rows.length > 0 ? rows : undefined;
    });
    expect(rows.map((row) => row.id)).toEqual([called.headers.get(INVOCATION_ID_HEADER)]);
  });

  it('answers a probe for a path no function serves with the usual 404', async () => {
    const other = url.replace('/fn/probed', '/fn/elsewhere');
    const response = await fetch(other, { headers: { [PROBE_HEADER]: '1' } });
    expect(response.status).toBe(404);
    expect(response.headers.get(REVISION_HEADER)).toBeNull();
  });
});
