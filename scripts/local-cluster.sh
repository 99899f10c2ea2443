#!/usr/bin/env bash
# A real multi-JVM cluster on this machine, for tests and demos: a Spark standalone master and N workers (separate
# JVMs, bound to 127.0.0.1) and an HDFS mini-cluster (NameNode + 2 DataNodes). No Spark download: the class path is
# the project's own build (cli/target/lib), linked into $SPARK_HOME/jars, where workers launch executors from.
#
#   scripts/local-cluster.sh start [--shards N]   HDFS, Spark master and workers (and N parameter-server shards)
#   scripts/local-cluster.sh shards N             only N parameter-server shards (`tandem ps`), for a local-mode job
#   scripts/local-cluster.sh stop|status
#
# Environment: TANDEM_HOME (default ./tandem-work; the cluster lives in $TANDEM_HOME/cluster), TANDEM_WORKERS (2),
# TANDEM_WORKER_MEMORY (3g), TANDEM_SPARK_PORT (7077), TANDEM_SPARK_UI_PORT (8081), TANDEM_HDFS_PORT (9000),
# TANDEM_PS_PORT (40300: shard i listens on UDP port TANDEM_PS_PORT + i), TANDEM_PS_MEMORY (1g, heap of each shard).
# Use it with cluster-config/local-cluster.yaml: scripts/submit.sh --cluster cluster-config/local-cluster.yaml --job JOB.yaml;
# a job with model.embeddings.store: sharded lists the shards in cluster.parameter_server.shards (127.0.0.1:40300, ...).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
HOME_DIR="${TANDEM_HOME:-$ROOT/tandem-work}"
CL="$HOME_DIR/cluster"
WORKERS="${TANDEM_WORKERS:-2}"
WORKER_MEMORY="${TANDEM_WORKER_MEMORY:-3g}"
SPARK_PORT="${TANDEM_SPARK_PORT:-7077}"
UI_PORT="${TANDEM_SPARK_UI_PORT:-8081}"
HDFS_PORT="${TANDEM_HDFS_PORT:-9000}"
PS_PORT="${TANDEM_PS_PORT:-40300}"
PS_MEMORY="${TANDEM_PS_MEMORY:-1g}"
# shellcheck source=scripts/jvm-flags
. "$ROOT/scripts/jvm-flags"

log() { echo "local-cluster: $*" >&2; }

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() { # port seconds what logfile
  for _ in $(seq 1 $(( $2 * 4 ))); do
    port_open "$1" && return 0
    sleep 0.25
  done
  log "$3 did not open port $1 within $2 s; last lines of $4:"; tail -20 "$4" >&2; return 1
}

workers_alive() {
  curl -s --max-time 2 "http://127.0.0.1:$UI_PORT/json/" 2>/dev/null | tr ',' '\n' | grep -c '"state" *: *"ALIVE"' || true
}

# N parameter-server shards, each its own JVM with its own Aeron media driver, on UDP ports PS_PORT .. PS_PORT+N-1
start_shards() {
  local n="$1"
  case "$n" in ''|*[!0-9]*) log "shards: give a number of shards (got '$n')"; exit 2 ;; esac
  mkdir -p "$CL/logs"
  "$ROOT/scripts/tandem" --version >/dev/null
  for i in $(seq 0 $(( n - 1 ))); do
    local port=$(( PS_PORT + i ))
    if alive "$CL/ps-$i.pid"; then log "shard $i already running (pid $(cat "$CL/ps-$i.pid"))"; continue; fi
    log "starting parameter-server shard $i on 127.0.0.1:$port ($PS_MEMORY heap)"
    # shellcheck disable=SC2086
    nohup java $TANDEM_JVM_FLAGS -Xmx"$PS_MEMORY" -jar "$ROOT/cli/target/tandem.jar" ps --host 127.0.0.1 --port "$port" \
      > "$CL/logs/ps-$i.log" 2>&1 &
    echo $! > "$CL/ps-$i.pid"
  done
  for i in $(seq 0 $(( n - 1 ))); do
    for _ in $(seq 1 240); do
      grep -q "listening on" "$CL/logs/ps-$i.log" 2>/dev/null && break
      alive "$CL/ps-$i.pid" || break
      sleep 0.25
    done
    grep -q "listening on" "$CL/logs/ps-$i.log" 2>/dev/null \
      || { log "shard $i did not start; last lines of $CL/logs/ps-$i.log:"; tail -20 "$CL/logs/ps-$i.log" >&2; exit 1; }
  done
  local list=""
  for i in $(seq 0 $(( n - 1 ))); do list="$list${list:+, }127.0.0.1:$(( PS_PORT + i ))"; done
  echo "parameter-server shards: [$list]  (cluster.parameter_server.shards)"
}

