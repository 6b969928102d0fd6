/**
 * The local tenant boundary (README, "The local platform's tenant boundary"): under
 * `npm start` a handler of app `alpha` tries every way the attack on the platform used
 * to reach app `beta`'s secrets and data: the data directory (secrets.json, the Postgres
 * files, beta's spool), `createRequire(process.cwd() + '/')` to load npm packages, child
 * processes, another thread, the process report, and the superuser's old well-known
 * password on the loopback Postgres. Each must be refused.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Platform, startTestPlatform } from '../support/local-platform.ts';

// Computed specifiers: a literal one is refused at deploy already (import-policy.plugin.ts).
// Every attempt runs in the handler; each reports what happened, never a secret's text
// unless it got one.
const PROBE = `export async function handler(req, ctx) {
  const dataDir = new URL(req.url).searchParams.get('data');
  const attempts = {
    readSecrets: async () => (await import(['node', 'fs'].join(':'))).readFileSync(dataDir + '/secrets.json', 'utf8'),
    getBuiltinModuleFs: async () => process.getBuiltinModule('fs').readFileSync(dataDir + '/secrets.json', 'utf8'),
    requireFsPromises: async () => process.getBuiltinModule('node:fs/promises').readFile(dataDir + '/platform.json', 'utf8'),
    createRequire: async () => process.getBuiltinModule('module').createRequire(process.cwd() + '/')('pg').Client.name,
    childProcess: async () => process.getBuiltinModule('child_process').execSync('cat ' + dataDir + '/secrets.json').toString(),
    worker: async () => typeof (await import(['node', 'worker_threads'].join(':'))).Worker,
    binding: async () => typeof process.binding('fs').open,
    report: async () => JSON.stringify(process.report.getReport()),
  };
  const results = {};
  for (const [name, attempt] of Object.entries(attempts)) {
    try {
      results[name] = { got: String(await attempt()) };
    } catch (error) {
      results[name] = { refused: error.code ?? error.name };
    }
  }
  return Response.json(results);
}`;

function manifests(): string {
  const app = (appId: string) =>
    `apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: ${appId} }\nspec: { appId: ${appId} }\n`;
  const probe = [
    'apiVersion: butterbase.ai/v1alpha1',
    'kind: Function',
    'metadata: { name: probe }',
    'spec:',
    '  appId: alpha',
    '  trigger: { type: http, config: { method: GET, auth: none } }',
    '  code: |',
    ...PROBE.split('\n').map((line) => `    ${line}`),
    '',
  ].join('\n');
  return [app('alpha'), app('beta'), probe].join('---\n');
}

describe('the local tenant boundary', () => {
  let root: string;
  let dataDir: string;
  let platform: Platform;
  const printed: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bbfn-tenant-'));
    dataDir = path.join(root, 'data');
    await mkdir(path.join(root, 'manifests'));
    await writeFile(path.join(root, 'manifests', 'apps.yaml'), manifests());
    platform = await startTestPlatform({
      manifestsDir: path.join(root, 'manifests'),
      dataDir,
      print: (line) => printed.push(line),
      watch: false,
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.shutdown('test');
    await rm(root, { recursive: true, force: true });
  });

  it("refuses a handler of one app every way to another app's secrets and data", async () => {
    const res = await fetch(`${platform.url}/v1/alpha/fn/probe?data=${encodeURIComponent(dataDir)}`, {
      signal: AbortSignal.timeout(20_000),
    });
    expect(`${res.status} ${printed.join('\n')}`).toMatch(/^200 /);
    const results = (await res.json()) as Record<string, { got?: string; refused?: string }>;
    for (const name of [
      'readSecrets',
      'getBuiltinModuleFs',
      'requireFsPromises',
      'createRequire',
      'childProcess',
      'worker',
      'binding',
    ]) {
      expect({ name, ...results[name] }).toEqual({ name, refused: 'VALIDATION_UNSUPPORTED_IMPORT' });
    }
    expect(results.report).toEqual({ refused: 'TypeError' });
    // The secrets exist and the platform itself can read them: only the handler cannot.
    const secrets = JSON.parse(await readFile(path.join(dataDir, 'secrets.json'), 'utf8'));
    expect(Object.keys(secrets).sort()).toEqual(['alpha', 'beta']);
    expect(JSON.stringify(results)).not.toContain(secrets.beta.apiKey);
  });

  it('gives the Postgres superuser a random password, not the well-known one', async () => {
    const port = new URL(platform.postgres.url).port;
    const client = new pg.Client({
      connectionString: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    });
    const error = await client.connect().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: '28P01' }); // invalid_password
    await client.end().catch(() => {});
    const kept = (await readFile(path.join(dataDir, 'postgres', 'superuser-password'), 'utf8')).trim();
    expect(kept.length).toBeGreaterThanOrEqual(32);
    expect(decodeURIComponent(new URL(platform.postgres.url).password)).toBe(kept);
  });
});
