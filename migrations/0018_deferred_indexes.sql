-- Secondary indexes that a full rebuild of the read models dropped, to build again once its
-- tables are full: building an index over a full table costs a fraction of keeping it up to date
-- row by row (the ids a chat indexes by, its conversations', are scattered). The rebuild records
-- an index here in the transaction that drops it and forgets it in the one that builds it, so a
-- rebuild stopped half-way leaves its rows here, and the next start (`migrate`) builds them.
CREATE TABLE deferred_indexes (
    schema_name TEXT        NOT NULL,
    index_name  TEXT        NOT NULL,
    table_name  TEXT        NOT NULL,
    definition  TEXT        NOT NULL,
    deferred_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    PRIMARY KEY (schema_name, index_name)
);
