# shellcheck shell=bash disable=SC2034
# Shared settings and helpers for the Apache Kafka test-broker scripts (sourced, not run).
#
# Kafka is only a test and benchmark peer: Pitwall itself never needs Java. The broker is
# assembled from Maven Central jars (no download from anywhere else) and listens on
# 127.0.0.1 only.
#
# Environment:
#   PITWALL_KAFKA_PORT             broker (PLAINTEXT) port, default 19092
#   PITWALL_KAFKA_CONTROLLER_PORT  KRaft controller port, default broker port + 1
#   PITWALL_KAFKA_CACHE            cache folder, default <repo>/.cache/kafka
#   PITWALL_KAFKA_HEAP             broker heap flags, default "-Xms512m -Xmx512m"
#   PITWALL_MAVEN_REPO             Maven local repository, default Maven's own (~/.m2/repository)
#   JAVA_HOME                      Java 17+ to use, default `java` on PATH

# The pinned Kafka release, and the log4j 2 version its kafka-server pom brings in.
KAFKA_VERSION=4.3.1
KAFKA_SCALA=2.13
LOG4J_VERSION=2.25.4
SLF4J_VERSION=1.7.36
MAVEN_DEPENDENCY_PLUGIN=org.apache.maven.plugins:maven-dependency-plugin:3.8.1

KAFKA_SCRIPTS="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$KAFKA_SCRIPTS/../.." && pwd)"
KAFKA_CACHE="${PITWALL_KAFKA_CACHE:-$REPO_ROOT/.cache/kafka}"
KAFKA_HOME="$KAFKA_CACHE/$KAFKA_VERSION"
KAFKA_LIBS="$KAFKA_HOME/libs"
KAFKA_HOST=127.0.0.1

# Sets the port and everything derived from it. One data folder and one run folder per
# port, so two brokers (say, two test suites) can run side by side.
kafka_use_port() {
  KAFKA_PORT="$1"
  KAFKA_BROKERS="$KAFKA_HOST:$KAFKA_PORT"
  KAFKA_DATA_DIR="$KAFKA_CACHE/data/$KAFKA_PORT"
  KAFKA_RUN_DIR="$KAFKA_CACHE/run/$KAFKA_PORT"
  KAFKA_PID_FILE="$KAFKA_RUN_DIR/broker.pid"
  KAFKA_WATCHDOG_PID_FILE="$KAFKA_RUN_DIR/watchdog.pid"
  KAFKA_LOG_DIR="$KAFKA_RUN_DIR/logs"
}
kafka_use_port "${PITWALL_KAFKA_PORT:-19092}"
if [[ "$KAFKA_PORT" =~ ^[0-9]+$ ]]; then
  KAFKA_CONTROLLER_PORT="${PITWALL_KAFKA_CONTROLLER_PORT:-$((10#$KAFKA_PORT + 1))}"
else
  KAFKA_CONTROLLER_PORT="${PITWALL_KAFKA_CONTROLLER_PORT:-}"
fi

die() {
  echo "kafka: $*" >&2
  exit 1
}

note() {
  echo "kafka: $*" >&2
}

is_port_number() {
  [[ "$1" =~ ^[0-9]+$ ]] && ((10#$1 >= 1 && 10#$1 <= 65535))
}

check_ports() {
  is_port_number "$KAFKA_PORT" || die "PITWALL_KAFKA_PORT must be a port number, got '$KAFKA_PORT'"
  is_port_number "$KAFKA_CONTROLLER_PORT" ||
    die "PITWALL_KAFKA_CONTROLLER_PORT must be a port number, got '$KAFKA_CONTROLLER_PORT'"
  [[ "$KAFKA_PORT" != "$KAFKA_CONTROLLER_PORT" ]] || die "broker and controller ports must differ"
}

# Sets JAVA to a Java 17+ executable or exits with a reason.
find_java() {
  if [[ -n "${JAVA_HOME:-}" && -x "$JAVA_HOME/bin/java" ]]; then
    JAVA="$JAVA_HOME/bin/java"
  elif command -v java >/dev/null 2>&1; then
    JAVA="$(command -v java)"
  else
    die "Java 17 or newer is needed for the Kafka test broker (set JAVA_HOME or put java on PATH)"
  fi
  local version major
  version="$("$JAVA" -version 2>&1 | awk -F'"' '/version/ {print $2; exit}')"
  major="${version%%.*}"
  [[ "$major" == 1 ]] && major="$(echo "$version" | cut -d. -f2)"
  [[ "$major" =~ ^[0-9]+$ && "$major" -ge 17 ]] ||
    die "Kafka $KAFKA_VERSION needs Java 17 or newer, found '${version:-unknown}' at $JAVA"
}

is_installed() {
  [[ -f "$KAFKA_HOME/.installed" ]]
}

require_installed() {
  is_installed || die "Kafka $KAFKA_VERSION is not installed: run npm run kafka:install (scripts/kafka/install.sh)"
}

# Command line of a live process, or nothing.
process_args() {
  ps -ww -o args= -p "$1" 2>/dev/null || true
}

# True when pid is alive and is the broker this run folder started (guards against pid reuse).
is_our_broker() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  local args
  args="$(process_args "$pid")"
  [[ "$args" == *kafka.Kafka* && "$args" == *"$KAFKA_RUN_DIR/server.properties"* ]]
}

is_our_watchdog() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ "$(process_args "$pid")" == *"watchdog.sh $KAFKA_RUN_DIR "* ]]
}

read_pid() {
  if [[ -f "$1" ]]; then tr -dc '0-9' <"$1"; fi
}

running_broker_pid() {
  local pid
  pid="$(read_pid "$KAFKA_PID_FILE")"
  if is_our_broker "$pid"; then echo "$pid"; fi
}

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() {
  (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null
}

# "3h" / "90m" / "45s" / "2d" / "3600" → seconds.
duration_seconds() {
  local v="$1"
  if [[ "$v" =~ ^([0-9]+)([smhd]?)$ ]]; then
    local n="${BASH_REMATCH[1]}" unit="${BASH_REMATCH[2]}"
    case "$unit" in
      "" | s) echo "$((10#$n))" ;;
      m) echo "$((10#$n * 60))" ;;
      h) echo "$((10#$n * 3600))" ;;
      d) echo "$((10#$n * 86400))" ;;
    esac
  else
    return 1
  fi
}

# Runs a Kafka command-line tool class with the tools' quiet logging (warnings to stderr).
run_kafka_class() {
  local main="$1"
  shift
  local opts
  read -r -a opts <<<"${PITWALL_KAFKA_TOOL_OPTS:--Xmx512m}"
  exec "$JAVA" "${opts[@]}" -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$KAFKA_SCRIPTS/config/tools-log4j2.properties" \
    -cp "$KAFKA_LIBS/*" "$main" "$@"
}
