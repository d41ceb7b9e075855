-- #13: durable workflows. Each run is its stream (`workflow-run-{id}`); these tables are the
-- `workflows` projection of those streams, and of the events the built-in workflows record
-- elsewhere (a checklist seeded for a destination, a curator's verdict on a reply).

-- One row per run: what the list endpoint pages through, and what the workers poll. `wake_at`
-- is when a worker should look at the run again (null: only when a signal arrives, or it has
-- ended); `stream_version` lets a worker tell whether the run moved since it last looked.
CREATE TABLE workflow_runs (
    run_id          uuid PRIMARY KEY,
    definition      text NOT NULL,
    version         integer NOT NULL,
    started_by      text NOT NULL,
    status          text NOT NULL,
    current_step    text,
    step_ids        text[] NOT NULL,
    wake_at         timestamptz,
    stream_version  bigint NOT NULL,
    started_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    finished_at     timestamptz
);
CREATE INDEX workflow_runs_due ON workflow_runs (wake_at) WHERE finished_at IS NULL;
CREATE INDEX workflow_runs_by_starter ON workflow_runs (started_by, started_at DESC);
CREATE INDEX workflow_runs_by_time ON workflow_runs (started_at DESC, run_id);

-- The definitions admins registered (the built-ins ship with the binary and are not here).
CREATE TABLE workflow_definitions (
    name          text PRIMARY KEY,
    version       integer NOT NULL,
    definition    jsonb NOT NULL,
    registered_at timestamptz NOT NULL
);

-- The destination a user's settling-in checklist was seeded for (the checklists projection).
CREATE TABLE checklist_destinations (
    user_id   text PRIMARY KEY,
    country   text NOT NULL,
    seeded_at timestamptz NOT NULL
);

-- A curator's verdict on an agent's reply (the conversations projection).
ALTER TABLE messages ADD COLUMN review jsonb;
