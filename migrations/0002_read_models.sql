-- Projection checkpoints: the (tx_id, position) pair of the last event each projection applied,
-- written in the same transaction as the read-model changes it covers.
CREATE TABLE projection_checkpoints (
    projection  TEXT   PRIMARY KEY,
    tx_id       xid8   NOT NULL DEFAULT '0',
    position    BIGINT NOT NULL DEFAULT 0,
    updated_at  TIMESTAMPTZ NOT NULL DEFAULT now()
);

CREATE TABLE users (
    user_id            TEXT        PRIMARY KEY,
    first_seen_at      TIMESTAMPTZ NOT NULL,
    last_seen_at       TIMESTAMPTZ NOT NULL,
    conversation_count BIGINT      NOT NULL DEFAULT 0,
    message_count      BIGINT      NOT NULL DEFAULT 0
);

CREATE TABLE conversations (
    conversation_id UUID        PRIMARY KEY,
    user_id         TEXT        NOT NULL,
    session_id      TEXT        NOT NULL,
    status          TEXT        NOT NULL,
    created_at      TIMESTAMPTZ NOT NULL,
    updated_at      TIMESTAMPTZ NOT NULL,
    message_count   BIGINT      NOT NULL DEFAULT 0
);
CREATE INDEX conversations_by_user ON conversations (user_id, created_at DESC);

CREATE TABLE messages (
    message_id      UUID        PRIMARY KEY,
    conversation_id UUID        NOT NULL,
    stream_version  BIGINT      NOT NULL,
    role            TEXT        NOT NULL CHECK (role IN ('user', 'agent')),
    agent_id        TEXT,
    agent_type      TEXT,
    content         TEXT        NOT NULL,
    confidence      DOUBLE PRECISION,
    metadata        JSONB       NOT NULL DEFAULT '{}',
    created_at      TIMESTAMPTZ NOT NULL
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, stream_version);

-- One row per agent invocation: what it was given, what it returned, how long it took.
CREATE TABLE agent_interactions (
    interaction_id     UUID        PRIMARY KEY,
    conversation_id    UUID        NOT NULL,
    request_message_id UUID        NOT NULL,
    agent_id           TEXT        NOT NULL,
    agent_type         TEXT        NOT NULL,
    status             TEXT        NOT NULL CHECK (status IN ('replied', 'failed')),
    input              JSONB       NOT NULL,
    output             JSONB       NOT NULL,
    confidence         DOUBLE PRECISION,
    latency_ms         BIGINT      NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL
);
CREATE INDEX agent_interactions_by_conversation ON agent_interactions (conversation_id);

-- Analytics hold counts only: no user ids, no message text.
CREATE TABLE analytics_totals (
    metric TEXT   PRIMARY KEY,
    value  BIGINT NOT NULL
);

CREATE TABLE analytics_agent_types (
    agent_type       TEXT             PRIMARY KEY,
    requests         BIGINT           NOT NULL DEFAULT 0,
    replies          BIGINT           NOT NULL DEFAULT 0,
    failures         BIGINT           NOT NULL DEFAULT 0,
    -- Millionths, summed as integers so any batching gives the same total.
    confidence_micros_sum BIGINT     NOT NULL DEFAULT 0
);

-- Latency histogram per agent type: `upper_ms` is the bucket's inclusive upper bound.
CREATE TABLE analytics_agent_latency (
    agent_type TEXT   NOT NULL,
    upper_ms   BIGINT NOT NULL,
    count      BIGINT NOT NULL,
    PRIMARY KEY (agent_type, upper_ms)
);
