#!/usr/bin/env bash
# Started by scripts/kafka/start.sh, never by hand: stops the test broker (pid) through
# stop.sh once the epoch second `deadline` passes; exits by itself as soon as the broker
# is gone. stop.sh ends this watchdog when it stops the broker first.
#
#   watchdog.sh RUN_DIR PID DEADLINE
set -uo pipefail
run_dir="$1"
pid="$2"
deadline="$3"
scripts="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

sleeper=""
trap '[[ -n "$sleeper" ]] && kill "$sleeper" 2>/dev/null; exit 0' TERM INT HUP

while kill -0 "$pid" 2>/dev/null; do
  now=$(date +%s)
  if ((now >= deadline)); then
    echo "[$(date -u +%FT%TZ)] max lifetime reached: stopping the broker (pid $pid)"
    PITWALL_KAFKA_PORT="$(basename "$run_dir")" PITWALL_KAFKA_FROM_WATCHDOG=1 bash "$scripts/stop.sh"
    exit 0
  fi
  left=$((deadline - now))
  sleep $((left < 15 ? left : 15)) &
  sleeper=$!
  wait "$sleeper"
  sleeper=""
done
