import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { BbfnError } from '../../runtime-image/src/errors.ts';
import { isProcessAlive, processCommandLine } from '../process/process-alive.ts';

/**
 * A `bbfn start` that is SIGKILLed never runs its shutdown, so its Postgres keeps
 * running on the data directory, orphaned, and a new server cannot start there. Postgres
 * names its postmaster in `postmaster.pid` (first line). Called once the caller holds the
 * data directory's lock, so a live server there belongs to no running platform: it is
 * stopped (fast shutdown, as `pg_ctl stop` does) before a new one starts.
 *
 * Returns the pid stopped, or null when there was none. A `postmaster.pid` whose pid is
 * gone is left to Postgres, which replaces a stale one itself.
 */
export async function stopStalePostgres(dataDir: string): Promise<number | null> {
  const text = await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8').catch(() => null);
  if (text === null) return null;
  const pid = Number.parseInt(text.split('\n')[0] ?? '', 10);
  if (!isProcessAlive(pid)) return null;
  const commandLine = processCommandLine(pid);
  // The pid was reused by something else: not ours to stop.
  if (commandLine !== null && !commandLine.includes('postgres')) return null;
  for (const [signal, waitMs] of [
    ['SIGINT', 30_000], // fast shutdown: roll back, checkpoint, exit
    ['SIGQUIT', 10_000], // immediate shutdown: crash recovery at the next start
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return pid;
      throw new BbfnError(
        'LOCAL_POSTGRES_FAILED',
        `a Postgres left running by an earlier run (pid ${pid}) holds ${dataDir}, and it cannot be stopped: ${(error as Error).message}`,
        { cause: error },
      );
    }
    if (await exited(pid, waitMs)) return pid;
  }
  throw new BbfnError(
    'LOCAL_POSTGRES_FAILED',
    `a Postgres left running by an earlier run (pid ${pid}) holds ${dataDir} and did not stop on SIGINT or SIGQUIT; stop it (kill -9 ${pid}) and start again`,
  );
}

async function exited(pid: number, waitMs: number): Promise<boolean> {
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (!isProcessAlive(pid)) return true;
    await sleep(50);
  }
  return !isProcessAlive(pid);
}
