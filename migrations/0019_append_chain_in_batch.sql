-- #27 item 3: the append function links its events into the hash chain (0014), records the
-- chain's head and counts them (0015) itself, once per batch, instead of a row trigger that looks
-- the last hash up again for every event and two statement triggers that read the inserted rows
-- back from a transition table. Measured with pgbench on one chat's append (three events, one
-- client, commits not waited for), the three triggers cost about a third of the append.
--
-- What is hashed, and how, is unchanged: `hijraah events verify` checks both kinds of rows alike.
-- Rows inserted some other way (a tool's or a benchmark's bulk `INSERT`) still get their hash,
-- the head and their counts, row by row, from a trigger that fires only for rows without a hash.

-- Rows inserted without a hash, one at a time: linked to the last event, and counted.
CREATE OR REPLACE FUNCTION events_chain() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    v_previous BYTEA;
BEGIN
    SELECT e.hash INTO v_previous FROM events e ORDER BY e.position DESC LIMIT 1;
    v_previous := COALESCE(v_previous, decode(repeat('00', 32), 'hex'));
    NEW.previous_hash := v_previous;
    NEW.hash := hijraah_event_hash(v_previous, NEW);
    INSERT INTO event_chain_head (only_row, position, hash) VALUES (true, NEW.position, NEW.hash)
    ON CONFLICT (only_row) DO UPDATE SET position = EXCLUDED.position, hash = EXCLUDED.hash;
    INSERT INTO event_counts_minute AS c (bucket, event_type, category, agent, language, events)
    VALUES (date_trunc('minute', NEW.recorded_at, 'UTC'), NEW.event_type, hijraah_stream_category(NEW.stream_id),
            COALESCE(NEW.data->>'agent_type', ''), COALESCE(NEW.data->>'language', ''), 1)
    ON CONFLICT (bucket, event_type, category, agent, language) DO UPDATE SET events = c.events + 1;
    INSERT INTO event_counts_hour AS c (bucket, event_type, category, agent, language, events)
    VALUES (date_trunc('hour', NEW.recorded_at, 'UTC'), NEW.event_type, hijraah_stream_category(NEW.stream_id),
            COALESCE(NEW.data->>'agent_type', ''), COALESCE(NEW.data->>'language', ''), 1)
    ON CONFLICT (bucket, event_type, category, agent, language) DO UPDATE SET events = c.events + 1;
    RETURN NEW;
END;
$$;

DROP TRIGGER events_chain ON events;
DROP TRIGGER events_chain_head ON events;
DROP TRIGGER events_count ON events;
DROP FUNCTION events_chain_head();
DROP FUNCTION events_count();
CREATE TRIGGER events_chain BEFORE INSERT ON events FOR EACH ROW WHEN (NEW.hash IS NULL)
    EXECUTE FUNCTION events_chain();

-- 0007's function, which now also chains, records the head and counts what it inserts.
CREATE OR REPLACE FUNCTION hijraah_append_batch(
    p_streams           TEXT[],   -- per request
    p_expected          TEXT[],   -- per request: 'any' | 'no_stream' | 'exists' | 'exact'
    p_expected_versions BIGINT[], -- per request, with 'exact'; 0 means no stream
    p_counts            INT[],    -- per request: how many of the events below are its own
    p_event_ids         UUID[],   -- the events of every request, in request order
    p_event_types       TEXT[],
    p_schema_versions   INT[],
    p_data              JSONB[],
    p_metadata          JSONB[]
) RETURNS TABLE (
    r_request        INT,         -- 1-based index of the request
    r_outcome        TEXT,        -- 'appended' | 'conflict' | 'duplicate'
    r_actual         BIGINT,      -- with 'conflict': the stream's version (NULL: no stream)
    r_first_position BIGINT,
    r_last_position  BIGINT,
    r_stream_version BIGINT,      -- the stream's version after the request
    r_tx_id          BIGINT,
    r_recorded_at    TIMESTAMPTZ
)
LANGUAGE plpgsql AS $$
DECLARE
    v_tx        xid8;
    v_names     TEXT[];
    v_versions  BIGINT[];
    v_existing  UUID[];
    v_taken     UUID[] := '{}';
    v_sel       INT[] := '{}';      -- indexes of accepted events
    v_sel_ver   BIGINT[] := '{}';   -- their stream versions
    v_sel_req   INT[] := '{}';      -- their requests
    v_offset    INT := 0;
    v_request   INT;
    v_slot      INT;
    v_current   BIGINT;
    v_actual    BIGINT;
    v_ok        BOOLEAN;
    v_ids       UUID[];
    v_changed   TEXT[] := '{}';
    v_now       TIMESTAMPTZ := transaction_timestamp();
    v_positions BIGINT[] := '{}';
    v_previous  BYTEA;
    v_hashes    BYTEA[] := '{}';
    v_links     BYTEA[] := '{}';
    v_idx       INT;
    v_micros    TEXT := ((extract(epoch FROM v_now) * 1000000)::bigint)::text;
    v_stream    TEXT;
    v_text      TEXT;
    v_version   TEXT;
    v_type      TEXT;
    v_schema    TEXT;
    v_id        TEXT;
    v_data      TEXT;
    v_meta      TEXT;
