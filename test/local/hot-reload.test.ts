import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUserToken } from '../../runtime-image/src/auth/jwt.ts';
import { type Platform, startTestPlatform } from '../support/local-platform.ts';
import { waitFor } from '../support/wait.ts';

const run = promisify(execFile);

const app = (appId: string) =>
  `apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: ${appId} }\nspec: { appId: ${appId} }\n`;
const fn = (appId: string, name: string, body: string, auth = 'none') =>
  [
    'apiVersion: butterbase.ai/v1alpha1',
    'kind: Function',
    `metadata: { name: ${name} }`,
    'spec:',
    `  appId: ${appId}`,
    `  trigger: { type: http, config: { method: GET, auth: ${auth} } }`,
    '  code: |',
    `    export async function handler(req, ctx) { return new Response(${body}); }`,
    '',
  ].join('\n');

/**
 * Hot reload on a real platform (real Postgres, real files): edits written the ways
 * editors and tools write them, broken manifests, Apps added while running, and what
 * the terminal shows for each.
 */
describe('local platform hot reload', () => {
  let root: string;
  let manifests: string;
  let platform: Platform;
  const printed: string[] = [];
  const added: string[] = [];

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'bbfn-reload-'));
    manifests = path.join(root, 'manifests');
    await mkdir(path.join(manifests, 'hello'), { recursive: true });
    await writeFile(path.join(manifests, 'app.yaml'), app('demo'));
    await writeFile(path.join(manifests, 'hello', 'function.yaml'), fn('demo', 'hello', "'v1'"));
    await writeFile(path.join(manifests, 'other.yaml'), fn('demo', 'other', "'other'"));
    platform = await startTestPlatform({
      manifestsDir: manifests,
      dataDir: path.join(root, 'data'),
      print: (line) => printed.push(line),
      onAppAdded: (appId) => added.push(appId),
    });
  }, 120_000);

  afterAll(async () => {
    await platform?.shutdown('test');
    await rm(root, { recursive: true, force: true });
  }, 60_000);

  const text = async (url: string, init?: RequestInit) => {
    const response = await fetch(`${platform.url}${url}`, init);
    return `${response.status} ${await response.text()}`;
  };
  const helloFile = () => path.join(manifests, 'hello', 'function.yaml');

  /**
   * Changes files, waits for the reloads that follow until `done` holds for what they
   * printed, and returns that. (One change can make more than one batch of events.)
   */
  async function reload(
    what: string,
    change: () => Promise<unknown>,
    done: (lines: string[]) => boolean | Promise<boolean> = () => true,
  ): Promise<string[]> {
    const before = platform.reloads();
    const from = printed.length;
    await change();
    await waitFor(
      `the reload after ${what}`,
      15_000,
      async () => platform.reloads() > before && (await done(printed.slice(from))),
    );
    return printed.slice(from);
  }

  /** As an editor saves: a whole new file renamed over the old one (written outside the tree). */
  async function renameWrite(file: string, content: string) {
    const temporary = path.join(root, `${path.basename(file)}.${Date.now()}.swp`);
    await writeFile(temporary, content);
    await rename(temporary, file);
  }
  const serves = (url: string, expected: string) => async () => (await text(url)) === expected;

  it('picks up every edit of a file replaced by rename (editors, sed -i, cp)', async () => {
    for (const version of ['v2', 'v3']) {
      const lines = await reload(`rename-write ${version}`, () =>
        renameWrite(helloFile(), fn('demo', 'hello', `'${version}'`)),
      );
      expect(lines).toEqual([expect.stringMatching(/^↻ updated demo\/hello \(\w+\) GET /)]);
      expect(await text('/v1/demo/fn/hello')).toBe(`200 ${version}`);
    }
    // sed writes its temporary file next to the original: maybe two batches of events.
    await reload(
      'sed -i',
      () => run('sed', ['-i', 's/v3/v4/', helloFile()]),
      serves('/v1/demo/fn/hello', '200 v4'),
    );
    await writeFile(path.join(root, 'copy.yaml'), fn('demo', 'hello', "'v5'"));
    await reload(
      'cp',
      () => run('cp', [path.join(root, 'copy.yaml'), helloFile()]),
      serves('/v1/demo/fn/hello', '200 v5'),
    );
  });

  it('keeps the previous version serving through a YAML syntax error, and says so once', async () => {
    const lines = await reload('a YAML syntax error', () =>
      renameWrite(helloFile(), `${fn('demo', 'hello', "'v6'")}  bad: [unclosed\n`),
    );
    expect(lines).toEqual([
      expect.stringMatching(
        /^✗ hello\/function\.yaml:\d+:\d+ .*YAML syntax error.* — demo\/hello keeps serving/,
      ),
    ]);
    expect(await text('/v1/demo/fn/hello')).toBe('200 v5');
    // Another file changes: the problem is not printed again, nothing else changed.
    const next = await reload('an unrelated change', () =>
      renameWrite(path.join(manifests, 'notes.yaml'), '# notes\n'),
    );
    expect(next).toEqual([]);
    const fixed = await reload('the fix', () => renameWrite(helloFile(), fn('demo', 'hello', "'v7'")));
    expect(fixed).toEqual([
      '✓ hello/function.yaml: no problems now',
      expect.stringMatching(/^↻ updated demo\/hello/),
    ]);
    expect(await text('/v1/demo/fn/hello')).toBe('200 v7');
  });

  it('reports a compile error once and keeps serving, then says when it is fixed', async () => {
    const broken = await reload('code that does not compile', () =>
      renameWrite(helloFile(), fn('demo', 'hello', "'v8' +")),
    );
    expect(broken).toEqual([
      expect.stringMatching(
        /^✗ demo\/hello \(hello\/function\.yaml\): VALIDATION_SYNTAX_ERROR: .* — the previous version keeps serving$/,
      ),
    ]);
    expect(await text('/v1/demo/fn/hello')).toBe('200 v7');
    expect(
      await reload('an unrelated change', () => writeFile(path.join(manifests, 'notes.yaml'), '# 2\n')),
    ).toEqual([]);
    const fixed = await reload('restoring the serving code', () =>
      renameWrite(helloFile(), fn('demo', 'hello', "'v7'")),
    );
    expect(fixed).toEqual([expect.stringMatching(/^✓ demo\/hello: fixed, \w+ serves$/)]);
  });

  it('picks up an App and its function added while running', async () => {
    // Made outside the tree and moved in whole, so one reload sees both files.
    const lines = await reload('a new App', async () => {
      const made = path.join(root, 'shop');
      await mkdir(made);
      await writeFile(path.join(made, 'app.yaml'), app('shop'));
      await writeFile(path.join(made, 'cart.yaml'), fn('shop', 'cart', 'ctx.user.id', 'required'));
      await rename(made, path.join(manifests, 'shop'));
    });
    expect(lines).toEqual([
      '✓ app shop: added, database app_shop',
      expect.stringMatching(/^✓ deployed shop\/cart \(\w+\) GET .*\/v1\/shop\/fn\/cart \(auth required\)$/),
    ]);
    expect(added).toEqual(['shop']);
    const secret = platform.secrets.shop!;
    const token = await signUserToken({ secret: secret.jwtSecret, userId: 'carol', expiresIn: 600 });
    expect(await text('/v1/shop/fn/cart', { headers: { authorization: `Bearer ${token}` } })).toBe(
      '200 carol',
    );
  });

  it('removes a function whose manifest is deleted', async () => {
    const lines = await reload('a deleted manifest', () => rm(path.join(manifests, 'other.yaml')));
    expect(lines).toEqual(['– removed demo/other']);
    expect(await text('/v1/demo/fn/other')).toMatch(/^404 /);
  });

  it.runIf(process.getuid?.() === 0)(
    'gives the postgres user alone its folder of the data directory',
    async () => {
      const folder = await stat(path.join(root, 'data', 'postgres'));
      const { stdout } = await run('id', ['-u', 'postgres']);
      expect(folder.uid).toBe(Number(stdout));
      expect(folder.mode & 0o777).toBe(0o700);
    },
  );
});
