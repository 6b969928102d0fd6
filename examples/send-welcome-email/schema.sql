-- The outbox the send-welcome-email example writes to (also in examples/app.yaml's
-- spec.database.migrations, which is how the platform creates it). A mailer would
-- read unsent rows as the service role and set sent_at.
CREATE TABLE IF NOT EXISTS outbox (
  id bigserial PRIMARY KEY,
  requested_by text DEFAULT butterbase.user_id(),
  recipient text NOT NULL,
  sender text,
  template text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz
);
ALTER TABLE outbox ENABLE ROW LEVEL SECURITY;
-- End users may queue mail in their own name and read nothing; the service role
-- (API key, cron) bypasses RLS.
DROP POLICY IF EXISTS outbox_insert_own ON outbox;
CREATE POLICY outbox_insert_own ON outbox FOR INSERT
  WITH CHECK (requested_by IS NOT DISTINCT FROM butterbase.user_id());
