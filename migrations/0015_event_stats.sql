-- Counts of the log's events by what an analyst asks about (type, stream category, agent,
-- language) per minute and per hour, kept by a statement trigger as events are appended, so
-- `GET /api/v1/events/stats` and the `analytics` schema answer without reading the events
-- themselves. Nothing here comes from a sealed field: the agent is an event's plain `agent_type`
-- and the language a request's plain `language`. '' stands for "none" so the keys can be unique.
CREATE TABLE event_counts_minute (
    bucket     TIMESTAMPTZ NOT NULL,
    event_type TEXT        NOT NULL,
    category   TEXT        NOT NULL,
    agent      TEXT        NOT NULL,
    language   TEXT        NOT NULL,
    events     BIGINT      NOT NULL,
    PRIMARY KEY (bucket, event_type, category, agent, language)
);

CREATE TABLE event_counts_hour (LIKE event_counts_minute INCLUDING ALL);

-- A stream's category is what its id says before the first '-' (`conversation`, `user`,
-- `knowledge`, `workflow`, `router`...).
CREATE FUNCTION hijraah_stream_category(stream_id TEXT) RETURNS TEXT
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$ SELECT split_part(stream_id, '-', 1) $$;

-- Every append already holds the log's advisory lock (0007), so these upserts never race.
CREATE FUNCTION events_count() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO event_counts_minute AS c (bucket, event_type, category, agent, language, events)
    SELECT date_trunc('minute', i.recorded_at, 'UTC'), i.event_type, hijraah_stream_category(i.stream_id),
           COALESCE(i.data->>'agent_type', ''), COALESCE(i.data->>'language', ''), count(*)
    FROM inserted i GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (bucket, event_type, category, agent, language)
    DO UPDATE SET events = c.events + EXCLUDED.events;
    INSERT INTO event_counts_hour AS c (bucket, event_type, category, agent, language, events)
    SELECT date_trunc('hour', i.recorded_at, 'UTC'), i.event_type, hijraah_stream_category(i.stream_id),
           COALESCE(i.data->>'agent_type', ''), COALESCE(i.data->>'language', ''), count(*)
    FROM inserted i GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
    ON CONFLICT (bucket, event_type, category, agent, language)
    DO UPDATE SET events = c.events + EXCLUDED.events;
    RETURN NULL;
END;
$$;

-- The log already written.
INSERT INTO event_counts_minute (bucket, event_type, category, agent, language, events)
SELECT date_trunc('minute', recorded_at, 'UTC'), event_type, hijraah_stream_category(stream_id),
       COALESCE(data->>'agent_type', ''), COALESCE(data->>'language', ''), count(*)
FROM events GROUP BY 1, 2, 3, 4, 5;
INSERT INTO event_counts_hour (bucket, event_type, category, agent, language, events)
SELECT date_trunc('hour', bucket, 'UTC'), event_type, category, agent, language, sum(events)
FROM event_counts_minute GROUP BY 1, 2, 3, 4, 5;

CREATE TRIGGER events_count AFTER INSERT ON events REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION events_count();

-- What BI tools and analysts' own SQL may read: counts, and the read models without user ids,
-- contents or the ids that would lead to them. `hijraah analysts grant NAME` creates a read-only
-- role that can see this schema and nothing else. The views run with their owner's rights, so
-- the role needs no right on the tables beneath.
CREATE SCHEMA analytics;
COMMENT ON SCHEMA analytics IS 'Hijraah: read-only views for analysts and BI tools (see the README, "Analysts")';

CREATE VIEW analytics.event_counts_minute AS
SELECT bucket AS minute, event_type, category, NULLIF(agent, '') AS agent, NULLIF(language, '') AS language, events
FROM public.event_counts_minute;

CREATE VIEW analytics.event_counts_hour AS
SELECT bucket AS hour, event_type, category, NULLIF(agent, '') AS agent, NULLIF(language, '') AS language, events
FROM public.event_counts_hour;

CREATE VIEW analytics.event_counts_day AS
SELECT date_trunc('day', bucket, 'UTC')::date AS day, event_type, category, NULLIF(agent, '') AS agent,
       NULLIF(language, '') AS language, sum(events)::bigint AS events
FROM public.event_counts_hour GROUP BY 1, 2, 3, 4, 5;

-- One row per event, without its stream id (which can name a user), payload or metadata.
CREATE VIEW analytics.events AS
SELECT position, recorded_at, event_type, schema_version, split_part(stream_id, '-', 1) AS category,
       NULLIF(data->>'agent_type', '') AS agent, NULLIF(data->>'language', '') AS language
FROM public.events;

CREATE VIEW analytics.conversations AS
SELECT status, created_at, updated_at, message_count FROM public.conversations;

CREATE VIEW analytics.agent_replies AS
SELECT agent_type, status, confidence, latency_ms, created_at FROM public.agent_interactions;

CREATE VIEW analytics.agent_types AS SELECT * FROM public.analytics_agent_types;
CREATE VIEW analytics.agent_latency AS SELECT * FROM public.analytics_agent_latency;
CREATE VIEW analytics.requests_per_day AS SELECT * FROM public.analytics_daily;
CREATE VIEW analytics.calibration AS SELECT * FROM public.analytics_calibration;
CREATE VIEW analytics.routers AS SELECT * FROM public.analytics_routers;
CREATE VIEW analytics.shadow_routers AS SELECT * FROM public.analytics_shadow;
CREATE VIEW analytics.totals AS SELECT * FROM public.analytics_totals;
