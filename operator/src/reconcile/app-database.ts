import type { AppSpec } from '../../../api/v1alpha1/app.types.ts';
import { bootstrapAppDatabase } from '../../../runtime-image/src/db/app-bootstrap.ts';
import { failedMigrationOf } from '../../../runtime-image/src/db/app-migrations.ts';
import { isConnectionError } from '../../../runtime-image/src/db/connection-errors.ts';
import type { DatabaseOutcome } from './app-status.ts';

/** A server that does not answer must not hold up every other App's reconcile. */
const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Bootstraps an App's database with its admin connection (the platform's schema, the
 * roles, its authenticator, then spec.database.migrations once each, in order) and
 * says how that went. The database being down is an outcome, not a crash: the
 * controller reports it and tries again later.
 */
export async function bootstrapOutcome(adminUrl: string, spec: AppSpec): Promise<DatabaseOutcome> {
  try {
    const { migrations } = await bootstrapAppDatabase(adminUrl, {
      roles: spec.roles,
      migrations: spec.database.migrations ?? [],
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    });
    return { kind: 'ready', migrationsApplied: migrations.applied, ranNow: migrations.ranNow };
  } catch (error) {
    const failed = failedMigrationOf(error);
    if (failed) {
      return {
        kind: 'migrationFailed',
        migrationsApplied: failed.applied,
        index: failed.index,
        message: failed.message,
      };
    }
    if (isConnectionError(error)) return { kind: 'unavailable', message: connectionMessage(error) };
    return {
      kind: 'bootstrapFailed',
      message: `Bootstrapping the database failed: ${(error as Error).message}`,
    };
  }
}

/** The socket's or the server's own words (DATABASE_UNAVAILABLE wraps them as its cause). */
function connectionMessage(error: unknown): string {
  let inner = error as Error & { cause?: unknown };
  while (inner.cause instanceof Error) inner = inner.cause as Error & { cause?: unknown };
  const detail =
    inner instanceof AggregateError ? inner.errors.map((e: Error) => e.message).join('; ') : inner.message;
  return `The database cannot be reached: ${detail || inner.name}`;
}

/** An admin URL that cannot be a Postgres connection string: said in status rather than thrown by pg. */
export function invalidDatabaseUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:')
      return `The database URL must start with postgres:// (got ${url.protocol}//)`;
    return undefined;
  } catch {
    return 'The database URL is not a URL';
  }
}
