import pg from 'pg';
import { isRefusedName, preparedName } from './prepared-names.ts';

/**
 * A handler's statement preceded by the statements that set its role and claims, all
 * sent on the extended protocol before one Sync, so Postgres runs them as one implicit
 * transaction and answers once (one ReadyForQuery), where BEGIN…; statement; COMMIT
 * on three Syncs made the backend finish three protocol cycles and the client parse
 * and dispatch three replies.
 *
 * Why this is safe (each point has a test in db-one-sync.test.ts):
 * - Until the Sync, everything is one transaction: `SET LOCAL` holds for the statement
 *   and is undone at the Sync, committed or not.
 * - After an error Postgres skips every message up to the Sync: a failed setting means
 *   the statement never runs, so it can never run without its role.
 * - A failed statement rolls the transaction back at the Sync, and the connection is
 *   idle ('I') again for the next caller with nothing to send. A statement that leaves
 *   a transaction open (`BEGIN`) shows as 'T' in the ReadyForQuery, and releaseSession
 *   then discards the connection.
 */

/** Raised when one of the settings failed: the platform's setup, never the handler's SQL. */
export class SettingsFailed extends Error {
  constructor(cause: unknown) {
    super('The role and claims of a ctx.db query could not be set', { cause });
    this.name = 'SettingsFailed';
  }
}

/** The parts of pg's wire connection a Submittable writes with (pg-cursor uses the same). */
interface WireConnection {
  parse(message: { text: string }): void;
  bind(message: Record<string, never>): void;
  execute(message: Record<string, never>): void;
  stream: { cork?: () => void; uncork?: () => void };
}

/**
 * pg.Query's hooks as the client calls them: `submit` writes the query, the handlers
 * receive the server's replies for it. Declared here because @types/pg leaves them out.
 */
interface QueryHooks {
  submit(connection: WireConnection): Error | null | undefined;
  handleCommandComplete(message: unknown, connection: WireConnection): void;
  handleError(error: Error, connection: WireConnection): void;
}

type QueryCallback = (error: Error | null, result: pg.QueryResult) => void;
const PgQuery = pg.Query as unknown as new (
  config: pg.QueryConfig & { callback: QueryCallback },
) => QueryHooks;

class RoleStatement extends PgQuery {
  readonly #settings: readonly string[];
  /** Replies still due to the settings; the replies after them are the statement's. */
  #settingsPending: number;
  /** Set while pg writes the statement: an error then (a parameter it cannot encode) is the statement's. */
  #writingStatement = false;

  constructor(settings: readonly string[], statement: pg.QueryConfig, callback: QueryCallback) {
    super({ ...statement, callback });
    this.#settings = settings;
    this.#settingsPending = settings.length;
  }

  override submit(connection: WireConnection): Error | null | undefined {
    // Corked so that the settings and the statement (which pg corks on its own) leave in one write.
    connection.stream.cork?.();
    try {
      for (const text of this.#settings) {
        // Unnamed statement and portal, no parameters: each is replaced by the next.
        connection.parse({ text });
        connection.bind({});
        connection.execute({});
      }
      // The statement's Parse/Bind/Describe/Execute, then the one Sync.
      this.#writingStatement = true;
      return super.submit(connection);
    } finally {
      this.#writingStatement = false;
      connection.stream.uncork?.();
    }
  }

  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    if (this.#settingsPending > 0) {
      this.#settingsPending -= 1;
      return;
    }
    super.handleCommandComplete(message, connection);
  }

  override handleError(error: Error, connection: WireConnection): void {
    const settingsFailed = this.#settingsPending > 0 && !this.#writingStatement;
    super.handleError(settingsFailed ? new SettingsFailed(error) : error, connection);
  }
}

function send(
  client: pg.ClientBase,
  settings: readonly string[],
  statement: pg.QueryConfig,
): Promise<pg.QueryResult> {
  return new Promise((resolve, reject) => {
    const query = new RoleStatement(settings, statement, (error, result) =>
      error ? reject(error) : resolve(result),
    );
    client.query(query as unknown as pg.Submittable);
  });
}

/**
 * Runs `statement` (extended protocol) after `settings` (each one statement without
 * parameters), in one transaction and one round trip, as a statement prepared on this
 * connection when it has been seen on it before (prepared-names.ts). Rejects with
 * SettingsFailed when a setting failed or nothing could be sent, with the statement's
 * own error otherwise.
 */
export async function queryWithSettings(
  client: pg.ClientBase,
  settings: readonly string[],
  statement: pg.QueryConfig,
): Promise<pg.QueryResult> {
  const prepared = preparedName(client, statement.text);
  try {
    const result = await send(client, settings, { ...statement, name: prepared.name });
    prepared.confirm();
    return result;
  } catch (error) {
    if (!isRefusedName(prepared, error)) throw error;
    // Refused at Parse or Bind, before it ran, and rolled back at the Sync: send it again unnamed.
    prepared.forget();
    return await send(client, settings, statement);
  }
}
