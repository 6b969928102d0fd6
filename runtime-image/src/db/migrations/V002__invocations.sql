-- One row per invocation and one per captured console line, written in batches by
-- the host's main thread (runtime-image/src/invocations). Platform-owned: no
-- privileges for PUBLIC or the function roles (see R__roles_and_grants.sql).
CREATE TABLE IF NOT EXISTS butterbase.invocations (
  id uuid PRIMARY KEY,
  app_id text NOT NULL,
  function_name text NOT NULL,
  function_id text NOT NULL,
  revision text NOT NULL,
  -- 'http' | 'cron' | 'websocket'; no CHECK so a new trigger type needs no migration.
  trigger text NOT NULL,
  user_id text NULL,
  method text NULL,
  path text NULL,
  status_code integer NULL,
  -- 'ok' | 'error' | 'timeout' | …; the host owns the list (invocations/types.ts).
  outcome text NOT NULL,
  error_code text NULL,
  error_message text NULL,
  started_at timestamptz NOT NULL,
  duration_ms double precision NOT NULL
);

-- `bbfn logs <function>` and the management API list newest first per function,
-- or per app across its functions.
CREATE INDEX IF NOT EXISTS invocations_app_function_started_idx
  ON butterbase.invocations (app_id, function_name, started_at DESC);
CREATE INDEX IF NOT EXISTS invocations_app_started_idx
  ON butterbase.invocations (app_id, started_at DESC);

-- No foreign key to invocations: lines of background work (`ctx.waitUntil`) arrive
-- after the record, and lines of a crashed invocation may arrive without one.
CREATE TABLE IF NOT EXISTS butterbase.invocation_logs (
  invocation_id uuid NOT NULL,
  seq integer NOT NULL,
  at timestamptz NOT NULL,
  level text NOT NULL CHECK (level IN ('debug', 'info', 'warn', 'error')),
  message text NOT NULL,
  PRIMARY KEY (invocation_id, seq)
);
