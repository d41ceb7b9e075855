-- The learned router: model files by content hash (each node keeps its own copy under its data
-- dir; this is where a node fetches one it has not got), and the analytics of routing: which
-- router decided, and how often a shadow model agreed with the live one.
CREATE TABLE router_models (
    version TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    body BYTEA NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX router_models_name ON router_models (name, created_at DESC);

-- Decisions per router ("rules" or "name@version"), and per shadow model its comparisons.
CREATE TABLE analytics_routers (
    router TEXT PRIMARY KEY,
    decisions BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE analytics_shadow (
    name TEXT NOT NULL,
    version TEXT NOT NULL,
    compared BIGINT NOT NULL DEFAULT 0,
    agreed BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (name, version)
);
