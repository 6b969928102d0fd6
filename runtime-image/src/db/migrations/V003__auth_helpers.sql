-- Helpers for the app's RLS policies, e.g.
--   CREATE POLICY own_rows ON todos USING (owner_id = butterbase.user_id());
-- `ctx.db` sets `request.jwt.claims` (transaction-local) to the verified JWT's claims
-- for user calls and to '{}' for anonymous and service calls.
--
-- Plain STABLE SQL without SET clauses so the planner can inline them into policies;
-- every name is schema-qualified instead, so a caller's search_path cannot redirect them.
CREATE OR REPLACE FUNCTION butterbase.claims() RETURNS jsonb
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT coalesce(nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::jsonb, '{}'::jsonb)
  $$;

CREATE OR REPLACE FUNCTION butterbase.user_id() RETURNS text
  LANGUAGE sql STABLE PARALLEL SAFE
  AS $$
    SELECT nullif(butterbase.claims() ->> 'sub', '')
  $$;

COMMENT ON FUNCTION butterbase.claims() IS 'Claims of the verified JWT of the current ctx.db call; {} when anonymous or service';
COMMENT ON FUNCTION butterbase.user_id() IS 'The JWT sub of the current ctx.db call (ctx.user.id); null when anonymous or service';
