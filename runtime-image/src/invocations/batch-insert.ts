import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { checkout, releaseSession } from '../ctx/db-session.ts';
import { copyTextRow } from './copy-text.ts';
import type { InvocationRecord, LogLine } from './types.ts';

/**
 * A batch goes in with COPY, the cheapest way into Postgres: under load the invocation
 * store is the heaviest thing the database does for a host (COPY halved its cost per
 * row against a multi-row INSERT). Both tables in one transaction, all or nothing.
 * `synchronous_commit` is off for it: the commit does not wait for the WAL flush, so a
 * database crash can lose the last fraction of a second of log rows, never app data.
 */
const COPY_INVOCATIONS = `COPY butterbase.invocations (
  id, app_id, function_name, function_id, revision, trigger, user_id, method, path,
  status_code, outcome, error_code, error_message, started_at, duration_ms
) FROM STDIN`;
const COPY_LINES = 'COPY butterbase.invocation_logs (invocation_id, seq, at, level, message) FROM STDIN';

/**
 * The same rows with ON CONFLICT DO NOTHING, for a retried batch (when a COPY
 * committed but its answer was lost with the connection, the retry collides) and for
 * pipelined connections, which cannot COPY.
 */
const INSERT_IGNORING_DUPLICATES = `
WITH inserted_invocations AS (
  INSERT INTO butterbase.invocations (
    id, app_id, function_name, function_id, revision, trigger, user_id, method, path,
    status_code, outcome, error_code, error_message, started_at, duration_ms
  )
  SELECT * FROM json_to_recordset($1::json) AS r(
    "id" uuid, "appId" text, "functionName" text, "functionId" text, "revision" text,
    "trigger" text, "userId" text, "method" text, "path" text, "statusCode" int,
    "outcome" text, "errorCode" text, "errorMessage" text, "startedAt" timestamptz, "durationMs" float8
  )
  ON CONFLICT (id) DO NOTHING
  RETURNING 1
), inserted_lines AS (
  INSERT INTO butterbase.invocation_logs (invocation_id, seq, at, level, message)
  SELECT * FROM json_to_recordset($2::json) AS l(
    "invocationId" uuid, "seq" int, "at" timestamptz, "level" text, "message" text
  )
  ON CONFLICT (invocation_id, seq) DO NOTHING
  RETURNING 1
)
SELECT count(*) FROM inserted_invocations`;

const UNIQUE_VIOLATION = '23505';

function invocationRow(r: InvocationRecord): string {
  return copyTextRow([
    r.id,
    r.appId,
    r.functionName,
    r.functionId,
    r.revision,
    r.trigger,
    r.userId,
    r.method,
    r.path,
    r.statusCode,
    r.outcome,
    r.errorCode,
    r.errorMessage,
    r.startedAt,
    r.durationMs,
  ]);
}

function lineRow(l: LogLine): string {
  return copyTextRow([l.invocationId, l.seq, l.at, l.level, l.message]);
}

async function copyIn(client: pg.PoolClient, sql: string, text: string): Promise<void> {
  await pipeline(Readable.from([text]), client.query(copyFrom(sql)));
}

async function copyBatch(
  client: pg.PoolClient,
  records: readonly InvocationRecord[],
  lines: readonly LogLine[],
): Promise<void> {
  await client.query('BEGIN; SET LOCAL synchronous_commit = off');
  try {
    if (records.length > 0) await copyIn(client, COPY_INVOCATIONS, records.map(invocationRow).join(''));
    if (lines.length > 0) await copyIn(client, COPY_LINES, lines.map(lineRow).join(''));
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

function insertIgnoringDuplicates(
  client: pg.PoolClient,
  records: readonly InvocationRecord[],
  lines: readonly LogLine[],
): Promise<unknown> {
  return client.query(INSERT_IGNORING_DUPLICATES, [JSON.stringify(records), JSON.stringify(lines)]);
}

export async function insertBatch(
  pool: pg.Pool,
  records: readonly InvocationRecord[],
  lines: readonly LogLine[],
): Promise<void> {
  // checkout() listens for the connection's errors while it is out of the pool (a
  // server restart mid-COPY must not be an unhandled 'error' event).
  const session = await checkout(pool);
  const { client } = session;
  let failure: unknown;
  try {
    // COPY cannot share a pipelined connection (createLogPool makes plain ones).
    if ((client as pg.PoolClient & { pipeline?: boolean }).pipeline) {
      await insertIgnoringDuplicates(client, records, lines);
      return;
    }
    try {
      await copyBatch(client, records, lines);
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      await insertIgnoringDuplicates(client, records, lines);
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    // A connection that broke or is still inside a transaction is not reused.
    releaseSession(session, failure);
  }
}
