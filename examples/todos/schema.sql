-- The todos example's table (also in examples/app.yaml's spec.database.migrations,
-- which is how the platform creates it). Every row belongs to the user who created
-- it: the policies compare owner_id with butterbase.user_id(), the JWT `sub` of the
-- ctx.db call, so a user's queries see and change only their own rows. The service
-- role (API key, cron) bypasses RLS.
CREATE TABLE IF NOT EXISTS todos (
  id bigserial PRIMARY KEY,
  owner_id text NOT NULL DEFAULT butterbase.user_id(),
  title text NOT NULL,
  done boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now()
);
ALTER TABLE todos ENABLE ROW LEVEL SECURITY;
DROP POLICY IF EXISTS todos_select_own ON todos;
CREATE POLICY todos_select_own ON todos FOR SELECT USING (owner_id = butterbase.user_id());
DROP POLICY IF EXISTS todos_insert_own ON todos;
CREATE POLICY todos_insert_own ON todos FOR INSERT WITH CHECK (owner_id = butterbase.user_id());
DROP POLICY IF EXISTS todos_update_own ON todos;
CREATE POLICY todos_update_own ON todos FOR UPDATE
  USING (owner_id = butterbase.user_id()) WITH CHECK (owner_id = butterbase.user_id());
DROP POLICY IF EXISTS todos_delete_own ON todos;
CREATE POLICY todos_delete_own ON todos FOR DELETE USING (owner_id = butterbase.user_id());
