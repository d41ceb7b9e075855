-- #12: appends in batches, in commit order, with a horizon that only appenders hold back.
--
-- Every append takes one advisory lock for the rest of its transaction, before it draws any
-- position, and keeps it through its commit. So appends commit one after another, each
-- transaction's positions are drawn after the previous one's commit is visible, and a reader
-- that sees an event knows every earlier one (in `(tx_id, position)` order) is committed or was
-- rolled back. Readers no longer stop at the cluster's oldest running transaction
-- (`pg_snapshot_xmin`), which any idle session of any database on the server held back.
--
-- `tx_id` is now the order of commits: the appending transaction's id, or the last appended
-- event's when that is later (a transaction that took its id before the lock, then appended).
-- Events written before this migration keep their ids; all of them were committed before it ran.
--
-- One call appends many requests (the application's writer coalesces concurrent appends), each
-- checked against its stream's expected version as the earlier requests of the batch left it,
-- and each answered on its own: appended (with its positions), a version conflict (with the
-- actual version), or a duplicate (an event id already in the log: the caller looks up the first
-- append). One NOTIFY per call.

DROP FUNCTION hijraah_append(TEXT, TEXT, BIGINT, UUID[], TEXT[], INT[], JSONB[], JSONB[]);

CREATE FUNCTION hijraah_append_batch(
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
BEGIN
    -- 'hijr' 'apnd': one lock for every appender of this database.
    PERFORM pg_advisory_xact_lock(7523661691992698468);
    SELECT GREATEST(pg_current_xact_id(), COALESCE(max(e.tx_id), '0'::xid8)) INTO v_tx
    FROM (SELECT events.tx_id FROM events ORDER BY events.tx_id DESC, events.position DESC LIMIT 1) e;

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
        RETURN QUERY
        WITH chosen AS (
            SELECT s.ord, s.idx, s.ver, s.req
            FROM unnest(v_sel, v_sel_ver, v_sel_req) WITH ORDINALITY AS s(idx, ver, req, ord)
        ), inserted AS (
            INSERT INTO events (tx_id, event_id, stream_id, stream_version, event_type, schema_version, data, metadata)
            SELECT v_tx, p_event_ids[c.idx], p_streams[c.req], c.ver, p_event_types[c.idx], p_schema_versions[c.idx],
                   p_data[c.idx], p_metadata[c.idx]
            FROM chosen c ORDER BY c.ord
            RETURNING events.event_id, events.position, events.stream_version, events.recorded_at
        )
        SELECT c.req, 'appended'::text, NULL::bigint, min(i.position), max(i.position), max(i.stream_version),
               v_tx::text::int8, min(i.recorded_at)
        FROM inserted i JOIN chosen c ON p_event_ids[c.idx] = i.event_id
        GROUP BY c.req;

        INSERT INTO streams (stream_id, version)
        SELECT n.name, n.version FROM unnest(v_names, v_versions) AS n(name, version)
        WHERE n.name = ANY(v_changed)
        ON CONFLICT (stream_id) DO UPDATE SET version = EXCLUDED.version;

        -- Delivered at commit, and only if the transaction commits: wakes other processes.
        PERFORM pg_notify('hijraah_events', '');
    END IF;
END;
$$;
