#!/usr/bin/env bash
# The Kibana connector flow, literally with curl, against tickd's /api/actions/ (README
# "Connectors"). Needs: TICKD_URL (default http://127.0.0.1:9092) and HOOK_URL, the receiver
# the .webhook connector posts to. Prints each answer on its own line.
set -euo pipefail
TICKD_URL=${TICKD_URL:-http://127.0.0.1:9092}
: "${HOOK_URL:?set HOOK_URL to the URL the webhook connector should post to}"

# 1. The connector types tickd offers (.webhook, .victorops, .escalation, .email, .slack, ...).
curl -sS "$TICKD_URL/api/actions/connector_types"
echo

# 2. A .webhook connector with basic auth and full TLS verification. Writes need kbn-xsrf.
curl -sS -X POST "$TICKD_URL/api/actions/connector/ops-webhook-basic" \
  -H 'kbn-xsrf: true' -H 'Content-Type: application/json' \
  -d @- <<JSON
{
  "name": "ops-webhook-basic",
  "connector_type_id": ".webhook",
  "config": {
    "url": "$HOOK_URL",
    "method": "post",
    "headers": { "Content-Type": "application/json" },
    "hasAuth": true,
    "authType": "webhook-authentication-basic",
    "verificationMode": "full"
  },
  "secrets": { "user": "ops", "password": "${HOOK_PASSWORD:-changeme-Pa55}" }
}
JSON
echo

# 3. Read it back: config only, never the secrets; is_missing_secrets says whether it can send.
curl -sS "$TICKD_URL/api/actions/connector/ops-webhook-basic"
echo

# 4. Execute it with a raw JSON body: it arrives at HOOK_URL with Authorization: Basic ….
curl -sS -X POST "$TICKD_URL/api/actions/connector/ops-webhook-basic/_execute" \
  -H 'kbn-xsrf: true' -H 'Content-Type: application/json' \
  -d '{"params": {"body": "{\"text\": \"hello from tickd\", \"severity\": \"critical\"}"}}'
echo

# 5. Every connector, with how many topic handlers use it.
curl -sS "$TICKD_URL/api/actions/connectors"
echo
