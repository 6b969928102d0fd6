import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findRunningPlatform, lockDataDir, writePlatformState } from './platform-state.ts';

describe('the data directory lock and the platform state', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bbfn-state-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lets one owner in, names it to the next, and lets go at release', async () => {
    const lock = await lockDataDir(dir);
    await writePlatformState(dir, {
      url: 'http://127.0.0.1:9',
      postgresUrl: 'postgres://x',
      apps: { demo: ['hello'] },
    });
    expect(await findRunningPlatform(dir)).toEqual({
      pid: process.pid,
      state: { url: 'http://127.0.0.1:9', postgresUrl: 'postgres://x', apps: { demo: ['hello'] } },
    });
    expect(((await stat(path.join(dir, 'platform.json'))).mode & 0o777).toString(8)).toBe('600');
    await expect(lockDataDir(dir)).rejects.toMatchObject({
      code: 'LOCAL_ALREADY_RUNNING',
      message: expect.stringContaining(
        `(pid ${process.pid}) is already running on the data directory ${dir} at http://127.0.0.1:9`,
      ),
    });
    await lock.release();
    expect(await findRunningPlatform(dir)).toBeNull();
    await (await lockDataDir(dir)).release();
  });

  it('takes over the lock of a process that is gone (a SIGKILLed run)', async () => {
    const gone = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(path.join(dir, 'platform.lock'), `${gone}\n`);
    expect(await findRunningPlatform(dir)).toBeNull();
    const lock = await lockDataDir(dir);
    expect((await findRunningPlatform(dir))?.pid).toBe(process.pid);
    await lock.release();
  });
});
