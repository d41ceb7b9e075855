-- #5: crypto-shredding and erasure.
--
-- Each user's data key, wrapped by the key-encryption key (whose fingerprint is kept so a
-- rotation knows what it has re-wrapped). Destroying a row erases that user's sealed content in
-- every copy of the log.
CREATE TABLE user_keys (
    user_id         text PRIMARY KEY,
    wrapped_key     bytea NOT NULL,
    kek_fingerprint text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Agent interactions know whose they are, so an erasure can delete them; the requests they
-- answer are kept in the projection itself rather than read back from the (sealed) log.
ALTER TABLE agent_interactions ADD COLUMN user_id text NOT NULL DEFAULT '';
CREATE INDEX agent_interactions_by_user ON agent_interactions (user_id);
CREATE TABLE agent_requests (
    request_message_id uuid PRIMARY KEY,
    conversation_id    uuid NOT NULL,
    user_id            text NOT NULL,
    input              jsonb NOT NULL
);
CREATE INDEX agent_requests_by_user ON agent_requests (user_id);
