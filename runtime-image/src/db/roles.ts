/**
 * The two Postgres roles a function's queries run as (DESIGN.md, "Names"): the one
 * home of their default names. The admin and the sandboxes' login (authenticator.ts)
 * are members of both and switch per transaction with `set_config('role', …, true)`.
 */
export interface DatabaseRoles {
  /** End-user calls (JWT) and anonymous calls: RLS enforced. */
  user: string;
  /** Platform API key and cron calls: RLS bypassed. */
  service: string;
}

export const DEFAULT_DATABASE_ROLES: Readonly<DatabaseRoles> = Object.freeze({
  user: 'butterbase_user',
  service: 'butterbase_service',
});

// Plain lower-case identifiers only: the names end up in DDL and inside PL/pgSQL
// bodies, and a name that needs no quoting cannot smuggle SQL into either.
const ROLE_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

/** Fills in the defaults and rejects names that are not plain identifiers. */
export function resolveDatabaseRoles(roles?: Partial<DatabaseRoles>): DatabaseRoles {
  const resolved = { ...DEFAULT_DATABASE_ROLES, ...roles };
  for (const [which, name] of Object.entries(resolved)) {
    if (typeof name !== 'string' || !ROLE_NAME.test(name)) {
      throw new TypeError(
        `Database role name for "${which}" must match ${ROLE_NAME} (got ${JSON.stringify(name)})`,
      );
    }
  }
  if (resolved.user === resolved.service) {
    throw new TypeError('The user and service database roles must be different roles');
  }
  return resolved;
}
