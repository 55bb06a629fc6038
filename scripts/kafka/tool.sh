#!/usr/bin/env bash
# Runs one of Kafka's own command-line tools from the installed test-broker classpath (the
# `kafka-*.sh` scripts of a Kafka download, which this repo does not have). Arguments pass
# through unchanged; logging is warnings-only on stderr.
#
#   scripts/kafka/tool.sh TOOL [args...]
#
# TOOL is one of: topics, console-producer, console-consumer, consumer-groups,
# producer-perf-test, consumer-perf-test, get-offsets, broker-api-versions, storage,
# or a fully qualified main class. Examples:
#
#   scripts/kafka/tool.sh topics --bootstrap-server 127.0.0.1:19092 --list
#   scripts/kafka/tool.sh console-consumer --bootstrap-server 127.0.0.1:19092 --topic t --from-beginning
#
# Env: PITWALL_KAFKA_TOOL_OPTS replaces the JVM options (default -Xmx512m).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

[[ $# -ge 1 ]] || die "tool.sh: name a tool (try --help)"
case "$1" in
  -h | --help)
    sed -n '2,15p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  topics) main=org.apache.kafka.tools.TopicCommand ;;
  console-producer) main=org.apache.kafka.tools.ConsoleProducer ;;
  console-consumer) main=org.apache.kafka.tools.consumer.ConsoleConsumer ;;
  consumer-groups) main=org.apache.kafka.tools.consumer.group.ConsumerGroupCommand ;;
  producer-perf-test) main=org.apache.kafka.tools.ProducerPerformance ;;
  consumer-perf-test) main=org.apache.kafka.tools.ConsumerPerformance ;;
  get-offsets) main=org.apache.kafka.tools.GetOffsetShell ;;
  broker-api-versions) main=org.apache.kafka.tools.BrokerApiVersionsCommand ;;
  storage) main=kafka.tools.StorageTool ;;
  *.*) main="$1" ;;
  *) die "tool.sh: unknown tool '$1' (try --help)" ;;
esac
shift

find_java
is_installed || bash "$KAFKA_SCRIPTS/install.sh" >&2
run_kafka_class "$main" "$@"
