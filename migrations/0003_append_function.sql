-- An append in one round trip: lock the stream, check the expected version, insert the events
-- with one UNNEST, move the stream's version and notify followers, all in one statement.
-- A version mismatch raises SQLSTATE HJ409 with the actual version (empty: no stream) in DETAIL,
-- before any event row (and so any position) is drawn.
CREATE FUNCTION hijraah_append(
    p_stream_id        TEXT,
    p_expected         TEXT,    -- 'any' | 'no_stream' | 'exists' | 'exact'
    p_expected_version BIGINT,  -- with 'exact'; 0 means no stream
    p_event_ids        UUID[],
    p_event_types      TEXT[],
    p_schema_versions  INT[],
    p_data             JSONB[],
    p_metadata         JSONB[]
) RETURNS TABLE (r_position BIGINT, r_stream_version BIGINT, r_tx_id BIGINT, r_recorded_at TIMESTAMPTZ)
LANGUAGE plpgsql AS $$
DECLARE
    v_current BIGINT;
    v_actual  BIGINT;
    v_ok      BOOLEAN;
BEGIN
    SELECT s.version INTO v_current FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
    IF v_current IS NULL AND (p_expected IN ('any', 'no_stream') OR (p_expected = 'exact' AND p_expected_version = 0)) THEN
        -- A concurrent creator makes this wait for its commit and insert nothing; then we lock
        -- the row it made.
        INSERT INTO streams (stream_id, version) VALUES (p_stream_id, 0) ON CONFLICT DO NOTHING;
        SELECT s.version INTO v_current FROM streams s WHERE s.stream_id = p_stream_id FOR UPDATE;
    END IF;
    v_actual := NULLIF(v_current, 0);
    v_ok := COALESCE(CASE p_expected
        WHEN 'any' THEN TRUE
        WHEN 'no_stream' THEN v_actual IS NULL
        WHEN 'exists' THEN v_actual IS NOT NULL
        WHEN 'exact' THEN (p_expected_version = 0 AND v_actual IS NULL) OR v_actual = p_expected_version
    END, FALSE);
    IF NOT v_ok THEN
        RAISE EXCEPTION 'stream % expected % % but is at %', p_stream_id, p_expected, p_expected_version, COALESCE(v_actual, 0)
            USING ERRCODE = 'HJ409', DETAIL = COALESCE(v_actual::text, '');
    END IF;

    RETURN QUERY
    WITH inserted AS (
        INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, data, metadata)
        SELECT e.event_id, p_stream_id, COALESCE(v_actual, 0) + e.ord, e.event_type, e.schema_version, e.data, e.metadata
        FROM UNNEST(p_event_ids, p_event_types, p_schema_versions, p_data, p_metadata)
             WITH ORDINALITY AS e(event_id, event_type, schema_version, data, metadata, ord)
        ORDER BY e.ord
        RETURNING events.position, events.stream_version, events.tx_id::text::int8 AS tx_id, events.recorded_at
    )
    SELECT i.position, i.stream_version, i.tx_id, i.recorded_at FROM inserted i ORDER BY i.stream_version;

    UPDATE streams SET version = COALESCE(v_actual, 0) + cardinality(p_event_ids) WHERE stream_id = p_stream_id;
    -- Delivered at commit, and only if the transaction commits.
    PERFORM pg_notify('hijraah_events', p_stream_id);
END;
$$;
