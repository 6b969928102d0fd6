-- The seed's `ctx.idempotency.claim()` store. Its shape is part of the user contract:
-- the seed tells developers to clean it up themselves with
--   DELETE FROM _idempotency_keys WHERE expires_at < now();
-- so it lives in `public` (on the default search_path) under exactly this name.
CREATE TABLE IF NOT EXISTS public._idempotency_keys (
  scope text NOT NULL DEFAULT 'default',
  key text NOT NULL,
  claimed_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NULL,
  PRIMARY KEY (scope, key)
);

-- Keeps that cleanup an index scan however many permanent claims pile up.
CREATE INDEX IF NOT EXISTS _idempotency_keys_expires_at_idx
  ON public._idempotency_keys (expires_at)
  WHERE expires_at IS NOT NULL;
