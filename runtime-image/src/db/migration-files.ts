import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import pg from 'pg';
import type { DatabaseRoles } from './roles.ts';

/**
 * The SQL files under ./migrations, Flyway-style:
 * - `V<number>__<name>.sql` run once each, in number order, and never change
 *   (they name no role, so they are the same for every deployment);
 * - `R__<name>.sql` run after them whenever their rendered text changes, which is
 *   how role names from configuration and the admin role reach the grants.
 */
export interface Migration {
  /** `V001__idempotency_keys` or `R__roles_and_grants`: the key in schema_migrations. */
  version: string;
  repeatable: boolean;
  sql: string;
  /** sha256 of the rendered SQL: a repeatable migration re-runs when it differs. */
  checksum: string;
}

const MIGRATIONS_DIR = new URL('./migrations/', import.meta.url);
const FILE_NAME = /^(V(\d+)|R)__([a-z0-9_]+)\.sql$/;
const PLACEHOLDER = /\{\{(\w+)\}\}/g;

interface MigrationFile {
  version: string;
  order: number;
  repeatable: boolean;
  template: string;
}

let files: Promise<MigrationFile[]> | undefined;

async function readMigrationFiles(): Promise<MigrationFile[]> {
  const names = (await readdir(MIGRATIONS_DIR)).filter((name) => name.endsWith('.sql'));
  const parsed = await Promise.all(
    names.map(async (name) => {
      const match = FILE_NAME.exec(name);
      if (!match)
        throw new Error(`Migration file ${name} is not named V<number>__<name>.sql or R__<name>.sql`);
      const repeatable = match[1] === 'R';
      return {
        version: name.slice(0, -'.sql'.length),
        // Repeatables run after every versioned migration, in name order among themselves.
        order: repeatable ? Number.POSITIVE_INFINITY : Number(match[2]),
        repeatable,
        template: await readFile(new URL(name, MIGRATIONS_DIR), 'utf8'),
      };
    }),
  );
  return parsed.sort((a, b) => a.order - b.order || a.version.localeCompare(b.version));
}

/** The migrations with their placeholders filled in for these roles, this admin and its sandbox login. */
export async function loadMigrations(
  roles: DatabaseRoles,
  adminRole: string,
  authenticatorRole: string,
): Promise<Migration[]> {
  files ??= readMigrationFiles().catch((error: unknown) => {
    files = undefined;
    throw error;
  });
  const values: Record<string, string> = {
    user: pg.escapeIdentifier(roles.user),
    service: pg.escapeIdentifier(roles.service),
    admin: pg.escapeIdentifier(adminRole),
    authenticator: pg.escapeIdentifier(authenticatorRole),
    authenticator_literal: pg.escapeLiteral(authenticatorRole),
    user_literal: pg.escapeLiteral(roles.user),
    service_literal: pg.escapeLiteral(roles.service),
  };
  return (await files).map((file) => {
    const sql = file.template.replace(PLACEHOLDER, (whole, name: string) => {
      const value = values[name];
      if (value === undefined) throw new Error(`Unknown placeholder ${whole} in migration ${file.version}`);
      return value;
    });
    const checksum = createHash('sha256').update(sql).digest('hex');
    return { version: file.version, repeatable: file.repeatable, sql, checksum };
  });
}
