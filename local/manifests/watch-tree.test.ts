import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../test/support/wait.ts';
import { listDirectories, type TreeWatcher, watchTree } from './watch-tree.ts';

const run = promisify(execFile);

/**
 * Real files and real tools: editors, `sed -i` and `cp` replace a file by renaming a
 * new one over it, and every later change must still be seen. Each step waits for one
 * more batch of changes than the step before.
 */
describe('watchTree', () => {
  let dir: string;
  let watcher: TreeWatcher | undefined;
  let changes = 0;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-watch-'));
    await mkdir(path.join(dir, 'hello'));
    await writeFile(path.join(dir, 'hello', 'function.yaml'), 'v: 0\n');
    changes = 0;
    watcher = await watchTree(dir, () => changes++, { debounceMs: 20, ignore: [path.join(dir, 'data')] });
  });

  afterEach(async () => {
    watcher?.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function expectSeen(what: string, change: () => Promise<unknown>) {
    const before = changes;
    await change();
    await waitFor(what, 10_000, async () => changes > before);
  }

  it('sees every save of a file replaced by rename, however many times', async () => {
    const file = path.join(dir, 'hello', 'function.yaml');
    for (let version = 1; version <= 3; version++) {
      await expectSeen(`rename-write ${version}`, async () => {
        await writeFile(`${file}.tmp`, `v: ${version}\n`);
        await rename(`${file}.tmp`, file);
      });
    }
    await expectSeen('sed -i', () => run('sed', ['-i', 's/v: 3/v: 4/', file]));
    await expectSeen('sed -i again', () => run('sed', ['-i', 's/v: 4/v: 5/', file]));
    await writeFile(path.join(dir, 'other.yaml'), 'v: other\n');
    await expectSeen('cp over it', () => run('cp', [path.join(dir, 'other.yaml'), file]));
    await expectSeen('an in-place write after all that', () => writeFile(file, 'v: 6\n'));
  });

  it('watches directories created after it started, and files in them', async () => {
    const added = path.join(dir, 'later', 'deeper');
    await expectSeen('a new directory tree with a manifest', async () => {
      await mkdir(added, { recursive: true });
      await writeFile(path.join(added, 'app.yaml'), 'v: 1\n');
    });
    // The new directory is watched now: an edit inside it alone is seen.
    await expectSeen('an edit in the new directory', () => writeFile(path.join(added, 'app.yaml'), 'v: 2\n'));
  });

  it('keeps watching after a directory is removed and made again', async () => {
    await expectSeen('the removal', () => rm(path.join(dir, 'hello'), { recursive: true }));
    await expectSeen('the directory made again', async () => {
      await mkdir(path.join(dir, 'hello'));
      await writeFile(path.join(dir, 'hello', 'function.yaml'), 'v: back\n');
    });
    await expectSeen('an edit in it', () =>
      writeFile(path.join(dir, 'hello', 'function.yaml'), 'v: again\n'),
    );
  });

  it('watches no ignored, dot or node_modules directory', async () => {
    for (const sub of ['data/pg', '.git/objects', 'node_modules/pkg', 'jobs/nightly'])
      await mkdir(path.join(dir, sub), { recursive: true });
    const dirs = await listDirectories(dir, new Set([path.join(dir, 'data')]));
    expect(dirs.map((d) => path.relative(dir, d)).sort()).toEqual(['', 'hello', 'jobs', 'jobs/nightly']);
  });
});
