#!/usr/bin/env bash
# A throwaway local Redis Cluster on loopback for CI and tests: `start` (3 masters, or 6 nodes with
# REPLICAS=1) and `stop`. Prints the seed list for REDIS_CLUSTER_NODES on start.
#   REDIS_CLUSTER_PORT  first port (default 7101; nodes use PORT..PORT+N-1)
#   REPLICAS            replicas per master (default 0; 1 = 3 masters + 3 replicas, for failover tests)
#   REDIS_CLUSTER_DIR   where configs, logs and pid files go (default /tmp/countersign-cluster-<PORT>)
set -euo pipefail

FIRST_PORT="${REDIS_CLUSTER_PORT:-7101}"
REPLICAS="${REPLICAS:-0}"
COUNT=$((3 * (REPLICAS + 1)))
DIR="${REDIS_CLUSTER_DIR:-/tmp/countersign-cluster-${FIRST_PORT}}"

ports() { seq "$FIRST_PORT" $((FIRST_PORT + COUNT - 1)); }

seeds() { ports | sed 's/^/127.0.0.1:/' | paste -sd, -; }

start() {
  mkdir -p "$DIR"
  for port in $(ports); do
    if redis-cli -p "$port" ping >/dev/null 2>&1; then
      echo "[redis-cluster] port $port already answers: run '$0 stop' first" >&2
      exit 1
    fi
    rm -f "$DIR/nodes-$port.conf"
    # No persistence: a CI cluster starts empty. cluster-node-timeout 2000 so a failover takes seconds; replicas
    # sync at once (no diskless delay).
    redis-server --port "$port" --bind 127.0.0.1 --cluster-enabled yes \
      --cluster-config-file "$DIR/nodes-$port.conf" --cluster-node-timeout 2000 \
      --repl-diskless-sync-delay 0 \
      --save "" --appendonly no --dir "$DIR" --daemonize yes \
      --pidfile "$DIR/redis-$port.pid" --logfile "$DIR/redis-$port.log"
  done
  for port in $(ports); do
    for _ in $(seq 1 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && break; sleep 0.1; done
    if ! redis-cli -p "$port" ping >/dev/null 2>&1; then
      echo "[redis-cluster] node on port $port did not start (port or bus port $((port + 10000)) taken?)" >&2
      stop
      exit 1
    fi
  done
  # shellcheck disable=SC2046
  redis-cli --cluster create $(ports | sed 's/^/127.0.0.1:/') --cluster-replicas "$REPLICAS" \
    --cluster-yes >"$DIR/create.log"
  for _ in $(seq 1 300); do
    ok=1
    for port in $(ports); do
      redis-cli -p "$port" cluster info | grep -q 'cluster_state:ok' || ok=0
      # A replica that never finished its first sync may not take over: wait until every link is up.
      if redis-cli -p "$port" info replication | grep -q 'role:slave'; then
        redis-cli -p "$port" info replication | grep -q 'master_link_status:up' || ok=0
      fi
    done
    if [ "$REPLICAS" -gt 0 ] && [ "$(redis-cli -p "$FIRST_PORT" cluster nodes | grep -c slave)" -ne $((3 * REPLICAS)) ]; then
      ok=0
    fi
    if [ "$ok" = 1 ]; then
      seeds
      return 0
    fi
    sleep 0.1
  done
  echo "[redis-cluster] cluster_state did not become ok; see $DIR" >&2
  exit 1
}

stop() {
  # Every node this directory started, whatever REPLICAS was then.
  for pidfile in "$DIR"/redis-*.pid; do
    [ -f "$pidfile" ] || continue
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
  done
  rm -f "$DIR"/nodes-*.conf
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  seeds) seeds ;;
  *)
    echo "usage: $0 start|stop|seeds" >&2
    exit 2
    ;;
esac
