import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres } from '../../local/postgres/embedded-postgres.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Superuser URL of the real PostgreSQL server this test run started. */
    postgresUrl: string;
  }
}

/** One real PostgreSQL server per test run; each suite creates its own database in it. */
export default async function setup(project: TestProject) {
  const root = await mkdtemp(path.join(tmpdir(), 'bbfn-test-pg-'));
  const pg = await startEmbeddedPostgres({ dataDir: path.join(root, 'data') });
  project.provide('postgresUrl', pg.url);
  return async () => {
    console.error('core: stopping the test Postgres');
    await pg.stop();
    await rm(root, { recursive: true, force: true });
  };
}