start() {
  local shards=0
  if [ "${1:-}" = "--shards" ]; then shards="${2:-}"; fi
  if alive "$CL/master.pid"; then log "already running (scripts/local-cluster.sh status)"; return 0; fi
  mkdir -p "$CL/logs"
  "$ROOT/scripts/tandem" --version >/dev/null        # builds cli/target/tandem.jar and lib/ if missing or stale
  # Spark's launcher builds executors' class path from $SPARK_HOME/jars/*
  export SPARK_HOME="$CL/spark-home"
  rm -rf "$SPARK_HOME"; mkdir -p "$SPARK_HOME/jars"
  # exactly the jars the build's manifest names: lib/ may still hold versions an earlier build needed
  unzip -p "$ROOT/cli/target/tandem.jar" META-INF/MANIFEST.MF | tr -d '\r' | sed -n '/^Class-Path:/,/^[A-Za-z-]*:/p' \
    | sed -e 's/^Class-Path: //' -e 's/^ //' -e '/^[A-Za-z-]*: /d' | tr -d '\n' | tr ' ' '\n' | grep -v '^$' \
    | while read -r jar; do ln -s "$ROOT/cli/target/$jar" "$SPARK_HOME/jars/"; done
  ln -s "$ROOT/cli/target/tandem.jar" "$SPARK_HOME/jars/tandem-cli.jar"
  export SPARK_SCALA_VERSION=2.12 SPARK_LOCAL_IP=127.0.0.1 DL4J_VOID_IP=127.0.0.1 OMP_NUM_THREADS=1

  # HDFS: the mini-cluster comes from the testkit module (kept out of the product); TANDEM_HDFS_CLASSPATH, when set,
  # is its class path already (the integration tests pass their own)
  if [ -n "${TANDEM_HDFS_CLASSPATH:-}" ]; then
    printf '%s' "$TANDEM_HDFS_CLASSPATH" > "$CL/hdfs.classpath"
  elif [ ! -f "$ROOT/testkit/target/classes/dev/tandem/testing/MiniHdfsMain.class" ] || [ ! -s "$CL/hdfs.classpath" ]; then
    log "preparing the HDFS mini-cluster class path (once) ..."
    # one reactor build: testkit's class path then names core/target/classes and the mini-cluster's jars
    (cd "$ROOT" && mvn -B -q compile dependency:build-classpath -pl core,testkit -Dmdep.outputFile="$CL/hdfs.classpath") >&2
  fi
  log "starting HDFS (NameNode + 2 DataNodes) on 127.0.0.1:$HDFS_PORT"
  # shellcheck disable=SC2086
  nohup java $TANDEM_JVM_FLAGS -Xmx768m -cp "$ROOT/testkit/target/classes:$ROOT/core/target/classes:$(cat "$CL/hdfs.classpath")" \
    dev.tandem.testing.MiniHdfsMain "$CL/hdfs" "$HDFS_PORT" 2 > "$CL/logs/hdfs.log" 2>&1 &
  echo $! > "$CL/hdfs.pid"
  wait_port "$HDFS_PORT" 90 "HDFS" "$CL/logs/hdfs.log"

  log "starting the Spark master on spark://127.0.0.1:$SPARK_PORT"
  # shellcheck disable=SC2086
  nohup java $TANDEM_JVM_FLAGS -Xmx512m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.master.Master \
    --host 127.0.0.1 --port "$SPARK_PORT" --webui-port "$UI_PORT" > "$CL/logs/master.log" 2>&1 &
  echo $! > "$CL/master.pid"
  wait_port "$SPARK_PORT" 60 "the Spark master" "$CL/logs/master.log"

  for i in $(seq 1 "$WORKERS"); do
    log "starting Spark worker $i (1 core, $WORKER_MEMORY)"
    mkdir -p "$CL/work-$i"
    # shellcheck disable=SC2086
    SPARK_WORKER_DIR="$CL/work-$i" nohup java $TANDEM_JVM_FLAGS -Xmx512m -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.worker.Worker \
      --host 127.0.0.1 --cores 1 --memory "$WORKER_MEMORY" --webui-port 0 --work-dir "$CL/work-$i" \
      "spark://127.0.0.1:$SPARK_PORT" > "$CL/logs/worker-$i.log" 2>&1 &
    echo $! > "$CL/worker-$i.pid"
  done
  for _ in $(seq 1 240); do
    [ "$(workers_alive)" -ge "$WORKERS" ] && break
    sleep 0.25
  done
  [ "$(workers_alive)" -ge "$WORKERS" ] || { log "workers did not register; see $CL/logs"; exit 1; }
  if [ "$shards" != 0 ]; then start_shards "$shards"; fi
  status
}

stop() {
  for f in "$CL"/ps-*.pid "$CL"/worker-*.pid "$CL/master.pid" "$CL/hdfs.pid"; do
    [ -f "$f" ] || continue
    if alive "$f"; then
      pid=$(cat "$f")
      pkill -TERM -P "$pid" 2>/dev/null || true     # executors launched by a worker
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
      kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$f"
  done
  # executors that outlived their worker (only this cluster's: they run in its work directories)
  for pid in $(pgrep -f CoarseGrainedExecutorBackend 2>/dev/null || true); do
    case "$(readlink "/proc/$pid/cwd" 2>/dev/null)" in "$CL"/*) kill -KILL "$pid" 2>/dev/null || true ;; esac
  done
  log "stopped"
}

status() {
  local ok=0
  for f in "$CL/hdfs.pid" "$CL/master.pid" "$CL"/worker-*.pid "$CL"/ps-*.pid; do
    [ -f "$f" ] || continue
    name=$(basename "$f" .pid)
    if alive "$f"; then echo "$name: running (pid $(cat "$f"))"; else echo "$name: not running"; ok=1; fi
  done
  if [ ! -f "$CL/master.pid" ]; then
    ls "$CL"/ps-*.pid >/dev/null 2>&1 && return $ok
    echo "cluster: not started"; return 1
  fi
  echo "spark master: spark://127.0.0.1:$SPARK_PORT (workers alive: $(workers_alive); UI http://127.0.0.1:$UI_PORT)"
  echo "hdfs: hdfs://127.0.0.1:$HDFS_PORT"
  echo "logs: $CL/logs"
  return $ok
}

case "${1:-}" in
  start) shift; start "$@" ;;
  shards) start_shards "${2:-}" ;;
  stop) stop ;;
  status) status ;;
  *) echo "usage: scripts/local-cluster.sh start [--shards N] | shards N | stop | status" >&2; exit 2 ;;
esac
