#!/usr/bin/env bash
# The Parquet export's rate (#25), beside a bare COPY of the same columns out of PostgreSQL in the
# same run: `hijraah events export --format parquet` on a log of EVENTS synthetic events (the
# shapes of benches/event_stats.rs, kept in the database hijraah_bench_export for the next run).
#
#   benches/parquet_export.sh [BIN] [EVENTS]    (BIN: target/release/hijraah; EVENTS: 1000000)
#
# Needs DATABASE_URL (an admin connection). Prints each side's seconds and events/s, and the ratio.
set -euo pipefail
bin=${1:-target/release/hijraah}
events=${2:-1000000}
admin=${DATABASE_URL:?DATABASE_URL is needed}
url="${admin%/*}/hijraah_bench_export"
psql "$admin" -qtAc "SELECT 1 FROM pg_database WHERE datname = 'hijraah_bench_export'" | grep -q 1 \
  || psql "$admin" -qc "CREATE DATABASE hijraah_bench_export"
data_dir=$(mktemp -d)
DATABASE_URL="$url" HIJRAAH_DATA_DIR="$data_dir" RUST_LOG=warn "$bin" migrate >/dev/null
present=$(psql "$url" -qtAc "SELECT count(*) FROM events")
if [ "$present" -lt "$events" ]; then
  echo "writing $events events…" >&2
  psql "$url" -qc "
    INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, data, metadata, recorded_at)
    SELECT gen_random_uuid(),
           CASE WHEN g % 40 = 0 THEN 'user-u' || g ELSE 'conversation-' || (g / 4) END,
           CASE WHEN g % 40 = 0 THEN 1 ELSE g % 4 + 1 END,
           CASE WHEN g % 40 = 0 THEN 'UserRegistered' WHEN g % 4 = 0 THEN 'UserRequestReceived'
                WHEN g % 4 = 1 THEN 'RequestRouted' ELSE 'AgentReplied' END,
           1,
           CASE WHEN g % 4 = 0 THEN jsonb_build_object('content', 'enc:v2:…', 'user_id', 'u' || (g % 5000),
                                                         'language', CASE WHEN g % 3 = 0 THEN 'ar' ELSE 'en' END)
                WHEN g % 4 IN (2, 3) THEN jsonb_build_object('content', 'enc:v2:…', 'agent_type',
                     (ARRAY['knowledge', 'community', 'financial', 'migration', 'user_interface', 'analytics'])[g % 6 + 1])
                ELSE '{}'::jsonb END,
           jsonb_build_object('actor', 'u' || (g % 5000), 'subject', 'u' || (g % 5000)),
           timestamptz '2026-11-01 00:00:00+00' + (g * interval '30 days' / $events)
    FROM generate_series(1, $events) g"
fi
out=$(mktemp -d)
started=$(date +%s.%N)
DATABASE_URL="$url" HIJRAAH_DATA_DIR="$data_dir" RUST_LOG=warn "$bin" events export --format parquet --out "$out" >/dev/null
parquet_s=$(echo "$(date +%s.%N) - $started" | bc)
started=$(date +%s.%N)
psql "$url" -qc "\\copy (SELECT position, recorded_at, event_type, schema_version::int8, split_part(stream_id, '-', 1),
                       stream_id, stream_version, NULLIF(data->>'agent_type', ''), NULLIF(data->>'language', ''),
                       COALESCE(data->>'user_id', metadata->>'subject'), metadata->>'actor', encode(hash, 'hex')
                FROM events ORDER BY position) TO '/dev/null' (FORMAT binary)"
copy_s=$(echo "$(date +%s.%N) - $started" | bc)
rows=$(psql "$url" -qtAc "SELECT count(*) FROM events")
size=$(du -sh "$out/events.parquet" | cut -f1)
printf 'events %s; parquet export %.2f s, %.0f events/s (file %s); COPY of the same columns %.2f s, %.0f events/s; export ÷ COPY = %.2f\n' \
  "$rows" "$parquet_s" "$(echo "$rows / $parquet_s" | bc -l)" "$size" "$copy_s" "$(echo "$rows / $copy_s" | bc -l)" \
  "$(echo "$copy_s / $parquet_s" | bc -l)"
rm -rf "$out" "$data_dir"
