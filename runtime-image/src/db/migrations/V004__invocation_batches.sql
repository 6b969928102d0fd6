-- Invocation records are stored one row per written batch and function instead of one
-- row per invocation: a row with its three indexes cost Postgres ~18 µs of CPU per
-- invocation, the largest share of a busy host's database work. Read them through the
-- view butterbase.invocations below, or as the host does (runtime-image/src/invocations).
CREATE TABLE butterbase.invocation_batches (
  -- A UUIDv7 chosen by the writer before its first attempt: a retried batch whose first
  -- commit went through (the answer lost with the connection) conflicts instead of
  -- being stored twice.
  id uuid PRIMARY KEY,
  app_id text NOT NULL,
  function_name text NOT NULL,
  -- Range of the records' started_at: the batches overlap when several hosts write.
  first_started_at timestamptz NOT NULL,
  last_started_at timestamptz NOT NULL,
  record_count integer NOT NULL,
  -- A JSON array with one array per invocation, by position:
  --   [id, function_id, revision, trigger, user_id, method, path, status_code, outcome,
  --    error_code, error_message, started_at (ISO 8601), duration_ms]
  -- Fields added later go at the end (->> past the end reads NULL). Plain text: the
  -- writer's JSON.stringify output needs no validation, and parsing it into json or
  -- jsonb on the way in would cost more than everything else about the insert.
  records text NOT NULL
);

-- Out of line without compression: pglz cost about twice the rest of the insert, and
-- the uncompressed batches still take less space than the rows and indexes they replace.
ALTER TABLE butterbase.invocation_batches ALTER COLUMN records SET STORAGE EXTERNAL;

-- Newest first per function and per app (scanned backwards), and by time for an id,
-- whose UUIDv7 carries its time.
CREATE INDEX invocation_batches_app_function_last_idx
  ON butterbase.invocation_batches (app_id, function_name, last_started_at, id);
CREATE INDEX invocation_batches_app_last_idx
  ON butterbase.invocation_batches (app_id, last_started_at, id);

-- The rows stored so far, in batches of up to 500 per function as the writer makes them.
INSERT INTO butterbase.invocation_batches
  (id, app_id, function_name, first_started_at, last_started_at, record_count, records)
SELECT
  gen_random_uuid(), app_id, function_name, min(started_at), max(started_at), count(*),
  json_agg(
    json_build_array(
      id, function_id, revision, trigger, user_id, method, path, status_code, outcome,
      error_code, error_message,
      to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'), duration_ms
    )
    ORDER BY started_at, id
  )::text
FROM (
  SELECT *, (row_number() OVER (PARTITION BY app_id, function_name ORDER BY started_at, id) - 1) / 500 AS chunk
  FROM butterbase.invocations
) AS numbered
GROUP BY app_id, function_name, chunk;

DROP TABLE butterbase.invocations;

-- The old table's columns and types, one row per invocation, for SQL written against
-- it. It unnests every batch of the app: filters on it scan the whole history, so the
-- host's own queries go to the batches through their indexes instead.
CREATE VIEW butterbase.invocations AS
SELECT
  (r ->> 0)::uuid AS id,
  b.app_id,
  b.function_name,
  r ->> 1 AS function_id,
  r ->> 2 AS revision,
  r ->> 3 AS trigger,
  r ->> 4 AS user_id,
  r ->> 5 AS method,
  r ->> 6 AS path,
  (r ->> 7)::integer AS status_code,
  r ->> 8 AS outcome,
  r ->> 9 AS error_code,
  r ->> 10 AS error_message,
  (r ->> 11)::timestamptz AS started_at,
  (r ->> 12)::double precision AS duration_ms
FROM butterbase.invocation_batches AS b
CROSS JOIN LATERAL json_array_elements(b.records::json) AS r;

-- Platform-owned like the table they replace; R__roles_and_grants.sql also revokes the
-- function roles' privileges, whatever default privileges exist.
REVOKE ALL ON butterbase.invocation_batches, butterbase.invocations FROM PUBLIC;
