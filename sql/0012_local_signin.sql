-- 0012_local_signin.sql: one-time sign-in links for the local stack (`platformctl signin-link
-- LOGIN`, honoured by POST /api/auth/local only with PLATFORM_LOCAL_SIGNIN=1). Only the SHA-256
-- of a code is stored; a code is deleted when it is used, and expired ones go when the next is
-- made.
CREATE TABLE local_signin_codes (
    code_hash       bytea PRIMARY KEY,
    user_id         text NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL
);
CREATE INDEX local_signin_codes_expiry_idx ON local_signin_codes (expires_at);
