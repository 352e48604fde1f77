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
if [ -z "${KAFKA_BROKERS:-}" ] || [ -z "${INFLUX_URL:-}" ]; then
  if bash scripts/services.sh status >/dev/null 2>&1; then
    echo "test:integration: using the services already running (bash scripts/services.sh status)"
  else
    trap 'bash scripts/services.sh down' EXIT
  fi
  bash scripts/services.sh up
  eval "$(bash scripts/services.sh env)"
fi
echo "test:integration: KAFKA_BROKERS=$KAFKA_BROKERS INFLUX_URL=$INFLUX_URL"
# The Kafka input's consumer thread runs the compiled worker from dist/.
npm run build --silent
npx vitest run --project integration "$@"