BEGIN
    -- 'hijr' 'apnd': one lock for every appender of this database.
    PERFORM pg_advisory_xact_lock(7523661691992698468);
    -- The commit order's id, and the hash of the log's last event (the chain goes on from it).
    SELECT GREATEST(pg_current_xact_id(),
                    COALESCE((SELECT e.tx_id FROM events e ORDER BY e.tx_id DESC, e.position DESC LIMIT 1), '0'::xid8)),
           COALESCE((SELECT e.hash FROM events e ORDER BY e.position DESC LIMIT 1), decode(repeat('00', 32), 'hex'))
    INTO v_tx, v_previous;

    SELECT array_agg(s.stream_id), array_agg(s.version) INTO v_names, v_versions
    FROM streams s WHERE s.stream_id = ANY(p_streams);
    v_names := COALESCE(v_names, '{}');
    v_versions := COALESCE(v_versions, '{}');
    SELECT COALESCE(array_agg(e.event_id), '{}') INTO v_existing FROM events e WHERE e.event_id = ANY(p_event_ids);

    FOR v_request IN 1 .. COALESCE(cardinality(p_streams), 0) LOOP
        v_ids := p_event_ids[v_offset + 1 : v_offset + p_counts[v_request]];
        v_slot := array_position(v_names, p_streams[v_request]);
        v_current := CASE WHEN v_slot IS NULL THEN 0 ELSE v_versions[v_slot] END;
        v_actual := NULLIF(v_current, 0);
        IF (v_ids && v_existing) OR (v_ids && v_taken) THEN
            r_request := v_request; r_outcome := 'duplicate'; r_actual := v_actual;
            r_first_position := NULL; r_last_position := NULL; r_stream_version := NULL;
            r_tx_id := NULL; r_recorded_at := NULL;
            RETURN NEXT;
        ELSE
            v_ok := COALESCE(CASE p_expected[v_request]
                WHEN 'any' THEN TRUE
                WHEN 'no_stream' THEN v_actual IS NULL
                WHEN 'exists' THEN v_actual IS NOT NULL
                WHEN 'exact' THEN (p_expected_versions[v_request] = 0 AND v_actual IS NULL)
                                  OR v_actual = p_expected_versions[v_request]
            END, FALSE);
            IF NOT v_ok THEN
                r_request := v_request; r_outcome := 'conflict'; r_actual := v_actual;
                r_first_position := NULL; r_last_position := NULL; r_stream_version := NULL;
                r_tx_id := NULL; r_recorded_at := NULL;
                RETURN NEXT;
            ELSE
                FOR i IN 1 .. p_counts[v_request] LOOP
                    v_sel := v_sel || (v_offset + i);
                    v_sel_ver := v_sel_ver || (v_current + i);
                    v_sel_req := v_sel_req || v_request;
                END LOOP;
                v_taken := v_taken || v_ids;
                IF v_slot IS NULL THEN
                    v_names := v_names || p_streams[v_request];
                    v_versions := v_versions || (v_current + p_counts[v_request]);
                ELSE
                    v_versions[v_slot] := v_current + p_counts[v_request];
                END IF;
                IF NOT p_streams[v_request] = ANY(v_changed) THEN
                    v_changed := v_changed || p_streams[v_request];
                END IF;
            END IF;
        END IF;
        v_offset := v_offset + p_counts[v_request];
    END LOOP;

    IF cardinality(v_sel) > 0 THEN
        -- Positions drawn in order under the lock, so each event's predecessor in the chain is
        -- the one before it here, and the first one's is the log's last event.
        FOR i IN 1 .. cardinality(v_sel) LOOP
            v_idx := v_sel[i];
            v_positions := v_positions || nextval('events_position_seq'::regclass);
            v_links := v_links || v_previous;
            v_stream := p_streams[v_sel_req[i]];
            v_text := v_positions[i]::text;
            v_version := v_sel_ver[i]::text;
            v_type := p_event_types[v_idx];
            v_schema := p_schema_versions[v_idx]::text;
            v_id := p_event_ids[v_idx]::text;
            v_data := p_data[v_idx]::text;
            v_meta := p_metadata[v_idx]::text;
            v_previous := sha256(v_previous || convert_to(
                octet_length(v_text) || ':' || v_text ||
                octet_length(v_stream) || ':' || v_stream ||
                octet_length(v_version) || ':' || v_version ||
                octet_length(v_id) || ':' || v_id ||
                octet_length(v_type) || ':' || v_type ||
                octet_length(v_schema) || ':' || v_schema ||
                octet_length(v_micros) || ':' || v_micros ||
                octet_length(v_data) || ':' || v_data ||
                octet_length(v_meta) || ':' || v_meta,
                'UTF8'));
            v_hashes := v_hashes || v_previous;
        END LOOP;

        -- One statement: the events, their streams' versions, the chain's head and the counts of
        -- 0015 by minute and by hour (each statement of a function costs tens of microseconds
        -- to start, more than the rows it writes here).
        RETURN QUERY
        WITH chosen AS (
            SELECT s.ord, s.idx, s.ver, s.req, s.pos, s.hash, s.link
            FROM unnest(v_sel, v_sel_ver, v_sel_req, v_positions, v_hashes, v_links)
                 WITH ORDINALITY AS s(idx, ver, req, pos, hash, link, ord)
        ), inserted AS (
            INSERT INTO events (position, tx_id, event_id, stream_id, stream_version, event_type, schema_version,
                                data, metadata, recorded_at, hash, previous_hash)
            OVERRIDING SYSTEM VALUE
            SELECT c.pos, v_tx, p_event_ids[c.idx], p_streams[c.req], c.ver, p_event_types[c.idx],
                   p_schema_versions[c.idx], p_data[c.idx], p_metadata[c.idx], v_now, c.hash, c.link
            FROM chosen c ORDER BY c.ord
            RETURNING events.event_id, events.position, events.stream_version, events.recorded_at
        ), versions AS (
            INSERT INTO streams (stream_id, version)
            SELECT n.name, n.version FROM unnest(v_names, v_versions) AS n(name, version)
            WHERE n.name = ANY(v_changed)
            ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version
        ), head AS (
            INSERT INTO event_chain_head (only_row, position, hash)
            VALUES (true, v_positions[cardinality(v_positions)], v_previous)
            ON CONFLICT (only_row) DO UPDATE SET position = EXCLUDED.position, hash = EXCLUDED.hash
        ), counted AS (
            SELECT c.event_type, c.category, c.agent, c.language, count(*) AS events
            FROM (SELECT p_event_types[s.idx] AS event_type, hijraah_stream_category(p_streams[s.req]) AS category,
                         COALESCE(p_data[s.idx]->>'agent_type', '') AS agent,
                         COALESCE(p_data[s.idx]->>'language', '') AS language
                  FROM unnest(v_sel, v_sel_req) AS s(idx, req)) c
            GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ), by_minute AS (
            INSERT INTO event_counts_minute AS c (bucket, event_type, category, agent, language, events)
            SELECT date_trunc('minute', v_now, 'UTC'), n.event_type, n.category, n.agent, n.language, n.events
            FROM counted n
            ON CONFLICT (bucket, event_type, category, agent, language)
            DO UPDATE SET events = c.events + EXCLUDED.events
        ), by_hour AS (
            INSERT INTO event_counts_hour AS c (bucket, event_type, category, agent, language, events)
            SELECT date_trunc('hour', v_now, 'UTC'), n.event_type, n.category, n.agent, n.language, n.events
            FROM counted n
            ON CONFLICT (bucket, event_type, category, agent, language)
            DO UPDATE SET events = c.events + EXCLUDED.events
        ), notified AS (
            -- Delivered at commit, and only if the transaction commits: wakes other processes.
            SELECT pg_notify('hijraah_events', '') AS done
        )
        SELECT c.req, 'appended'::text, NULL::bigint, min(i.position), max(i.position), max(i.stream_version),
               v_tx::text::int8, min(i.recorded_at)
        FROM inserted i JOIN chosen c ON p_event_ids[c.idx] = i.event_id CROSS JOIN notified
        GROUP BY c.req;
    END IF;
END;
$$;
