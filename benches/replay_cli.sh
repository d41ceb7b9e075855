#!/usr/bin/env bash
# A whole `hijraah replay` (process start, every read model rebuilt from the log) beside a bare
# COPY of the same event rows out of PostgreSQL and into a table of the same shape, in the same
# run (#25 item 5). The log is CONVERSATIONS synthetic chats of seven events each (a conversation
# started, then two requests, each routed and answered), written by SQL with plain, unsealed
# contents, and kept in the database hijraah_bench_replay_ids for the next run. (The sealed
# case, where the replay also opens every message, is `cargo bench --bench event_store -- replay`.)
# Ids are shaped as the product makes them: event and message ids are UUIDv7 (`Uuid::now_v7()`,
# time-ordered, so their indexes grow at one end), conversation ids are UUIDv5 of the user and
# session (`conversation_id_for`, scattered). Before 2026-12-05 every id here was a random v4,
# which made each index insert a random one: `HIJRAAH_BENCH_RANDOM_IDS=1` writes that log again
# (in hijraah_bench_replay_cli) to compare.
#
#   benches/replay_cli.sh [BIN] [CONVERSATIONS] [RUNS]   (target/release/hijraah, 50000, 3)
#
# Needs DATABASE_URL (an admin connection). Prints each run's seconds and events/s, and the ratio.
set -euo pipefail
bin=${1:-target/release/hijraah}
conversations=${2:-50000}
runs=${3:-3}
admin=${DATABASE_URL:?DATABASE_URL is needed}
if [ "${HIJRAAH_BENCH_RANDOM_IDS:-0}" = 1 ]; then
  db=hijraah_bench_replay_cli
  id7=""
else
  db=hijraah_bench_replay_ids
  id7="pg_temp.uuid7"
fi
url="${admin%/*}/$db"
data_dir=$(mktemp -d)
trap 'rm -rf "$data_dir"' EXIT
export HIJRAAH_DATA_DIR="$data_dir" RUST_LOG=warn
events=$((conversations * 7))
present=$(psql "$url" -qtAc "SELECT count(*) FROM events" 2>/dev/null || echo 0)
if [ "$present" -ne "$events" ]; then
  echo "writing $events events…" >&2
  psql "$admin" -qc "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db"
  DATABASE_URL="$url" "$bin" migrate >/dev/null
  psql "$url" -q <<SQL
-- A UUIDv7 for a moment: its first 48 bits the Unix milliseconds, the version nibble 7, the rest
-- random (gen_random_uuid's variant bits kept). With HIJRAAH_BENCH_RANDOM_IDS=1, a v4 instead.
CREATE FUNCTION pg_temp.uuid7(at timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS \$\$
  SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
           PLACING substring(int8send((extract(epoch FROM at) * 1000)::int8) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::uuid
\$\$;
CREATE FUNCTION pg_temp.uuid4(at timestamptz) RETURNS uuid LANGUAGE sql VOLATILE AS 'SELECT gen_random_uuid()';
INSERT INTO events (event_id, stream_id, stream_version, event_type, schema_version, data, metadata, recorded_at)
SELECT ${id7:-pg_temp.uuid4}(c.at + e.version * interval '1 second'), 'conversation-' || c.id, e.version, e.type, 1, e.data,
       jsonb_build_object('correlation_id', ${id7:-pg_temp.uuid4}(c.at)),
       c.at + e.version * interval '1 second'
FROM (SELECT n, at, gen_random_uuid() AS id, 'user-' || (n % 5000) AS user_id,
             ${id7:-pg_temp.uuid4}(at + interval '2 seconds') AS m1, ${id7:-pg_temp.uuid4}(at + interval '5 seconds') AS m2,
             ${id7:-pg_temp.uuid4}(at + interval '4 seconds') AS r1, ${id7:-pg_temp.uuid4}(at + interval '7 seconds') AS r2
      FROM generate_series(1, $conversations) n,
           LATERAL (SELECT timestamptz '2026-11-01 00:00:00+00' + (n * interval '30 days' / $conversations) AS at) t) c
CROSS JOIN LATERAL (VALUES
  (1, 'ConversationStarted', jsonb_build_object('conversation_id', c.id, 'user_id', c.user_id, 'session_id', 'bench')),
  (2, 'UserRequestReceived', jsonb_build_object('message_id', c.m1, 'conversation_id', c.id, 'user_id', c.user_id,
      'content', 'How do I calculate zakat on my savings and gold?', 'language', 'en')),
  (3, 'RequestRouted', jsonb_build_object('request_message_id', c.m1, 'selected', jsonb_build_array('financial-1'),
      'scores', jsonb_build_array(jsonb_build_object('agent_id', 'financial-1', 'agent_type', 'financial',
      'score', 0.9, 'reasons', jsonb_build_array('zakat'))))),
  (4, 'AgentReplied', jsonb_build_object('message_id', c.r1, 'request_message_id', c.m1, 'agent_id', 'financial-1',
      'agent_type', 'financial', 'content', 'Zakat is 2.5% of savings held for a lunar year above the nisab.',
      'confidence', 0.9, 'latency_ms', 3, 'metadata', jsonb_build_object('conversation_id', c.id, 'citations', '[]'::jsonb))),
  (5, 'UserRequestReceived', jsonb_build_object('message_id', c.m2, 'conversation_id', c.id, 'user_id', c.user_id,
      'content', 'ما هي أوقات الصلاة في عمّان؟', 'language', 'ar')),
  (6, 'RequestRouted', jsonb_build_object('request_message_id', c.m2, 'selected', jsonb_build_array('community-1'),
      'scores', jsonb_build_array(jsonb_build_object('agent_id', 'community-1', 'agent_type', 'community',
      'score', 0.9, 'reasons', jsonb_build_array('prayer times'))))),
  (7, 'AgentReplied', jsonb_build_object('message_id', c.r2, 'request_message_id', c.m2, 'agent_id', 'community-1',
      'agent_type', 'community', 'content', 'أوقات الصلاة في عمّان اليوم: الفجر ٥:١٢', 'confidence', 0.95,
      'latency_ms', 2, 'metadata', jsonb_build_object('conversation_id', c.id, 'citations', '[]'::jsonb)))
) AS e(version, type, data)
ORDER BY c.n, e.version;
VACUUM ANALYZE events;
SQL
fi
export DATABASE_URL="$url"
"$bin" migrate >/dev/null
psql "$url" -qc "DROP TABLE IF EXISTS copied_events; CREATE TABLE copied_events (LIKE events INCLUDING DEFAULTS)"
for run in $(seq 1 "$runs"); do
  started=$(date +%s.%N)
  "$bin" replay 2>/dev/null
  replay_s=$(echo "$(date +%s.%N) - $started" | bc)
  psql "$url" -qc "TRUNCATE copied_events"
  started=$(date +%s.%N)
  psql "$url" -qc "\\copy events TO PROGRAM 'cat > $data_dir/events.bin' (FORMAT binary)"
  psql "$url" -qc "\\copy copied_events FROM '$data_dir/events.bin' (FORMAT binary)"
  copy_s=$(echo "$(date +%s.%N) - $started" | bc)
  printf 'run %s: %s events; hijraah replay %.2f s, %.0f events/s; COPY out and in %.2f s, %.0f events/s; replay ÷ COPY = %.2f\n' \
    "$run" "$events" "$replay_s" "$(echo "$events / $replay_s" | bc -l)" "$copy_s" "$(echo "$events / $copy_s" | bc -l)" \
    "$(echo "$copy_s / $replay_s" | bc -l)"
done
