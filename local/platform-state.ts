import { open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BbfnError } from '../runtime-image/src/errors.ts';
import { isProcessAlive, processCommandLine } from './process/process-alive.ts';

/**
 * How the commands find the platform that runs on a data directory: `platform.lock`
 * holds the pid of the `bbfn start` that owns the directory (taken before its Postgres
 * starts, so two instances never share one), and `platform.json` what the others need
 * to reach it, rewritten on every reload. Both are removed at shutdown; after a crash
 * the lock names a dead pid, and the next start takes it over.
 */
export const PLATFORM_STATE_FILE = 'platform.json';
const LOCK_FILE = 'platform.lock';

export interface PlatformState {
  url: string;
  /** Superuser URL of the embedded Postgres (loopback only). */
  postgresUrl: string;
  /** Every App's id, with the names of its functions that serve. */
  apps: Record<string, string[]>;
}

export interface RunningPlatform {
  pid: number;
  /** Null while it starts (before it listens). */
  state: PlatformState | null;
}

/** The live owner of the data directory, or null when no platform runs on it. */
export async function findRunningPlatform(dataDir: string): Promise<RunningPlatform | null> {
  const pid = await lockOwner(dataDir);
  if (pid === null) return null;
  const text = await readFile(path.join(dataDir, PLATFORM_STATE_FILE), 'utf8').catch(() => null);
  return { pid, state: text === null ? null : (JSON.parse(text) as PlatformState) };
}

/** Mode 0600: it holds the Postgres superuser's password. Written whole, then renamed into place. */
export async function writePlatformState(dataDir: string, state: PlatformState): Promise<void> {
  const file = path.join(dataDir, PLATFORM_STATE_FILE);
  await writeFile(`${file}.tmp`, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(`${file}.tmp`, file);
}

/**
 * Takes the data directory for this process, or says who has it. A lock whose pid is
 * gone (a SIGKILLed run) is taken over.
 */
export async function lockDataDir(dataDir: string): Promise<{ release: () => Promise<void> }> {
  const file = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const handle = await open(file, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      return {
        release: async () => {
          if ((await lockOwner(dataDir)) !== process.pid) return;
          await rm(path.join(dataDir, PLATFORM_STATE_FILE), { force: true });
          await rm(file, { force: true });
        },
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const running = await findRunningPlatform(dataDir);
    if (running) {
      const where = running.state ? ` at ${running.state.url}` : ' (still starting)';
      throw new BbfnError(
        'LOCAL_ALREADY_RUNNING',
        `another bbfn start (pid ${running.pid}) is already running on the data directory ${dataDir}${where}. ` +
          `Stop it first (Ctrl-C in its terminal, or kill ${running.pid}), or give this one its own --data DIR.`,
      );
    }
    await rm(file, { force: true });
  }
  throw new Error(`cannot take the lock ${file}: it keeps reappearing`);
}

async function lockOwner(dataDir: string): Promise<number | null> {
  const text = await readFile(path.join(dataDir, LOCK_FILE), 'utf8').catch(() => null);
  const pid = Number.parseInt(text ?? '', 10);
  if (!isProcessAlive(pid)) return null;
  // A pid reused by an unrelated process after a crash is not an owner.
  const commandLine = processCommandLine(pid);
  return commandLine === null || /node|bbfn/.test(commandLine) ? pid : null;
}
