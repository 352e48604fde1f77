#!/usr/bin/env bash
# `npm run test:integration`: the suites under test/integration/ that need real Kafka and
# InfluxDB (DESIGN.md §10).
#
# With KAFKA_BROKERS and INFLUX_URL both set, those services are used as they are. Otherwise
# scripts/services.sh starts them (installing what is missing; see its header) and stops them
# on exit — unless they were already running before this script, e.g. started by hand with
# `bash scripts/services.sh up` for a quick edit-and-rerun loop: then they are left running.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob globstar
suites=(test/integration/**/*.test.ts)
if [ ${#suites[@]} -eq 0 ]; then
  echo "test:integration: no integration suites in test/integration/"
  exit 0
fi
# What to stop on exit: only services this script started.
stop_after=()
trap 'for c in "${stop_after[@]}"; do bash scripts/services.sh "$c"; done' EXIT
cluster_given="${KAFKA_CLUSTER_BROKERS:-}"
if [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${INFLUX_URL:-}" ]; then
  if bash scripts/services.sh status >/dev/null 2>&1; then
    echo "test:integration: using the services already running (bash scripts/services.sh status)"
  else
    stop_after+=(down)
  fi
  bash scripts/services.sh up
  eval "$(bash scripts/services.sh env)"
fi
echo "test:integration: KAFKA_BROKERS=$KAFKA_BROKERS INFLUX_URL=$INFLUX_URL"
# The 3-node Kafka cluster (services.sh up-cluster, ~30 s, ~1 GiB) only when a suite that runs
# uses it (imports test/support/kafka-cluster.ts): the suites named in the arguments, or every
# suite when none is named.
if [ -z "$cluster_given" ]; then
  selected=()
  for a in "$@"; do [ -f "$a" ] && selected+=("$a"); done
  [ ${#selected[@]} -gt 0 ] || selected=("${suites[@]}")
  if grep -q "support/kafka-cluster" "${selected[@]}"; then
    bash scripts/services.sh status-cluster >/dev/null 2>&1 || stop_after+=(down-cluster)
    bash scripts/services.sh up-cluster
    eval "$(bash scripts/services.sh env | grep KAFKA_CLUSTER_BROKERS)"
  else
    unset KAFKA_CLUSTER_BROKERS
  fi
fi
# The Kafka input's consumer thread runs the compiled worker from dist/.
npm run build --silent
npx vitest run --project integration "$@"
