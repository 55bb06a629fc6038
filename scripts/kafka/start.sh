#!/usr/bin/env bash
# Starts a single-node Apache Kafka test broker (KRaft, combined broker + controller) in
# the background on 127.0.0.1 only, waits until it serves, and prints on stdout
#
#   KAFKA_BROKERS=127.0.0.1:19092
#
# Installs Kafka first when needed. Reuses the data of the previous run on that port unless
# --fresh. A watchdog stops the broker after --max-lifetime, so a broker started by tests
# never outlives its session for long. Already running on that port: prints the line, exits 0.
#
#   scripts/kafka/start.sh [--max-lifetime 4h] [--fresh] [--timeout 90s] [--override key=value]...
#
#   --max-lifetime D  stop the broker after D (s, m, h or d; default 4h, env PITWALL_KAFKA_MAX_LIFETIME)
#   --fresh           delete the broker's data first (topics, offsets, cluster id)
#   --timeout D       how long to wait for the broker to serve (default 90s)
#   --override k=v    extra broker setting (repeatable), e.g. --override message.max.bytes=4194304
#
# Env: PITWALL_KAFKA_PORT (default 19092; the controller takes the next port unless
# PITWALL_KAFKA_CONTROLLER_PORT), PITWALL_KAFKA_HEAP (default "-Xms512m -Xmx512m").
# Logs: .cache/kafka/run/<port>/logs/server.log. Stop with scripts/kafka/stop.sh.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

max_lifetime="${PITWALL_KAFKA_MAX_LIFETIME:-4h}"
timeout="${PITWALL_KAFKA_START_TIMEOUT:-90s}"
fresh=0
overrides=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --max-lifetime)
      [[ $# -ge 2 ]] || die "start.sh: --max-lifetime needs a duration such as 3h"
      max_lifetime="$2"
      shift 2
      ;;
    --max-lifetime=*)
      max_lifetime="${1#*=}"
      shift
      ;;
    --timeout)
      [[ $# -ge 2 ]] || die "start.sh: --timeout needs a duration such as 90s"
      timeout="$2"
      shift 2
      ;;
    --timeout=*)
      timeout="${1#*=}"
      shift
      ;;
    --override)
      [[ $# -ge 2 && "$2" == *=* ]] || die "start.sh: --override needs key=value"
      overrides+=("$2")
      shift 2
      ;;
    --fresh)
      fresh=1
      shift
      ;;
    -h | --help)
      sed -n '2,22p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
      exit 0
      ;;
    *) die "start.sh: unknown option '$1' (try --help)" ;;
  esac
done

if ! lifetime_s="$(duration_seconds "$max_lifetime")" || ((lifetime_s == 0)); then
  die "start.sh: --max-lifetime must be a duration such as 45m, 3h or 1d, got '$max_lifetime'"
fi
if ! timeout_s="$(duration_seconds "$timeout")" || ((timeout_s == 0)); then
  die "start.sh: --timeout must be a duration such as 90s, got '$timeout'"
fi
check_ports
find_java

pid="$(running_broker_pid)"
if [[ -n "$pid" ]]; then
  ((fresh == 0)) || die "a broker is running on $KAFKA_BROKERS (pid $pid): stop it before --fresh"
  note "broker already running on $KAFKA_BROKERS (pid $pid)"
  echo "KAFKA_BROKERS=$KAFKA_BROKERS"
  exit 0
fi
for port in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
  ! port_open "$port" ||
    die "port $port on $KAFKA_HOST is taken by another process: choose another with PITWALL_KAFKA_PORT"
done

if ! is_installed; then
  bash "$KAFKA_SCRIPTS/install.sh" >&2
fi

started_ns=$(date +%s%N)
mkdir -p "$KAFKA_RUN_DIR" "$KAFKA_LOG_DIR"
rm -f "$KAFKA_PID_FILE" "$KAFKA_WATCHDOG_PID_FILE"
if ((fresh)); then
  rm -rf "$KAFKA_DATA_DIR"
fi
mkdir -p "$KAFKA_DATA_DIR"

