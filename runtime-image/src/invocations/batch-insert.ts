import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { checkout, releaseSession } from '../ctx/db-session.ts';
import { type BatchRow, batchRows, insertBatchRows, type WriteBatch } from './batch-rows.ts';
import { copyTextRow } from './copy-text.ts';
import type { LogLine } from './types.ts';

/**
 * A batch goes in as one transaction, all or nothing: a row per function in
 * butterbase.invocation_batches (its records as one text value, see
 * V004__invocation_batches.sql), and the console lines with COPY, the cheapest way to
 * store them one row each. `synchronous_commit` is off for it: the commit does not wait
 * for the WAL flush, so a database crash can lose the last fraction of a second of log
 * rows, never app data.
 */
const COPY_LINES = 'COPY butterbase.invocation_logs (invocation_id, seq, at, level, message) FROM STDIN';

/**
 * The lines with ON CONFLICT DO NOTHING, for a retried batch (when a COPY committed
 * but its answer was lost with the connection, the retry collides) and for pipelined
 * connections, which cannot COPY.
 */
const INSERT_LINES_IGNORING_DUPLICATES = `
INSERT INTO butterbase.invocation_logs (invocation_id, seq, at, level, message)
SELECT * FROM json_to_recordset($1::json) AS l(
  "invocationId" uuid, "seq" int, "at" timestamptz, "level" text, "message" text
)
ON CONFLICT (invocation_id, seq) DO NOTHING`;

const UNIQUE_VIOLATION = '23505';

function lineRow(l: LogLine): string {
  return copyTextRow([l.invocationId, l.seq, l.at, l.level, l.message]);
}

async function copyLines(client: pg.PoolClient, lines: readonly LogLine[]): Promise<void> {
  await pipeline(Readable.from([lines.map(lineRow).join('')]), client.query(copyFrom(COPY_LINES)));
}

async function insertLinesIgnoringDuplicates(
  client: pg.PoolClient,
  lines: readonly LogLine[],
): Promise<void> {
  await client.query(INSERT_LINES_IGNORING_DUPLICATES, [JSON.stringify(lines)]);
}

async function inTransaction(
  client: pg.PoolClient,
  rows: readonly BatchRow[],
  lines: readonly LogLine[],
  writeLines: (client: pg.PoolClient, lines: readonly LogLine[]) => Promise<void>,
): Promise<void> {
  await client.query('BEGIN; SET LOCAL synchronous_commit = off');
  try {
    if (rows.length > 0) {
      const { text, values } = insertBatchRows(rows);
      await client.query(text, values);
    }
    if (lines.length > 0) await writeLines(client, lines);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

export async function insertBatch(pool: pg.Pool, batch: WriteBatch): Promise<void> {
  const rows = batchRows(batch);
  // checkout() listens for the connection's errors while it is out of the pool (a
  // server restart mid-COPY must not be an unhandled 'error' event).
  const session = await checkout(pool);
  const { client } = session;
  let failure: unknown;
  try {
    // COPY cannot share a pipelined connection (createLogPool makes plain ones).
    if ((client as pg.PoolClient & { pipeline?: boolean }).pipeline) {
      await inTransaction(client, rows, batch.lines, insertLinesIgnoringDuplicates);
      return;
    }
    try {
      await inTransaction(client, rows, batch.lines, copyLines);
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      await inTransaction(client, rows, batch.lines, insertLinesIgnoringDuplicates);
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    // A connection that broke or is still inside a transaction is not reused.
    releaseSession(session, failure);
  }
}
