#!/usr/bin/env bash
# Real services for tickd's integration tests and benches (DESIGN.md §10):
#   Kafka 3.9 in KRaft mode (one process: broker + controller) on 127.0.0.1:19092 (controller :19093)
#   InfluxDB 1.x (Debian's `influxdb` package) on 127.0.0.1:8086
# and the `kcat` command-line client the Kafka tests use.
#
#   bash scripts/services.sh up       install what is missing, start both, wait until they answer
#   bash scripts/services.sh down     stop what `up` started (by pid file) and delete their data
#   bash scripts/services.sh status   what runs where (exit 1 unless both run)
#   bash scripts/services.sh env      the variables the tests read, as `export` lines
#
# Cluster mode's tests (DESIGN §11) also get a 3-node Kafka cluster from the same jars (each
# node broker + controller, a 3-voter KRaft quorum; replication factor 3, min.insync.replicas
# 2) on 127.0.0.1:19192, :19292, :19392 (controllers :19193, :19293, :19393):
#   bash scripts/services.sh up-cluster        start the three nodes (fresh data), wait for all
#   bash scripts/services.sh down-cluster      stop them and delete their data
#   bash scripts/services.sh status-cluster    one line per node (exit 1 unless all three answer)
#   bash scripts/services.sh kill-broker N     kill -9 node N (1-3), as a crash would
#   bash scripts/services.sh stop-broker N     stop node N gracefully (SIGTERM)
#   bash scripts/services.sh start-broker N    start node N again on its kept data, wait for it
# Their data is in $TICKD_SERVICES_DIR/kafka-cluster/, logs in logs/kafka-cluster-N.log.
#
# Installs: apt packages influxdb, kcat, prometheus-alertmanager, prometheus, mosquitto, snmptrapd, chromium (and curl, Java, Maven if absent) when missing; the
# broker's jars through Maven (scripts/kafka/pom.xml), cached in ~/.cache/tickd/ and fetched
# only once. Everything `up` creates lives in $TICKD_SERVICES_DIR (default
# ~/.cache/tickd/services): logs/kafka.log, logs/influxdb.log, run/*.pid, data/ (removed by down).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE_DIR="${TICKD_CACHE_DIR:-${HOME:-/root}/.cache/tickd}"
SERVICES_DIR="${TICKD_SERVICES_DIR:-$CACHE_DIR/services}"
LOG_DIR="$SERVICES_DIR/logs"
RUN_DIR="$SERVICES_DIR/run"
DATA_DIR="$SERVICES_DIR/data"

KAFKA_VERSION="$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$ROOT/scripts/kafka/pom.xml")"
KAFKA_LIBS="$CACHE_DIR/kafka-$KAFKA_VERSION/libs"
KAFKA_HOST=127.0.0.1
KAFKA_PORT=19092
KAFKA_CONTROLLER_PORT=19093
# A fixed cluster id (base64 of 16 bytes): the data dir is thrown away by `down` anyway.
KAFKA_CLUSTER_ID="dGlja2Qtc2VydmljZXMhIQ"
KAFKA_READY_TIMEOUT="${TICKD_KAFKA_READY_TIMEOUT:-90}"

# The 3-node cluster: node n listens on 19092 + 100n (controller 19093 + 100n).
CLUSTER_NODES=(1 2 3)
CLUSTER_DIR="$SERVICES_DIR/kafka-cluster"
KAFKA_CLUSTER_ID_3="dGlja2QtY2x1c3RlciEhIQ"
KAFKA_CLUSTER_BROKERS_VALUE="$KAFKA_HOST:19192,$KAFKA_HOST:19292,$KAFKA_HOST:19392"

INFLUX_HOST=127.0.0.1
INFLUX_PORT=8086
INFLUX_RPC_PORT=8088
INFLUX_READY_TIMEOUT="${TICKD_INFLUX_READY_TIMEOUT:-60}"

KAFKA_BROKERS_VALUE="$KAFKA_HOST:$KAFKA_PORT"
INFLUX_URL_VALUE="http://$INFLUX_HOST:$INFLUX_PORT"

