import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { checkout, releaseSession } from '../ctx/db-session.ts';
import { type BatchRow, batchRows, insertBatchRows, type WriteBatch } from './batch-rows.ts';
import { copyTextRow } from './copy-text.ts';
import type { LogLine } from './types.ts';

/**
 * A batch goes in all or nothing: a row per function in butterbase.invocation_batches
 * (its records as one text value, see V004__invocation_batches.sql), and the console
 * lines with COPY, the cheapest way to store them one row each, in one transaction.
 * Records alone are one statement: BEGIN, a SET LOCAL and COMMIT around it cost
 * Postgres a fifth to a third more CPU per batch (measured in isolation, 400 records:
 * ~870–1,000 µs against ~600–800), and the main thread two more round trips. The log pool's
 * sessions don't wait for the WAL flush (db/pool.ts `createLogPool`).
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

async function writeRowsAndLines(
  client: pg.PoolClient,
  rows: readonly BatchRow[],
  lines: readonly LogLine[],
  writeLines: (client: pg.PoolClient, lines: readonly LogLine[]) => Promise<void>,
): Promise<void> {
  const insert = rows.length > 0 ? insertBatchRows(rows) : null;
  if (lines.length === 0) {
    // Records alone: one statement, which commits by itself or leaves nothing behind.
    if (insert) await client.query(insert.text, insert.values);
    return;
  }
  await client.query('BEGIN');
  try {
    if (insert) await client.query(insert.text, insert.values);
    await writeLines(client, lines);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  }
}

/** `ignoreDuplicates`: lines may be stored already (a spool replay), so skip COPY. */
export async function insertBatch(
  pool: pg.Pool,
  batch: WriteBatch,
  { ignoreDuplicates = false } = {},
): Promise<void> {
  const rows = batchRows(batch);
  // checkout() listens for the connection's errors while it is out of the pool (a
  // server restart mid-COPY must not be an unhandled 'error' event).
  const session = await checkout(pool);
  const { client } = session;
  let failure: unknown;
  try {
    // COPY cannot share a pipelined connection (createLogPool makes plain ones).
    if (ignoreDuplicates || (client as pg.PoolClient & { pipeline?: boolean }).pipeline) {
      await writeRowsAndLines(client, rows, batch.lines, insertLinesIgnoringDuplicates);
      return;
    }
    try {
      await writeRowsAndLines(client, rows, batch.lines, copyLines);
    } catch (error) {
      if ((error as { code?: unknown }).code !== UNIQUE_VIOLATION) throw error;
      await writeRowsAndLines(client, rows, batch.lines, insertLinesIgnoringDuplicates);
    }
  } catch (error) {
    failure = error;
    throw error;
  } finally {
    // A connection that broke or is still inside a transaction is not reused.
    releaseSession(session, failure);
  }
}
