#!/usr/bin/env bash
# Stops the Kafka test broker started by scripts/kafka/start.sh: SIGTERM (a clean shutdown),
# then SIGKILL if it is still alive after --timeout. Also ends its watchdog. Stopping a
# broker that is not running is not an error. Data is kept for the next start.
#
#   scripts/kafka/stop.sh [--all] [--timeout 30s]
#
#   --all        stop the brokers of every port under .cache/kafka/run
#   --timeout D  wait this long after SIGTERM before SIGKILL (default 30s)
#
# Env: PITWALL_KAFKA_PORT (default 19092) picks the broker.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

all=0
timeout="${PITWALL_KAFKA_STOP_TIMEOUT:-30s}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --all)
      all=1
      shift
      ;;
    --timeout)
      [[ $# -ge 2 ]] || die "stop.sh: --timeout needs a duration such as 30s"
      timeout="$2"
      shift 2
      ;;
    --timeout=*)
      timeout="${1#*=}"
      shift
      ;;
    -h | --help)
      sed -n '2,11p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "stop.sh: unknown option '$1' (try --help)" ;;
  esac
done
timeout_s="$(duration_seconds "$timeout")" || die "stop.sh: --timeout must be a duration such as 30s, got '$timeout'"

# Stops the broker of the current port (kafka_use_port).
stop_one() {
  local pid watchdog
  pid="$(read_pid "$KAFKA_PID_FILE")"
  watchdog="$(read_pid "$KAFKA_WATCHDOG_PID_FILE")"
  # The watchdog calls this script at the deadline: it must not end itself here.
  if [[ -z "${PITWALL_KAFKA_FROM_WATCHDOG:-}" ]] && is_our_watchdog "$watchdog"; then
    kill -TERM "$watchdog" 2>/dev/null || true
  fi
  rm -f "$KAFKA_WATCHDOG_PID_FILE"

  if ! is_our_broker "$pid"; then
    rm -f "$KAFKA_PID_FILE"
    note "no broker running on $KAFKA_BROKERS"
    return 0
  fi
  local t0 waited=0 how="SIGTERM"
  t0=$(date +%s%N)
  kill -TERM "$pid" 2>/dev/null || true
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= timeout_s * 10)); then
      note "broker (pid $pid) still alive after ${timeout}: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      how="SIGKILL"
      for _ in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  kill -0 "$pid" 2>/dev/null && die "could not stop the broker (pid $pid) on $KAFKA_BROKERS"
  rm -f "$KAFKA_PID_FILE"
  local ms=$((($(date +%s%N) - t0) / 1000000))
  note "stopped the broker on $KAFKA_BROKERS (pid $pid, $how) in $((ms / 1000)).$(printf '%03d' $((ms % 1000)) | cut -c1)s"
}

if ((all)); then
  shopt -s nullglob
  found=0
  for dir in "$KAFKA_CACHE"/run/*/; do
    port="$(basename "$dir")"
    is_port_number "$port" || continue
    found=1
    kafka_use_port "$port"
    stop_one
  done
  ((found)) || note "no broker has run from ${KAFKA_CACHE#"$REPO_ROOT"/}"
else
  is_port_number "$KAFKA_PORT" || die "PITWALL_KAFKA_PORT must be a port number, got '$KAFKA_PORT'"
  stop_one
fi
