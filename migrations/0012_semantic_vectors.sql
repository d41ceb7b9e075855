-- Sentence-encoder models, imported by an operator: the file's bytes once per sha256, so every
-- server of a deployment loads the same model without importing it again. Which model is in use
-- is said by the latest `EncoderModelImported` event.
CREATE TABLE model_files (
    sha256      TEXT        PRIMARY KEY,
    name        TEXT        NOT NULL,
    bytes       BYTEA       NOT NULL,
    imported_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The knowledge texts' vectors: a projection of the knowledge events through a model. `text_sha256`
-- is the hash of the text embedded, so a revised text is embedded again and an unchanged one never.
-- `seq` grows with every write, so each server loads only what is new since it last looked.
CREATE SEQUENCE knowledge_vectors_seq;
CREATE TABLE knowledge_vectors (
    model_sha256 TEXT   NOT NULL,
    document_id  TEXT   NOT NULL,
    text_sha256  TEXT   NOT NULL,
    vector       BYTEA  NOT NULL,
    seq          BIGINT NOT NULL DEFAULT nextval('knowledge_vectors_seq'),
    PRIMARY KEY (model_sha256, document_id)
);
CREATE INDEX knowledge_vectors_by_seq ON knowledge_vectors (model_sha256, seq);
