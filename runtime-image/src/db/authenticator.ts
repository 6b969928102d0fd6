/**
 * The login the sandboxes' `ctx.db` connections use. It is a member of the function
 * roles and holds no privilege of its own (NOINHERIT), as PostgREST's authenticator:
 * a handler that runs `RESET ROLE` lands on a role that can read nothing, instead of
 * on the admin login that owns the app's tables. The admin credentials never reach a
 * sandbox.
 *
 * One per app database (its name carries a hash of the database's name): roles are
 * cluster-wide, and apps whose databases share a Postgres server, under one admin or
 * several, must each have a login that can reach only their own database (the roles
 * migration grants CONNECT on the database to it alone). Its password is derived from
 * the admin credentials (HMAC), so the operator and every pod of an app compute the
 * same one without coordination; migrate() sets it.
 */
import { createHash, createHmac } from 'node:crypto';
import pg from 'pg';

const AUTHENTICATOR_PREFIX = 'butterbase_authenticator';

/** 28P01 invalid_password, 28000 invalid_authorization_specification (no such login). */
const LOGIN_REFUSED = new Set(['28P01', '28000']);

/** The user the admin connection string logs in as (pg falls back to PGUSER). */
function adminUser(url: URL): string {
  return decodeURIComponent(url.username) || process.env.PGUSER || '';
}

/** The database the connection string names (pg falls back to PGDATABASE, then the user name). */
function databaseName(url: URL): string {
  return decodeURIComponent(url.pathname.slice(1)) || process.env.PGDATABASE || adminUser(url);
}

/**
 * The sandboxes' login for this app database: `butterbase_authenticator_<16 hex>`. 64
 * bits of hash, so thousands of apps on one server do not collide by chance.
 */
export function authenticatorRole(adminUrl: string): string {
  const digest = createHash('sha256')
    .update(databaseName(new URL(adminUrl)))
    .digest('hex');
  return `${AUTHENTICATOR_PREFIX}_${digest.slice(0, 16)}`;
}

function derivedPassword(adminUrl: URL, role: string): string {
  const key = [adminUser(adminUrl), adminUrl.password, adminUrl.hostname, adminUrl.port].join('\n');
  return createHmac('sha256', key).update(`butterbase-functions ${role}`).digest('base64url');
}

/** The admin connection string with the authenticator's login in place of the admin's. */
export function authenticatorUrl(adminUrl: string): string {
  const url = new URL(adminUrl);
  const role = authenticatorRole(adminUrl);
  const password = derivedPassword(url, role);
  url.username = role;
  url.password = password;
  return url.toString();
}

async function canLogIn(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, application_name: 'butterbase-functions migrate' });
  client.on('error', () => {});
  try {
    await client.connect();
    return true;
  } catch (error) {
    if (LOGIN_REFUSED.has((error as { code?: string }).code ?? '')) return false;
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Gives the authenticator (created by the roles migration) its derived password,
 * unless it already logs in with it: most starts cost one login and no catalog write.
 */
export async function ensureAuthenticatorLogin(admin: pg.ClientBase, adminUrl: string): Promise<void> {
  const url = authenticatorUrl(adminUrl);
  if (await canLogIn(url)) return;
  // Both are URL-safe as derived (a hex-suffixed identifier, base64url).
  const { username: role, password } = new URL(url);
  const { rows } = await admin.query<{ sql: string }>(
    'SELECT format($$ALTER ROLE %I WITH LOGIN PASSWORD %L$$, $1::text, $2::text) AS sql',
    [role, password],
  );
  await admin.query(rows[0]!.sql);
}
