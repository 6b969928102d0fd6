import { cp, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../local/postgres/embedded-postgres.ts';
import { isProcessAlive } from '../../local/process/process-alive.ts';
import { readSecretValues } from '../../local/secret-store.ts';
import { waitFor } from '../support/wait.ts';
import { bbfn, PROJECT_ROOT, type RunningCli, SYSTEM_NODE, sh, spawnBbfn } from './cli-process.ts';

console.info(`bbfn runs under ${SYSTEM_NODE} in this suite`);

/**
 * `bbfn` as a newcomer runs it: real processes under the machine's own node (through
 * bin/bbfn.js) with the machine's PATH, a real embedded Postgres, real signals.
 */

const BOOM = `apiVersion: butterbase.ai/v1alpha1
kind: Function
metadata: { name: boom }
spec:
  appId: demo
  trigger: { type: http, config: { method: GET, auth: none } }
  code: |
    export async function handler(req, ctx) {
      console.warn('careful');
      throw new Error('kaboom');
    }
`;

const COMMANDS = [
  'start',
  'token',
  'deploy',
  'invoke',
  'list',
  'get',
  'delete',
  'logs',
  'mcp',
  'run-once',
  'secret',
];

describe('bbfn --help', () => {
  it.each(['', ...COMMANDS])(
    'bbfn %s --help',
    async (command) => {
      const result = await bbfn([...(command ? [command] : []), '--help']);
      expect(result).toMatchObject({ code: 0, stderr: '' });
      expect(result.stdout).toContain(`Usage: bbfn ${command || '<command>'}`);
      // A command a help text suggests must run under the machine's node too: Node 20
      // cannot run bin/bbfn.ts (ERR_UNKNOWN_FILE_EXTENSION); bin/bbfn.js and npx can.
      expect(result.stdout).not.toMatch(/node \S*bin\/bbfn\.ts/);
      // Every data directory defaults to the project's, whatever the working directory.
      if (result.stdout.includes('--data DIR'))
        expect(result.stdout).toMatch(/default \.data in the project/);
    },
    60_000,
  );

  it('lists every command', async () => {
    const result = await bbfn(['--help']);
    for (const command of COMMANDS) expect(result.stdout).toMatch(new RegExp(`^  ${command} `, 'm'));
  }, 60_000);

  it("leaves the machine's node no .ts file to run in the README's commands", async () => {
    const readme = await readFile(path.join(PROJECT_ROOT, 'README.md'), 'utf8');
    // A command (in backticks, or a line of a code block) starting `node … x.ts`; `npx node
    // x.ts` runs the project's Node and bin/bbfn.js any Node, so both are fine.
    expect(readme.match(/(?:^|`)node (?:[^`\s]+ )*?[^`\s]+\.ts\b/gm) ?? []).toEqual([]);
  });

  it('runs under the machine node through npx too', async () => {
    const result = await sh('npx bbfn --help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: bbfn <command>');
    expect(result.stderr).not.toContain('EBADENGINE');
  }, 60_000);
});

describe('bbfn start, its hints and the commands beside it', () => {
  let root: string;
  let data: string;
  let manifests: string;
  let port: number;
  let first: RunningCli;
  let second: RunningCli | undefined;

  const lockedPid = async () => Number(await readFile(path.join(data, 'platform.lock'), 'utf8'));
  const postmasterPid = async () =>
    Number((await readFile(path.join(data, 'postgres', 'data', 'postmaster.pid'), 'utf8')).split('\n')[0]);

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bbfn-cli-'));
    data = path.join(root, 'data');
    manifests = path.join(root, 'manifests');
    await cp(path.join(PROJECT_ROOT, 'examples'), manifests, { recursive: true });
    await writeFile(path.join(manifests, 'boom.yaml'), BOOM);
    port = await freePort();
    // PORT, not --port; stderr is a pipe, so the log stays JSON.
    first = spawnBbfn(['start', manifests, '--data', data], {
      env: { PORT: String(port), LOG_LEVEL: 'warn' },
    });
    await first.waitForOutput(/Press Ctrl-C to stop/, 120_000);
  }, 150_000);

  afterAll(async () => {
    for (const cli of [first, second]) if (cli && cli.child.exitCode === null) cli.child.kill('SIGKILL');
    // Under the machine's node, bin/bbfn.js runs the platform as a child under the project's
    // node, which a SIGKILL of the launcher leaves running: after a failed test it would too.
    const platform = await lockedPid().catch(() => 0);
    if (isProcessAlive(platform)) process.kill(platform, 'SIGKILL');
    const pid = await postmasterPid().catch(() => 0);
    if (isProcessAlive(pid)) process.kill(pid, 'SIGINT');
    await waitFor('Postgres to stop', 30_000, async () => !isProcessAlive(pid));
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  it('listens on PORT, and its printed hints work as written with the machine node', async () => {
    expect(first.output()).toContain(`at http://127.0.0.1:${port}\n`);
    const hint = /user token: {2}(npx bbfn token .*)$/m.exec(first.output())?.[1];
    expect(hint).toBe(`npx bbfn token --app demo --user alice --data ${data}`);
    const token = await sh(hint!);
    expect(token).toMatchObject({ code: 0, stderr: '' });
    const response = await fetch(`http://127.0.0.1:${port}/v1/demo/todos`, {
      headers: { authorization: `Bearer ${token.stdout.trim()}` },
    });
    expect(response.status).toBe(200);
    const logsHint = /logs: {8}(npx bbfn logs )<appId>\/<function>( --data .*)$/m.exec(first.output());
    // todos prints nothing: its logs are empty, and the command says so by exiting 0.
    const logs = await sh(`${logsHint![1]}demo/todos${logsHint![2]}`);
    expect(logs).toMatchObject({ code: 0, stderr: '' });
    // The github-webhook example's made-up signing secret: its hint reads this platform's.
    const secretHint = /see it with "(npx bbfn secret get [^"]+)"/.exec(first.output())?.[1];
    expect(secretHint).toBe(`npx bbfn secret get demo github-webhook/secret --data ${data}`);
    const shown = await sh(secretHint!);
    expect(shown).toMatchObject({ code: 0, stderr: '' });
    expect(shown.stdout.trim()).toBe((await readSecretValues(data, 'demo'))['github-webhook']?.secret);
  }, 60_000);

  it("runs the github-webhook example's commands as its README gives them", async () => {
    const readme = await readFile(path.join(PROJECT_ROOT, 'examples/github-webhook/README.md'), 'utf8');
    const block = readme
      .split('```sh\n')
      .slice(1)
      .find((b) => b.includes('X-Hub-Signature-256'))!;
    // As written, but for this platform: its port, and the --data its hints carry.
    const script = block
      .slice(0, block.indexOf('```'))
      .replaceAll('http://127.0.0.1:8080', `http://127.0.0.1:${port}`)
      .replace('npx bbfn secret get demo github-webhook/secret', `$& --data ${data}`);
    const first = await sh(script);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(first.stdout)).toEqual({ received: 'issues', delivery: 'd-1' });
    expect((await sh(script)).stdout).toBe('duplicate');
  }, 60_000);

  it("keeps Secrets with bbfn secret, in the project's data directory from any of its directories", async () => {
    const set = await sh(`printf 'rotated\\n' | npx bbfn secret set demo hooks/stripe - --data ${data}`);
    expect(set).toMatchObject({ code: 0, stderr: '' });
    expect((await readSecretValues(data, 'demo')).hooks).toEqual({ stripe: 'rotated' });
    expect((await bbfn(['secret', 'get', 'demo', 'hooks/stripe', '--data', data])).stdout).toBe('rotated\n');
    expect((await bbfn(['secret', 'list', 'demo', '--data', data])).stdout).toContain('hooks/stripe\n');
    // Without --data, from a subdirectory (as the example's README is read): the project's
    // .data, as for token and logs; never one made in the working directory.
    const elsewhere = await sh('cd examples/github-webhook && npx bbfn secret get no-such-app a/b');
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.stderr).toContain(`has no secret a/b in ${path.join(PROJECT_ROOT, '.data')}`);
  }, 60_000);

  it('shows a failed invocation with its message, and logs JSON lines when stderr is not a terminal', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/v1/demo/fn/boom`);
    expect(response.status).toBe(500);
    await first.waitForOutput(/\{"level":40,[^\n]*"console":true[^\n]*"msg":"careful"/, 10_000);
    const logs = await waitFor('the failed invocation to be stored', 10_000, async () => {
      const result = await bbfn(['logs', 'demo/boom', '--data', data]);
      return result.stdout.includes('FUNCTION_THREW') && result;
    });
    // Each line with its invocation: status, outcome, and the error's code and message.
    expect(logs.stdout).toMatch(
      / warn {2}careful {4}\[\S+ 500 error FUNCTION_THREW: Error: kaboom [\d.]+ ms\]/,
    );
  }, 30_000);

  it('refuses an unknown function or app by name, with a non-zero exit', async () => {
    const noFunction = await bbfn(['logs', 'demo/nope', '--data', data]);
    expect(noFunction.code).toBe(1);
    expect(noFunction.stderr).toMatch(
      /^bbfn logs: RESOURCE_NOT_FOUND: no function "nope" in app "demo" \(functions: .*boom/,
    );
    const noApp = await bbfn(['logs', 'nope/hello', '--data', data]);
    expect(noApp.code).toBe(1);
    expect(noApp.stderr).toContain(
      `RESOURCE_NOT_FOUND: App "nope" doesn't exist on the local platform at http://127.0.0.1:${port}`,
    );
    const noToken = await bbfn(['token', '--app', 'nope', '--user', 'x', '--data', data]);
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('no app "nope"');
  }, 90_000);

  it('says who holds the data directory when a second start is tried', async () => {
    const again = await bbfn(['start', manifests, '--data', data, '--port', '0']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      `LOCAL_ALREADY_RUNNING: another bbfn start (pid ${await lockedPid()}) is already running on the data directory ${data} at http://127.0.0.1:${port}`,
    );
  }, 60_000);

  it('starts again after a SIGKILL: the orphaned Postgres is stopped; on a terminal the log is readable lines', async () => {
    const orphan = await postmasterPid();
    process.kill(await lockedPid(), 'SIGKILL');
    await first.exited;
    expect(isProcessAlive(orphan)).toBe(true);
    const notRunning = await bbfn(['logs', 'demo/hello', '--data', data]);
    expect(notRunning.code).toBe(1);
    expect(notRunning.stderr).toContain(
      'LOCAL_NOT_RUNNING: no local platform is running on the data directory',
    );

    second = spawnBbfn(['start', manifests, '--data', data, '--port', '0'], { tty: true });
    await second.waitForOutput(/Press Ctrl-C to stop/, 120_000);
    expect(second.output()).toContain(
      `stopped the Postgres (pid ${orphan}) that an earlier run left running`,
    );
    expect(isProcessAlive(orphan)).toBe(false);
    const url = /serving .* at (http:\/\/127\.0\.0\.1:\d+)/.exec(second.output())![1]!;
    expect((await fetch(`${url}/v1/demo/fn/boom`)).status).toBe(500);
    // On a terminal: one readable line (its level colored), no JSON.
    await second.waitForOutput(/\d\d:\d\d:\d\d \S*warn \S* demo \[\w{8}\] careful\r?\n/, 10_000);
    expect(second.output()).not.toContain('"level":');
  }, 180_000);

  it('stops in order on SIGTERM: Postgres stopped, the data directory released', async () => {
    const postgres = await postmasterPid();
    process.kill(await lockedPid(), 'SIGTERM');
    await second!.exited;
    expect(isProcessAlive(postgres)).toBe(false);
    await expect(stat(path.join(data, 'platform.lock'))).rejects.toThrow(/ENOENT/);
    await expect(stat(path.join(data, 'platform.json'))).rejects.toThrow(/ENOENT/);
  }, 60_000);
});
