import { readFileSync } from 'node:fs';

/**
 * Whether a process still runs. A zombie (exited, not yet reaped by whoever adopted it)
 * counts as gone: an orphaned Postgres whose new parent does not reap stays one.
 */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM: it exists, under another user.
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  const stat = readProc(pid, 'stat');
  // Field 3, after the parenthesised command name (which may itself hold spaces).
  return stat === null || stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

/** The process's command line with spaces between arguments, or null where /proc cannot tell. */
export function processCommandLine(pid: number): string | null {
  return readProc(pid, 'cmdline')?.replaceAll('\0', ' ').trim() ?? null;
}

function readProc(pid: number, file: string): string | null {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8');
  } catch {
    return null;
  }
}
