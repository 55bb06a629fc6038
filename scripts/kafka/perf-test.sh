#!/usr/bin/env bash
# Runs Kafka's own producer benchmark (org.apache.kafka.tools.ProducerPerformance, the
# `kafka-producer-perf-test` of a Kafka download) against the local test broker: the
# reference figure for `npm run bench -- produce`. Arguments pass through unchanged;
# --bootstrap-server defaults to KAFKA_BROKERS when set, else the test broker
# (127.0.0.1:PITWALL_KAFKA_PORT). Auto-creation of topics is off on the test broker, so
# the --topic is created first when missing, with 3 partitions (PITWALL_KAFKA_PERF_PARTITIONS).
#
#   scripts/kafka/perf-test.sh --topic perf --num-records 500000 --record-size 600 \
#     --throughput -1 [--command-property acks=all linger.ms=5 ...]
#
# Its last line is the tool's summary: "N records sent, R records/sec (M MB/sec),
# A ms avg latency, X ms max latency, p50 ms 50th, ...".
set -euo pipefail
env_brokers="${KAFKA_BROKERS:-}"
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

for arg in "$@"; do
  if [[ "$arg" == -h || "$arg" == --help ]]; then
    sed -n '2,13p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    echo
    find_java
    require_installed
    run_kafka_class org.apache.kafka.tools.ProducerPerformance --help
  fi
done

find_java
is_installed || bash "$KAFKA_SCRIPTS/install.sh" >&2

brokers=""
topic=""
args=("$@")
for ((i = 0; i < ${#args[@]}; i++)); do
  case "${args[i]}" in
    --bootstrap-server) brokers="${args[i + 1]:-}" ;;
    --bootstrap-server=*) brokers="${args[i]#*=}" ;;
    --topic) topic="${args[i + 1]:-}" ;;
    --topic=*) topic="${args[i]#*=}" ;;
  esac
done
extra=()
if [[ -z "$brokers" ]]; then
  brokers="${env_brokers:-$KAFKA_BROKERS}"
  extra=(--bootstrap-server "$brokers")
fi

if [[ -n "$topic" ]]; then
  bash "$KAFKA_SCRIPTS/tool.sh" topics --bootstrap-server "$brokers" --create --if-not-exists \
    --topic "$topic" --partitions "${PITWALL_KAFKA_PERF_PARTITIONS:-3}" --replication-factor 1 >/dev/null ||
    die "could not create topic '$topic' on $brokers (is the broker running? npm run kafka:start)"
fi

run_kafka_class org.apache.kafka.tools.ProducerPerformance "${extra[@]}" "$@"
