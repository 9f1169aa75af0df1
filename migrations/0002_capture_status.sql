-- Snapshot captures: how each user's captures are going, and the claim that makes the daily
-- schedule capture each user exactly once per day however many app instances run it.
-- Forward-only: once shipped, never edit this file.

CREATE TABLE capture_status (
  user_id           bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
  -- idle: nothing pending; queued: waiting for a worker; retrying: failed, another attempt is
  -- planned at next_run_at; deferred: Spotify asked us to wait (429) until next_run_at;
  -- failed: retries ran out; needs_reauth: the token was revoked, nothing runs until a new login.
  state             text NOT NULL DEFAULT 'idle'
                    CHECK (state IN ('idle', 'queued', 'retrying', 'deferred', 'failed', 'needs_reauth')),
  -- The last day the schedule claimed this user; the claim is a conditional update of this
  -- column, so concurrent schedulers cannot both claim one user for one day.
  scheduled_date    date,
  last_success_at   timestamptz,
  last_success_date date,
  -- Tracks stored per range by the last success, e.g. {"short_term": 50, "medium_term": 50, "long_term": 12}.
  last_result       jsonb,
  last_error        text,
  last_error_code   text,
  last_error_at     timestamptz,
  -- Failed attempts since the last success (drives the backoff).
  attempts          integer NOT NULL DEFAULT 0,
  next_run_at       timestamptz,
  updated_at        timestamptz NOT NULL DEFAULT now()
);
