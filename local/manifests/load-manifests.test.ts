import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatProblem, loadManifestFile, loadManifests } from './load-manifests.ts';

const APP =
  'apiVersion: butterbase.ai/v1alpha1\nkind: App\nmetadata: { name: demo }\nspec: { appId: demo }\n';
const fn = (name: string, trigger = '{ type: http }') =>
  `apiVersion: butterbase.ai/v1alpha1\nkind: Function\nmetadata: { name: ${name} }\nspec:\n  appId: demo\n  code: "export const handler = () => new Response()"\n  trigger: ${trigger}\n`;

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'bbfn-manifests-'));
  const files: Record<string, string> = {
    'app.yaml': APP,
    'hello/function.yml': fn('hello'),
    'jobs/function.yaml': `${fn('job', '{ type: cron, config: { schedule: "*/5 * * * *" } }')}---\n${fn('bad', '{ type: cron, config: { schedule: "61 * * * *" } }')}`,
    'jobs/README.md': 'not a manifest',
    'node_modules/pkg/x.yaml': fn('ignored'),
    '.hidden/x.yaml': fn('ignored-too'),
    'deploy/configmap.yaml': 'apiVersion: v1\nkind: ConfigMap\nmetadata: { name: cm }\n',
  };
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  await symlink(path.join(dir, 'hello'), path.join(dir, 'loop'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('loadManifests', () => {
  it('loads a directory tree, skipping node_modules, dot directories and other files', async () => {
    const set = await loadManifests(dir);
    expect(set.apps.map((app) => app.file)).toEqual(['app.yaml']);
    expect(set.functions.map((f) => [f.file, f.documentIndex, f.resource.metadata.name])).toEqual([
      ['hello/function.yml', 0, 'hello'],
      ['jobs/function.yaml', 0, 'job'],
    ]);
    expect(set.problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^jobs\/function\.yaml:\d+:\d+ \[doc 2\] Function "bad": spec\.trigger\.config\.schedule: invalid cron expression "61 \* \* \* \*": /,
      ),
    ]);
  });

  it('loads a single file given instead of a directory', async () => {
    const set = await loadManifests(path.join(dir, 'hello/function.yml'));
    expect(set.problems).toMatchObject([{ file: 'function.yml', code: 'RESOURCE_NOT_FOUND' }]);
  });

  it('fails clearly for a directory that does not exist', async () => {
    await expect(loadManifests(path.join(dir, 'nope'))).rejects.toThrow(/Cannot read the manifests in/);
  });
});

describe('loadManifestFile', () => {
  it('checks one file on its own, naming it relative to the root', async () => {
    const set = await loadManifestFile(path.join(dir, 'jobs/function.yaml'), { root: dir });
    expect(set.functions.map((f) => f.resource.metadata.name)).toEqual(['job']);
    expect(set.problems).toMatchObject([{ file: 'jobs/function.yaml', documentIndex: 1, name: 'bad' }]);
  });

  it('reports a file it cannot read as a problem', async () => {
    const set = await loadManifestFile(path.join(dir, 'gone.yaml'), { root: dir });
    expect(set.problems).toMatchObject([
      { file: 'gone.yaml', message: expect.stringContaining('cannot read the file') },
    ]);
  });
});

describe('formatProblem', () => {
  it('writes one line, leaving out what is not known', () => {
    expect(
      formatProblem({
        file: 'examples/bad.yaml',
        documentIndex: 1,
        kind: 'Function',
        name: 'x',
        field: 'spec.trigger.config.schedule',
        message: 'invalid cron expression "61 * * * *": Invalid value for minute: 61',
      }),
    ).toBe(
      'examples/bad.yaml [doc 2] Function "x": spec.trigger.config.schedule: invalid cron expression "61 * * * *": Invalid value for minute: 61',
    );
    expect(
      formatProblem({
        file: 'a.yaml',
        documentIndex: 0,
        message: 'YAML syntax error: x',
        line: 3,
        column: 7,
      }),
    ).toBe('a.yaml:3:7 [doc 1] YAML syntax error: x');
  });
});
