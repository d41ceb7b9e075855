-- The key of the pseudonyms in analysts' exports (`hijraah events export --format parquet`): one
-- per deployment, made on the first export, replaced by `--rotate-key`. An id's pseudonym is
-- HMAC-SHA-256 under it, so exports of one deployment agree with each other and with nothing else.
-- Analysts' read-only roles (the `analytics` schema) cannot read it.
CREATE TABLE export_key (
    id         BOOLEAN     PRIMARY KEY DEFAULT true CHECK (id),
    key        BYTEA       NOT NULL CHECK (octet_length(key) >= 32),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
