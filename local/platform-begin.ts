import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { statManifests } from './manifests/find-files.ts';
import { lockDataDir } from './platform-state.ts';
import { type RunningPostgres, startEmbeddedPostgres } from './postgres/embedded-postgres.ts';
import { stopStalePostgres } from './postgres/stale-server.ts';

/** A start under way: the data directory held, its Postgres starting. */
export interface BegunPlatform {
  postgres: Promise<RunningPostgres>;
  /** Undoes it, for a start that fails later: Postgres stopped, then the directory let go. */
  abandon(): Promise<void>;
}

/**
 * The first steps of a local platform start, on modules light enough to load at once:
 * the manifests' directory checked, the data directory locked (one platform per data
 * directory, taken before anything else touches it), an earlier run's orphaned Postgres
 * stopped, and Postgres started without waiting for it. `bbfn start` runs these before it
 * loads the rest of the platform, so Postgres starts (in its own processes) while the
 * main thread loads the platform's modules: both took ~200–400 ms, one after the other.
 */
export async function beginLocalPlatform(options: {
  manifestsDir: string;
  dataDir: string;
  print: (line: string) => void;
}): Promise<BegunPlatform> {
  // A missing directory fails before Postgres starts.
  await statManifests(options.manifestsDir);
  await mkdir(options.dataDir, { recursive: true });
  const lock = await lockDataDir(options.dataDir);
  try {
    const postgresDataDir = path.join(options.dataDir, 'postgres', 'data');
    const stale = await stopStalePostgres(postgresDataDir);
    if (stale !== null) options.print(`stopped the Postgres (pid ${stale}) that an earlier run left running`);
    options.print('starting embedded Postgres…');
    const postgres = startEmbeddedPostgres({ dataDir: postgresDataDir, persistent: true });
    postgres.catch(() => {}); // Awaited by the platform; a start that fails first must not leave it unheard.
    return {
      postgres,
      abandon: async () => {
        await postgres.then(
          (running) => running.stop(),
          () => {},
        );
        await lock.release();
      },
    };
  } catch (error) {
    await lock.release();
    throw error;
  }
}
