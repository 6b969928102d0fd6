import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { formatProblem, loadManifests } from '../local/manifests/load-manifests.ts';
import { compileHandler } from '../runtime-image/src/compile/compile.ts';

const examplesDir = path.dirname(fileURLToPath(import.meta.url));
const set = await loadManifests(examplesDir);
const byName = new Map(set.functions.map((fn) => [fn.resource.metadata.name, fn]));

describe('examples/', () => {
  it('load with no problems: the demo App and seven functions', () => {
    expect(set.problems.map(formatProblem)).toEqual([]);
    expect(set.apps.map((app) => [app.file, app.resource.metadata.name, app.resource.spec.appId])).toEqual([
      ['app.yaml', 'demo', 'demo'],
    ]);
    expect(set.functions.map((fn) => [fn.file, fn.resource.metadata.name, fn.resource.spec.appId])).toEqual([
      ['cleanup-idempotency/function.yaml', 'cleanup-idempotency', 'demo'],
      ['echo-socket/function.yaml', 'echo-socket', 'demo'],
      ['github-webhook/function.yaml', 'github-webhook', 'demo'],
      ['hello/function.yaml', 'hello', 'demo'],
      ['send-welcome-email/function.yaml', 'send-welcome-email', 'demo'],
      ['stripe-webhook/function.yaml', 'stripe-webhook', 'demo'],
      ['todos/function.yaml', 'todos', 'demo'],
    ]);
  });

  it('have the triggers their READMEs describe', () => {
    const trigger = (name: string) => byName.get(name)?.resource.spec.trigger;
    expect(trigger('hello')).toEqual({ type: 'http', config: { method: 'GET', auth: 'none' } });
    expect(trigger('send-welcome-email')).toEqual({
      type: 'http',
      config: { method: 'POST', path: '/welcome', auth: 'required' },
    });
    expect(trigger('stripe-webhook')).toMatchObject({
      type: 'http',
      config: { method: 'POST', auth: 'none' },
    });
    expect(trigger('todos')).toEqual({
      type: 'http',
      config: { method: 'ANY', path: '/todos', auth: 'required' },
    });
    expect(trigger('cleanup-idempotency')).toEqual({ type: 'cron', config: { schedule: '*/5 * * * *' } });
    expect(trigger('echo-socket')).toEqual({ type: 'websocket', config: { auth: 'optional' } });
    expect(trigger('github-webhook')).toMatchObject({
      type: 'webhook',
      config: {
        provider: 'github',
        secretRef: { name: 'github-webhook', key: 'secret' },
        path: '/webhooks/github',
      },
    });
    expect(byName.get('send-welcome-email')?.resource.spec.envVars).toEqual({
      FROM_ADDRESS: 'welcome@example.com',
    });
  });

  it.each([...byName.keys()])('%s: the handler compiles', async (name) => {
    const fn = byName.get(name)!;
    const compiled = await compileHandler(fn.resource.spec.code, { filename: `${name}.ts` });
    expect(compiled.warnings).toEqual([]);
  });

  it('hello is the seed example verbatim', () => {
    expect(byName.get('hello')?.resource.spec.code).toContain(
      'const data = { hello: "world" };\n  return new Response(JSON.stringify(data), {',
    );
  });

  it.each(['todos', 'send-welcome-email'])(
    '%s/schema.sql is, word for word, one of the App migrations',
    async (example) => {
      const sql = await readFile(path.join(examplesDir, example, 'schema.sql'), 'utf8');
      expect(set.apps[0]?.resource.spec.database.migrations).toContain(sql);
    },
  );

  it('every example has a README', async () => {
    for (const fn of set.functions) {
      const readme = await readFile(path.join(examplesDir, path.dirname(fn.file), 'README.md'), 'utf8');
      expect(readme).toMatch(new RegExp(`^# ${fn.resource.metadata.name}\\n`));
    }
  });
});