config="$KAFKA_RUN_DIR/server.properties"
{
  cat <<EOF
# Written by scripts/kafka/start.sh on every start; edits are lost (use --override).
# Single node, KRaft combined mode, loopback only.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
log.dirs=$KAFKA_DATA_DIR

# Topics are created on purpose, never by a typo.
auto.create.topics.enable=false
num.partitions=3
default.replication.factor=1

# One broker: internal topics with one replica, and few partitions so that the first
# consumer group or transaction does not wait for 50 partitions to be created.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=5
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=5
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
share.coordinator.state.topic.num.partitions=5

# Tests join consumer groups often: no 3-second wait for more members.
group.initial.rebalance.delay.ms=0
num.recovery.threads.per.data.dir=1
EOF
  if ((${#overrides[@]})); then
    echo
    echo "# --override"
    printf '%s\n' "${overrides[@]}"
  fi
} >"$config"

# First start on this data folder: format it with a fresh random cluster id.
if [[ ! -f "$KAFKA_DATA_DIR/meta.properties" ]]; then
  # A Kafka Uuid: 16 random bytes in URL-safe base64 without padding, not starting with
  # '-' (what kafka-storage random-uuid prints, without starting a JVM for it).
  cluster_id="-"
  while [[ "$cluster_id" == -* ]]; do
    cluster_id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
  done
  [[ "$cluster_id" =~ ^[A-Za-z0-9_-]{22}$ ]] || die "could not generate a cluster id (got '$cluster_id')"
  if ! "$JAVA" -cp "$KAFKA_LIBS/*" \
    -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/config/tools-log4j2.properties" \
    kafka.tools.StorageTool format --config "$config" --cluster-id "$cluster_id" --ignore-formatted \
    >>"$KAFKA_LOG_DIR/format.log" 2>&1; then
    tail -n 20 "$KAFKA_LOG_DIR/format.log" >&2
    die "formatting the broker storage in $KAFKA_DATA_DIR failed"
  fi
fi

# setsid: the broker leaves the caller's process group, so a Ctrl-C in the terminal that
# started it (or an npm script ending) does not take it down; stop.sh or the watchdog does.
read -r -a heap <<<"${PITWALL_KAFKA_HEAP:--Xms512m -Xmx512m}"
# Each start gets a fresh server.log (the previous run's is kept as previous-server.log), so
# a failure report shows this run's lines only.
if [[ -f "$KAFKA_LOG_DIR/server.log" ]]; then
  mv -f "$KAFKA_LOG_DIR/server.log" "$KAFKA_LOG_DIR/previous-server.log"
fi
rm -f "$KAFKA_LOG_DIR"/server.log.[0-9]*
: >"$KAFKA_LOG_DIR/stdout.log"
setsid "$JAVA" "${heap[@]}" -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 \
  -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:+ExitOnOutOfMemoryError \
  -Djava.awt.headless=true -Djava.net.preferIPv4Stack=true -Dkafka.logs.dir="$KAFKA_LOG_DIR" \
  -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/config/log4j2.properties" \
  -cp "$KAFKA_LIBS/*" kafka.Kafka "$config" \
  </dev/null >>"$KAFKA_LOG_DIR/stdout.log" 2>&1 &
pid=$!
echo "$pid" >"$KAFKA_PID_FILE"

setsid bash "$KAFKA_SCRIPTS/watchdog.sh" "$KAFKA_RUN_DIR" "$pid" "$(($(date +%s) + lifetime_s))" \
  </dev/null >>"$KAFKA_LOG_DIR/watchdog.log" 2>&1 &
echo "$!" >"$KAFKA_WATCHDOG_PID_FILE"

fail() {
  {
    echo "---- last lines of $KAFKA_LOG_DIR/server.log"
    tail -n 30 "$KAFKA_LOG_DIR/server.log" 2>/dev/null || true
    if [[ -s "$KAFKA_LOG_DIR/stdout.log" ]]; then
      echo "---- last lines of $KAFKA_LOG_DIR/stdout.log"
      tail -n 20 "$KAFKA_LOG_DIR/stdout.log"
    fi
    echo "----"
  } >&2
  PITWALL_KAFKA_PORT="$KAFKA_PORT" bash "$KAFKA_SCRIPTS/stop.sh" >/dev/null 2>&1 || true
  die "$1"
}

# Ready = the broker answers Metadata with itself as a live broker (node:net probe); without
# Node, fall back to the broker's own "started" log line.
deadline=$(($(date +%s) + timeout_s))
while true; do
  kill -0 "$pid" 2>/dev/null || fail "the broker exited during startup"
  if command -v node >/dev/null 2>&1; then
    node "$KAFKA_SCRIPTS/probe.js" "$KAFKA_BROKERS" --timeout-ms 2000 >/dev/null 2>&1 && break
  elif grep -q 'Kafka Server started' "$KAFKA_LOG_DIR/server.log" 2>/dev/null && port_open "$KAFKA_PORT"; then
    break
  fi
  (($(date +%s) < deadline)) || fail "the broker did not answer on $KAFKA_BROKERS within $timeout"
  sleep 0.5
done

elapsed=$((($(date +%s%N) - started_ns) / 1000000))
note "$KAFKA_VERSION broker up on $KAFKA_BROKERS in $((elapsed / 1000)).$(printf '%03d' $((elapsed % 1000)) | cut -c1)s (pid $pid, controller :$KAFKA_CONTROLLER_PORT, data ${KAFKA_DATA_DIR#"$REPO_ROOT"/}, stops itself after $max_lifetime)"
echo "KAFKA_BROKERS=$KAFKA_BROKERS"