log() { printf '[services] %s\n' "$*" >&2; }
die() {
  printf '[services] ERROR: %s\n' "$*" >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Installs

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

apt_updated=0
apt_install() {
  [ $# -gt 0 ] || return 0
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install these yourself: $*"
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    apt_updated=1
  fi
  log "apt-get install $*"
  # The influxdb package's maintainer script would start its own influxd (on :8086, the port
  # ours needs) when an init system lets it: tell invoke-rc.d not to start anything while we
  # install, through a policy-rc.d that exists only for this command.
  local policy=/usr/sbin/policy-rc.d created_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | as_root tee "$policy" >/dev/null
    as_root chmod 755 "$policy"
    created_policy=1
  fi
  local rc=0
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >"$LOG_DIR/apt.log" 2>&1 ||
    rc=$?
  [ "$created_policy" -eq 0 ] || as_root rm -f "$policy"
  if [ "$rc" -ne 0 ]; then
    tail -n 30 "$LOG_DIR/apt.log" >&2
    die "apt-get install $* failed (full output: $LOG_DIR/apt.log)"
  fi
}

install_tools() {
  local missing=()
  command -v influxd >/dev/null 2>&1 || missing+=(influxdb)
  command -v kcat >/dev/null 2>&1 || command -v kafkacat >/dev/null 2>&1 || missing+=(kcat)
  # A real Alertmanager posts to tickd's /tickd/v1/integrations/alertmanager in the tests.
  command -v prometheus-alertmanager >/dev/null 2>&1 || command -v alertmanager >/dev/null 2>&1 ||
    missing+=(prometheus-alertmanager)
  # A real Prometheus uses tickd as its Alertmanager and scrapes its /metrics in the tests.
  command -v prometheus >/dev/null 2>&1 || missing+=(prometheus)
  # The mqtt and snmptrap handler tests start their own broker / trap receiver on free ports.
  [ -x /usr/sbin/mosquitto ] || command -v mosquitto >/dev/null 2>&1 || missing+=(mosquitto)
  [ -x /usr/sbin/snmptrapd ] || command -v snmptrapd >/dev/null 2>&1 || missing+=(snmptrapd)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  # The web console's browser tests drive Debian's chromium (test/support/browser.ts).
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null 2>&1 || [ -f "$KAFKA_LIBS/.complete" ] || missing+=(maven)
  apt_install "${missing[@]}"
}

kcat_bin() {
  if command -v kcat >/dev/null 2>&1; then echo kcat; else echo kafkacat; fi
}

fetch_kafka_jars() {
  if [ -f "$KAFKA_LIBS/.complete" ]; then
    return 0
  fi
  log "fetching Kafka $KAFKA_VERSION jars from Maven Central into $KAFKA_LIBS"
  local tmp="$KAFKA_LIBS.tmp.$$"
  rm -rf "$tmp"
  mkdir -p "$tmp"
  if ! mvn -q -B -f "$ROOT/scripts/kafka/pom.xml" dependency:copy-dependencies \
    -DoutputDirectory="$tmp" >"$LOG_DIR/maven.log" 2>&1; then
    tail -n 30 "$LOG_DIR/maven.log" >&2
    rm -rf "$tmp"
    die "could not fetch the Kafka jars (full output: $LOG_DIR/maven.log)"
  fi
  touch "$tmp/.complete"
  rm -rf "$KAFKA_LIBS"
  mv "$tmp" "$KAFKA_LIBS"
}

# ---------------------------------------------------------------------------------------------
# Processes: a pid file per service, and the pid counts only while its command line is ours
# (a recycled pid of some other process is never signalled).

pid_file() { echo "$RUN_DIR/$1.pid"; }

# running NAME MARKER -> prints the pid and succeeds when the recorded process still runs.
running() {
  local file pid
  file="$(pid_file "$1")"
  [ -f "$file" ] || return 1
  pid="$(cat "$file")"
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q -- "$2" || return 1
  echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null; }

stop_service() {
  local name="$1" marker="$2" pid i
  if pid="$(running "$name" "$marker")"; then
    log "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for i in $(seq 1 60); do
      [ -d "/proc/$pid" ] || break
      sleep 0.5
    done
    if [ -d "/proc/$pid" ]; then
      log "$name did not stop within 30 s: killing it"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
    fi
  fi
  rm -f "$(pid_file "$name")"
}

fail_with_log() {
  local name="$1" logfile="$2"
  shift 2
  {
    printf '[services] ERROR: %s\n' "$*"
    printf '[services] last lines of %s:\n' "$logfile"
    tail -n 40 "$logfile" 2>/dev/null | sed 's/^/  | /'
  } >&2
  exit 1
}

# ---------------------------------------------------------------------------------------------
# Kafka

kafka_java() {
  # shellcheck disable=SC2086 # KAFKA_HEAP_OPTS / KAFKA_OPTS are word lists, as in Kafka's scripts
  java ${KAFKA_HEAP_OPTS:-} ${KAFKA_OPTS:-} -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$ROOT/scripts/kafka/log4j.properties" \
    -cp "$KAFKA_LIBS/*" "$@"
}

kafka_ready() {
  port_open "$KAFKA_HOST" "$KAFKA_PORT" || return 1
  # A metadata request answered by the broker, through a client nobody here wrote.
  "$(kcat_bin)" -b "$KAFKA_BROKERS_VALUE" -L -m 3 2>/dev/null | grep -q "1 brokers:" || return 1
}

start_kafka() {
  local pid
  if pid="$(running kafka kafka.Kafka)"; then
    log "Kafka already running (pid $pid)"
  else
    if port_open "$KAFKA_HOST" "$KAFKA_PORT" || port_open "$KAFKA_HOST" "$KAFKA_CONTROLLER_PORT"; then
      die "port $KAFKA_PORT or $KAFKA_CONTROLLER_PORT on $KAFKA_HOST is taken by a process this script did not start (ss -ltnp | grep 1909)"
    fi
    local dir="$DATA_DIR/kafka"
    rm -rf "$dir"
    mkdir -p "$dir"
    sed "s|@DATA_DIR@|$dir|g" "$ROOT/scripts/kafka/server.properties.template" >"$dir/server.properties"
    local logfile="$LOG_DIR/kafka.log"
    : >"$logfile"
    if ! KAFKA_HEAP_OPTS="-Xmx256m" kafka_java kafka.tools.StorageTool format \
      -t "$KAFKA_CLUSTER_ID" -c "$dir/server.properties" >>"$logfile" 2>&1; then
      fail_with_log kafka "$logfile" "formatting the Kafka storage failed"
    fi
    log "starting Kafka $KAFKA_VERSION (KRaft) on $KAFKA_BROKERS_VALUE, log: $logfile"
    # A simple command in the background: $! is the JVM itself.
    # shellcheck disable=SC2086 # word lists, as in Kafka's own scripts
    nohup java ${KAFKA_HEAP_OPTS:--Xmx512m -Xms256m} ${KAFKA_OPTS:-} -Djava.awt.headless=true \
      -Dlog4j.configuration="file:$ROOT/scripts/kafka/log4j.properties" \
      -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" >>"$logfile" 2>&1 </dev/null 9>&- &
    echo $! >"$(pid_file kafka)"
  fi
  wait_kafka
}

wait_kafka() {
  local logfile="$LOG_DIR/kafka.log" deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  until kafka_ready; do
    if ! running kafka kafka.Kafka >/dev/null; then
      rm -f "$(pid_file kafka)"
      fail_with_log kafka "$logfile" "Kafka exited before it was ready"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail_with_log kafka "$logfile" "Kafka not ready on $KAFKA_BROKERS_VALUE after ${KAFKA_READY_TIMEOUT}s"
    fi
    sleep 0.5
  done
  log "Kafka ready on $KAFKA_BROKERS_VALUE"
}

# ---------------------------------------------------------------------------------------------
# InfluxDB

influx_ready() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$INFLUX_URL_VALUE/ping")" = 204 ]
}

write_influx_config() {
  local dir="$1"
  cat >"$dir/influxdb.conf" <<EOF
# Written by scripts/services.sh for tests: loopback only, no auth, data in this directory.
reporting-disabled = true
bind-address = "$INFLUX_HOST:$INFLUX_RPC_PORT"

[meta]
  dir = "$dir/meta"

[data]
  dir = "$dir/data"
  wal-dir = "$dir/wal"
  query-log-enabled = false
  cache-snapshot-write-cold-duration = "1m"

[monitor]
  store-enabled = false

[http]
  enabled = true
  bind-address = "$INFLUX_HOST:$INFLUX_PORT"
  auth-enabled = false
  log-enabled = false
  write-tracing = false

[subscriber]
  enabled = true

[continuous_queries]
  log-enabled = false
EOF
}

start_influx() {
  local pid
  if pid="$(running influxdb influxd)"; then
    log "InfluxDB already running (pid $pid)"
  else
    if port_open "$INFLUX_HOST" "$INFLUX_PORT"; then
      die "port $INFLUX_PORT on $INFLUX_HOST is taken by a process this script did not start (ss -ltnp | grep $INFLUX_PORT)"
    fi
    local dir="$DATA_DIR/influxdb"
    rm -rf "$dir"
    mkdir -p "$dir"
    write_influx_config "$dir"
    local logfile="$LOG_DIR/influxdb.log"
    : >"$logfile"
    log "starting InfluxDB $(influx_version) on $INFLUX_URL_VALUE, log: $logfile"
    nohup influxd -config "$dir/influxdb.conf" >>"$logfile" 2>&1 </dev/null 9>&- &
    echo $! >"$(pid_file influxdb)"
  fi
  local deadline=$((SECONDS + INFLUX_READY_TIMEOUT))
  until influx_ready; do
    if ! running influxdb influxd >/dev/null; then
      rm -f "$(pid_file influxdb)"
      fail_with_log influxdb "$LOG_DIR/influxdb.log" "InfluxDB exited before it was ready"
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      fail_with_log influxdb "$LOG_DIR/influxdb.log" "InfluxDB not ready on $INFLUX_URL_VALUE after ${INFLUX_READY_TIMEOUT}s"
    fi
    sleep 0.3
  done
  log "InfluxDB ready on $INFLUX_URL_VALUE"
}

influx_version() {
  influxd version 2>/dev/null | head -n 1 || echo "(unknown version)"
}

# ---------------------------------------------------------------------------------------------
# Kafka cluster (3 nodes) for cluster mode's failover tests

cluster_port() { echo $((KAFKA_PORT + 100 * $1)); }
cluster_controller_port() { echo $((KAFKA_CONTROLLER_PORT + 100 * $1)); }
cluster_name() { echo "kafka-cluster-$1"; }
# The pid counts only while its command line names this node's config.
cluster_marker() { echo "kafka-cluster/node-$1/server.properties"; }

check_node() {
  case "${1:-}" in
  1 | 2 | 3) ;;
  *) die "expected a broker number 1, 2 or 3, got '${1:-}'" ;;
  esac
}

cluster_voters() {
  local n out=""
  for n in "${CLUSTER_NODES[@]}"; do out="$out${out:+,}$n@$KAFKA_HOST:$(cluster_controller_port "$n")"; done
  echo "$out"
}

# node_ready N -> node N answers metadata and sees all three brokers.
node_ready() {
  local port
  port="$(cluster_port "$1")"
  port_open "$KAFKA_HOST" "$port" || return 1
  "$(kcat_bin)" -b "$KAFKA_HOST:$port" -L -m 3 2>/dev/null | grep -q "3 brokers:" || return 1
}

format_cluster_node() {
  local n="$1" dir="$CLUSTER_DIR/node-$1"
  rm -rf "$dir"
  mkdir -p "$dir"
  sed -e "s|@DATA_DIR@|$dir|g" -e "s|@NODE_ID@|$n|g" -e "s|@PORT@|$(cluster_port "$n")|g" \
    -e "s|@CONTROLLER_PORT@|$(cluster_controller_port "$n")|g" -e "s|@VOTERS@|$(cluster_voters)|g" \
    "$ROOT/scripts/kafka/cluster.properties.template" >"$dir/server.properties"
  KAFKA_HEAP_OPTS="-Xmx128m" kafka_java kafka.tools.StorageTool format \
    -t "$KAFKA_CLUSTER_ID_3" -c "$dir/server.properties" >"$LOG_DIR/$(cluster_name "$n").log" 2>&1
}

# launch_cluster_node N: starts node N on its existing data dir (formatted by up-cluster).
launch_cluster_node() {
  local n="$1" name pid port cport dir="$CLUSTER_DIR/node-$1"
  name="$(cluster_name "$n")"
  if pid="$(running "$name" "$(cluster_marker "$n")")"; then
    log "Kafka node $n already running (pid $pid)"
    return 0
  fi
  [ -f "$dir/server.properties" ] || die "Kafka node $n has no data in $dir: run 'bash scripts/services.sh up-cluster'"
  port="$(cluster_port "$n")"
  cport="$(cluster_controller_port "$n")"
  if port_open "$KAFKA_HOST" "$port" || port_open "$KAFKA_HOST" "$cport"; then
    die "port $port or $cport on $KAFKA_HOST is taken by a process this script did not start (ss -ltnp | grep -E '$port|$cport')"
  fi
  local logfile="$LOG_DIR/$name.log"
  log "starting Kafka node $n on $KAFKA_HOST:$port (controller :$cport), log: $logfile"
  # shellcheck disable=SC2086 # word lists, as in Kafka's own scripts
  nohup java ${KAFKA_HEAP_OPTS:--Xmx384m -Xms128m} ${KAFKA_OPTS:-} -Djava.awt.headless=true \
    -Dlog4j.configuration="file:$ROOT/scripts/kafka/log4j.properties" \
    -cp "$KAFKA_LIBS/*" kafka.Kafka "$dir/server.properties" >>"$logfile" 2>&1 </dev/null 9>&- &
  echo $! >"$(pid_file "$name")"
}

# wait_cluster_nodes N… -> each named node answers and sees three brokers.
wait_cluster_nodes() {
  local n name deadline=$((SECONDS + KAFKA_READY_TIMEOUT))
  for n in "$@"; do
    name="$(cluster_name "$n")"
    until node_ready "$n"; do
      if ! running "$name" "$(cluster_marker "$n")" >/dev/null; then
        rm -f "$(pid_file "$name")"
        fail_with_log "$name" "$LOG_DIR/$name.log" "Kafka node $n exited before it was ready"
      fi
      if [ "$SECONDS" -ge "$deadline" ]; then
        fail_with_log "$name" "$LOG_DIR/$name.log" "Kafka node $n not ready (3 brokers seen) after ${KAFKA_READY_TIMEOUT}s"
      fi
      sleep 0.5
    done
  done
  log "Kafka cluster ready on $KAFKA_CLUSTER_BROKERS_VALUE (nodes $* answer)"
}

stop_cluster_node() {
  stop_service "$(cluster_name "$1")" "$(cluster_marker "$1")"
}

cmd_up_cluster() {
  with_lock
  mkdir -p "$LOG_DIR" "$RUN_DIR" "$CLUSTER_DIR"
  local t0=$SECONDS n any=0 pids=()
  install_tools
  fetch_kafka_jars
  for n in "${CLUSTER_NODES[@]}"; do
    if running "$(cluster_name "$n")" "$(cluster_marker "$n")" >/dev/null; then any=1; fi
  done
  if [ "$any" -eq 1 ]; then
    # Some nodes run (one was killed by a test, say): start the others on their kept data.
    for n in "${CLUSTER_NODES[@]}"; do
      [ -f "$CLUSTER_DIR/node-$n/server.properties" ] || die "Kafka node $n has no data while others run: bash scripts/services.sh down-cluster, then up-cluster"
      launch_cluster_node "$n"
    done
  else
    # Fresh data for the whole cluster.
    for n in "${CLUSTER_NODES[@]}"; do
      format_cluster_node "$n" &
      pids+=($!)
    done
    for n in "${!pids[@]}"; do
      wait "${pids[$n]}" || fail_with_log "$(cluster_name $((n + 1)))" "$LOG_DIR/$(cluster_name $((n + 1))).log" \
        "formatting the storage of Kafka node $((n + 1)) failed"
    done
    for n in "${CLUSTER_NODES[@]}"; do launch_cluster_node "$n"; done
  fi
  wait_cluster_nodes "${CLUSTER_NODES[@]}"
  log "cluster up in $((SECONDS - t0))s; the tests read:"
  echo "export KAFKA_CLUSTER_BROKERS=$KAFKA_CLUSTER_BROKERS_VALUE" >&2
}

cmd_down_cluster() {
  with_lock
  local n
  for n in "${CLUSTER_NODES[@]}"; do stop_cluster_node "$n"; done
  rm -rf "$CLUSTER_DIR"
  log "cluster down (logs in $LOG_DIR)"
}

cmd_kill_broker() {
  check_node "${1:-}"
  with_lock
  local name pid
  name="$(cluster_name "$1")"
  if pid="$(running "$name" "$(cluster_marker "$1")")"; then
    log "kill -9 Kafka node $1 (pid $pid)"
    kill -KILL "$pid"
    # Gone (or a zombie nobody reaped yet) within a few seconds; ports are free then.
    local i
    for i in $(seq 1 100); do
      [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null || break
      sleep 0.1
    done
  else
    log "Kafka node $1 was not running"
  fi
  rm -f "$(pid_file "$name")"
}

cmd_stop_broker() {
  check_node "${1:-}"
  with_lock
  stop_cluster_node "$1"
}

cmd_start_broker() {
  check_node "${1:-}"
  with_lock
  mkdir -p "$LOG_DIR" "$RUN_DIR"
  launch_cluster_node "$1"
  wait_cluster_nodes "$1"
}

cmd_status_cluster() {
  local ok=0 n name pid rss port
  for n in "${CLUSTER_NODES[@]}"; do
    name="$(cluster_name "$n")"
    port="$(cluster_port "$n")"
    if pid="$(running "$name" "$(cluster_marker "$n")")"; then
      rss="$(awk '/VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status")"
      if node_ready "$n"; then
        echo "$name  running  pid $pid  $KAFKA_HOST:$port (controller :$(cluster_controller_port "$n"))  rss $rss  log $LOG_DIR/$name.log"
      else
        echo "$name  starting pid $pid  $KAFKA_HOST:$port (does not see 3 brokers yet)  log $LOG_DIR/$name.log"
        ok=1
      fi
    else
      echo "$name  stopped  (start: bash scripts/services.sh up-cluster, or start-broker $n)"
      ok=1
    fi
  done
  return "$ok"
}

# ---------------------------------------------------------------------------------------------
# Commands

with_lock() {
  # Two `up`s at once (two terminals, two test runs) would race on ports and data dirs.
  mkdir -p "$SERVICES_DIR"
  exec 9>"$SERVICES_DIR/.lock"
  flock -w 300 9 || die "another services.sh holds $SERVICES_DIR/.lock"
}

print_env() {
  echo "export KAFKA_BROKERS=$KAFKA_BROKERS_VALUE"
  echo "export INFLUX_URL=$INFLUX_URL_VALUE"
  echo "export KAFKA_CLUSTER_BROKERS=$KAFKA_CLUSTER_BROKERS_VALUE"
}

cmd_up() {
  with_lock
  mkdir -p "$LOG_DIR" "$RUN_DIR" "$DATA_DIR"
  local t0=$SECONDS
  install_tools
  fetch_kafka_jars
  start_kafka
  start_influx
  log "up in $((SECONDS - t0))s; the tests read:"
  print_env >&2
}

cmd_down() {
  with_lock
  stop_service kafka kafka.Kafka
  stop_service influxdb influxd
  rm -rf "$DATA_DIR"
  log "down (jar cache kept in $CACHE_DIR; logs in $LOG_DIR)"
}

cmd_status() {
  local ok=0 pid rss
  if pid="$(running kafka kafka.Kafka)"; then
    rss="$(awk '/VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status")"
    if kafka_ready; then
      echo "kafka     running  pid $pid  $KAFKA_BROKERS_VALUE (controller :$KAFKA_CONTROLLER_PORT)  Kafka $KAFKA_VERSION KRaft  rss $rss  log $LOG_DIR/kafka.log"
    else
      echo "kafka     starting pid $pid  $KAFKA_BROKERS_VALUE (not answering metadata yet)  log $LOG_DIR/kafka.log"
      ok=1
    fi
  else
    echo "kafka     stopped  (start: bash scripts/services.sh up)"
    ok=1
  fi
  if pid="$(running influxdb influxd)"; then
    rss="$(awk '/VmRSS/ {printf "%d MiB", $2 / 1024}' "/proc/$pid/status")"
    if influx_ready; then
      echo "influxdb  running  pid $pid  $INFLUX_URL_VALUE  $(influx_version)  rss $rss  log $LOG_DIR/influxdb.log"
    else
      echo "influxdb  starting pid $pid  $INFLUX_URL_VALUE (no 204 from /ping yet)  log $LOG_DIR/influxdb.log"
      ok=1
    fi
  else
    echo "influxdb  stopped  (start: bash scripts/services.sh up)"
    ok=1
  fi
  if command -v kcat >/dev/null 2>&1 || command -v kafkacat >/dev/null 2>&1; then
    echo "kcat      $(command -v "$(kcat_bin)")"
  else
    echo "kcat      not installed (bash scripts/services.sh up installs it)"
  fi
  # The 3-node cluster (up-cluster) is listed too; it does not change the exit code.
  cmd_status_cluster || true
  return "$ok"
}

case "${1:-}" in
up) cmd_up ;;
down) cmd_down ;;
status) cmd_status ;;
env) print_env ;;
up-cluster) cmd_up_cluster ;;
down-cluster) cmd_down_cluster ;;
status-cluster) cmd_status_cluster ;;
kill-broker) cmd_kill_broker "${2:-}" ;;
stop-broker) cmd_stop_broker "${2:-}" ;;
start-broker) cmd_start_broker "${2:-}" ;;
*)
  echo "usage: bash scripts/services.sh up|down|status|env|up-cluster|down-cluster|status-cluster|kill-broker N|stop-broker N|start-broker N" >&2
  exit 2
  ;;
esac
