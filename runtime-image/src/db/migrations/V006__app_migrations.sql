-- The App's own migrations (App.spec.database.migrations) that have run, by their
-- position in the list: each runs once, in order (db/app-migrations.ts). The checksum
-- is the text that ran, so an entry edited after it ran can be told apart.
CREATE TABLE butterbase.app_migrations (
  position integer PRIMARY KEY CHECK (position >= 0),
  checksum text NOT NULL,
  applied_at timestamptz NOT NULL DEFAULT now()
);
