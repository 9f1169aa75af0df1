-- Hardening (issue 11). Forward-only: once shipped, never edit this file.
--
-- Sessions live in an encrypted cookie, so the server cannot delete one. Each cookie carries the
-- user's session_version from when it was issued; logging out (or disconnecting Spotify, or
-- deleting the account) bumps the version, and every cookie issued before stops working on all
-- instances at once.
ALTER TABLE users ADD COLUMN session_version integer NOT NULL DEFAULT 0;
