import type pg from 'pg';
import type { InvocationRecord, LogLine } from './types.ts';

/**
 * Both tables in one statement (one round trip, all or nothing), one array parameter
 * per column. ON CONFLICT DO NOTHING makes a retry harmless when a batch committed
 * but its answer was lost with the connection.
 */
const INSERT_BATCH = `
WITH inserted_invocations AS (
  INSERT INTO butterbase.invocations (
    id, app_id, function_name, function_id, revision, trigger, user_id, method, path,
    status_code, outcome, error_code, error_message, started_at, duration_ms
  )
  SELECT * FROM unnest(
    $1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
    $10::int[], $11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::float8[]
  )
  ON CONFLICT (id) DO NOTHING
  RETURNING 1
), inserted_lines AS (
  INSERT INTO butterbase.invocation_logs (invocation_id, seq, at, level, message)
  SELECT * FROM unnest($16::uuid[], $17::int[], $18::timestamptz[], $19::text[], $20::text[])
  ON CONFLICT (invocation_id, seq) DO NOTHING
  RETURNING 1
)
SELECT (SELECT count(*) FROM inserted_invocations)::int AS invocations,
       (SELECT count(*) FROM inserted_lines)::int AS lines`;

function column<T, V>(rows: readonly T[], pick: (row: T) => V): V[] {
  return rows.map(pick);
}

export async function insertBatch(
  pool: pg.Pool,
  records: readonly InvocationRecord[],
  lines: readonly LogLine[],
): Promise<void> {
  await pool.query(INSERT_BATCH, [
    column(records, (r) => r.id),
    column(records, (r) => r.appId),
    column(records, (r) => r.functionName),
    column(records, (r) => r.functionId),
    column(records, (r) => r.revision),
    column(records, (r) => r.trigger),
    column(records, (r) => r.userId),
    column(records, (r) => r.method),
    column(records, (r) => r.path),
    column(records, (r) => r.statusCode),
    column(records, (r) => r.outcome),
    column(records, (r) => r.errorCode),
    column(records, (r) => r.errorMessage),
    column(records, (r) => r.startedAt),
    column(records, (r) => r.durationMs),
    column(lines, (l) => l.invocationId),
    column(lines, (l) => l.seq),
    column(lines, (l) => l.at),
    column(lines, (l) => l.level),
    column(lines, (l) => l.message),
  ]);
}
