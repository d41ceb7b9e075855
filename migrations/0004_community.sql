-- Read models for #4: mosques and community events (curator-published), each user's
-- settling-in checklist, and the custom agents admins registered. All are projections of the
-- log and can be truncated and rebuilt.

CREATE TABLE mosques (
    mosque_id  uuid PRIMARY KEY,
    body       jsonb NOT NULL,
    latitude   double precision NOT NULL,
    longitude  double precision NOT NULL,
    published_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE TABLE community_events (
    event_id   uuid PRIMARY KEY,
    body       jsonb NOT NULL,
    starts_at  timestamptz NOT NULL,
    ends_at    timestamptz,
    latitude   double precision NOT NULL,
    longitude  double precision NOT NULL,
    status     text NOT NULL CHECK (status IN ('scheduled', 'cancelled')),
    cancel_reason text,
    published_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);
CREATE INDEX community_events_upcoming ON community_events (starts_at) WHERE status = 'scheduled';

CREATE TABLE checklist_items (
    user_id    text NOT NULL,
    item_id    text NOT NULL,
    done       boolean NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, item_id)
);

CREATE TABLE custom_agents (
    agent_id   text PRIMARY KEY,
    body       jsonb NOT NULL,
    registered_at timestamptz NOT NULL
);
