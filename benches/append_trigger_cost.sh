#!/usr/bin/env bash
# What one trigger on `events` costs an append, side by side: pgbench's one-event
# hijraah_append_batch calls with the trigger enabled and disabled in turn, four rounds.
# Usage: benches/append_trigger_cost.sh DATABASE_URL TRIGGER   (e.g. events_count, events_chain)
# The database must be migrated (`DATABASE_URL=… hijraah migrate`); it gains pgbench's events.
set -euo pipefail
url=${1:?database URL}
trigger=${2:?trigger name}
script="$(dirname "$0")/sql/append_one_event.sql"
for round in 1 2 3 4; do
  for mode in ENABLE DISABLE; do
    psql -q "$url" -c "ALTER TABLE events $mode TRIGGER $trigger"
    tps=$(pgbench -n -c 16 -j 2 -T 10 -f "$script" "$url" 2>/dev/null | grep -Eo 'tps = [0-9.]+' | head -1)
    echo "round $round $trigger $mode: $tps"
  done
done
psql -q "$url" -c "ALTER TABLE events ENABLE TRIGGER $trigger"
