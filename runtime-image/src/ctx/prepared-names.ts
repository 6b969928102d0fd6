import type pg from 'pg';

/**
 * Which handler statements a pooled connection holds prepared, so that a text seen
 * before is sent as Bind/Execute only: Postgres then skips parsing, the RLS rewrite and
 * (once its generic plan wins) planning, ~120 µs of backend CPU a query in the db
 * bench. Postgres keeps the plan right across callers: a plan that depends on RLS is
 * rewritten again when the role differs, and the claims are read when it runs.
 *
 * Names are never reused on a connection: a first use that failed may or may not have
 * left its statement on the server, so it is abandoned rather than guessed at. A
 * connection prepares at most MAX_PREPARED names (abandoned ones count), then sends
 * the rest unnamed, so neither side's memory grows with the number of distinct texts.
 */
const MAX_PREPARED = 100;

interface ConnectionStatements {
  byText: Map<string, string>;
  namesUsed: number;
}

const registry = new WeakMap<pg.ClientBase, ConnectionStatements>();

function statementsOf(client: pg.ClientBase): ConnectionStatements {
  let statements = registry.get(client);
  if (!statements) {
    statements = { byText: new Map(), namesUsed: 0 };
    registry.set(client, statements);
  }
  return statements;
}

export interface PreparedName {
  name: string | undefined;
  /** True when the server already holds it: only then can it have gone stale. */
  reused: boolean;
  /** Call after the query succeeded: a new name is then known to be prepared. */
  confirm(): void;
  /** Call when the server no longer has it (DEALLOCATE by a handler) or it went stale (DDL). */
  forget(): void;
}

export function preparedName(client: pg.ClientBase, text: string): PreparedName {
  const statements = statementsOf(client);
  const known = statements.byText.get(text);
  if (known !== undefined) {
    return { name: known, reused: true, confirm() {}, forget: () => statements.byText.delete(text) };
  }
  if (statements.namesUsed >= MAX_PREPARED) {
    return { name: undefined, reused: false, confirm() {}, forget() {} };
  }
  statements.namesUsed += 1;
  const name = `bbfn_${statements.namesUsed}`;
  return { name, reused: false, confirm: () => statements.byText.set(text, name), forget() {} };
}

/**
 * Errors that concern the name, not the statement, all raised before it runs: the server
 * no longer has it (a handler's DEALLOCATE), Postgres refuses its cached plan after DDL
 * changed its result columns, or a new name is taken (a handler's own PREPARE bbfn_…).
 */
export function isRefusedName(prepared: PreparedName, error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (!prepared.reused) return prepared.name !== undefined && code === '42P05';
  if (code === '26000') return true;
  return (
    code === '0A000' &&
    typeof message === 'string' &&
    message.includes('cached plan must not change result type')
  );
}
