# Helpers shared by the bench scripts (sourced, not run).

log() { printf '[bench %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

# Builds and test runs (the machine has 2 cores) skew every number: wait for them to finish.
busy() {
  pgrep -x ninja >/dev/null || pgrep -x cc1plus >/dev/null || pgrep -x make >/dev/null ||
    pgrep -x ctest >/dev/null || pgrep -f 'serval-e2e-|tests/e2e/run' >/dev/null
}
wait_for_quiet() {  # waits at most QUIET_WAIT_MAX seconds (default 600), then notes it and goes on
  local waited=0
  while busy; do
    if (( waited % 30 == 0 )); then log "a build or test run is going on; waiting for it"; fi
    if (( waited >= ${QUIET_WAIT_MAX:-600} )); then
      log "still busy after ${waited}s; measuring anyway (noted in machine.txt)"
      echo "warning: measured while a build or test run was going on ($(date -u +%H:%M:%S))" \
        >>"$OUT/machine.txt"
      return
    fi
    sleep 2; waited=$((waited + 2))
  done
}

# A port free now, for a peer that cannot report the one it got; Serval itself starts with
# --port 0 and names its port in the ready line (ready_port).
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# Waits for the `serval up --port 0` running as pid $2, whose output goes to file $1 (from byte
# offset $3, default 0, so that an appended log's earlier starts do not count), to print its ready
# line, and prints the port that line names. Fails, showing the log, if Serval exits first or is
# not ready within 20 s.
ready_port() {
  local file="$1" pid="$2" offset="${3:-0}" port
  for _ in $(seq 400); do
    port="$(tail -c +$((offset + 1)) "$file" |
      sed -n 's|^Serval ready on http://[^:]*:\([0-9]*\) in .*|\1|p' | head -1)"
    if [[ -n "$port" ]]; then echo "$port"; return 0; fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  cat "$file" >&2
  log "serval did not report ready"
  return 1
}

# For scripts that keep their servers' pids in the associative array PID and their scratch files
# in TMP: kills every server and removes TMP. `trap stop_servers_and_clean EXIT` once both exist.
stop_servers_and_clean() {
  for server in "${!PID[@]}"; do kill "${PID[$server]}" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$TMP"
}

# Server start and stop for the side-by-side scripts, which keep their servers' pids and ports in
# the associative arrays PID and PORT (declared by the script) and their scratch files in TMP.

# Until anything answers HTTP on port $1 (20 s at most); fails early if pid $2 has exited.
wait_http() {
  for _ in $(seq 200); do
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    kill -0 "$2" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# Starts "$TMP/serval" (the copy the script made) as `serval up` on 127.0.0.1, a port of its own
# choosing, data dir $2, output in $TMP/$1.log, any further arguments passed on; sets PID[$1] and
# PORT[$1] once it is ready. Call it directly (not in $(...)), so the arrays are set.
start_serval() {
  local name="$1" data="$2"
  shift 2
  "$TMP/serval" up --host 127.0.0.1 --port 0 --data-dir "$data" "$@" >"$TMP/$name.log" 2>&1 &
  PID[$name]=$!
  PORT[$name]="$(ready_port "$TMP/$name.log" "${PID[$name]}")"
}

# Starts moto_server (the machine's python; everything in memory) on a free port, output in
# $TMP/$1.log; sets PID[$1] (the python process itself: the pyenv shim execs) and PORT[$1] once it
# answers HTTP.
start_moto() {
  local name="$1" port
  port="$(free_port)"
  moto_server -H 127.0.0.1 -p "$port" >"$TMP/$name.log" 2>&1 &
  PID[$name]=$!
  PORT[$name]="$port"
  wait_http "$port" "${PID[$name]}" || { cat "$TMP/$name.log" >&2; log "$name did not start"; return 1; }
}

# Stops server $1 (SIGTERM, then waits for it) and forgets it.
stop_server() {
  kill "${PID[$1]}" 2>/dev/null || true
  wait "${PID[$1]}" 2>/dev/null || true
  unset "PID[$1]" "PORT[$1]"
}

# A function package: make_zip ZIP NAME=SOURCE... stores each SOURCE as NAME, executable.
make_zip() {  # zip-file name=source...
  python3 - "$@" <<'EOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as z:
    for spec in sys.argv[2:]:
        name, source = spec.split("=", 1)
        info = zipfile.ZipInfo(name)
        info.external_attr = 0o755 << 16
        info.compress_type = zipfile.ZIP_DEFLATED
        z.writestr(info, open(source, "rb").read())
EOF
}

# serverless-offline with bench/peer's functions (the Node handlers Serval's benchmarks run too), in
# a process group of its own (setsid): sets PEER_PID, PEER_PORT (its Lambda Invoke API) and
# PEER_HTTP_PORT (its API Gateway), logs to $TMP/peer.log, returns once both listen. Exits if it
# does not start.
start_peer_offline() {
  PEER_PORT="$(free_port)"
  PEER_HTTP_PORT="$(free_port)"
  (cd "$BENCH_DIR/peer" &&
    exec setsid node_modules/.bin/serverless offline start --host 127.0.0.1 \
      --lambdaPort "$PEER_PORT" --httpPort "$PEER_HTTP_PORT" --noPrependStageInUrl \
      >"$TMP/peer.log" 2>&1) &
  PEER_PID=$!
  for _ in $(seq 600); do
    if grep -q "listening on http://127.0.0.1:$PEER_PORT" "$TMP/peer.log" 2>/dev/null &&
      grep -q "Server ready: http://127.0.0.1:$PEER_HTTP_PORT" "$TMP/peer.log"; then
      return 0
    fi
    kill -0 "$PEER_PID" 2>/dev/null || break
    sleep 0.1
  done
  cat "$TMP/peer.log" >&2; log "serverless-offline did not start"; exit 1
}

# Stops the serverless-offline running as PEER_PID: all of its process group.
stop_peer() {
  if [[ -n "${PEER_PID:-}" ]]; then
    kill -TERM -- "-$PEER_PID" 2>/dev/null || true
    for _ in $(seq 60); do kill -0 "$PEER_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL -- "-$PEER_PID" 2>/dev/null || true
    wait "$PEER_PID" 2>/dev/null || true
  fi
  PEER_PID=""
}

# Whether PARTS (a script's list of the parts to run) names part $1.
part() { [[ " $PARTS " == *" $1 "* ]]; }

# Waits until the Serval server $1's async queue is empty; prints the seconds it took (polled
# every 50 ms, at most 10 minutes).
drain() {
  local t0 queued
  t0=$(date +%s%N)
  for _ in $(seq 12000); do
    queued="$(curl -s "http://127.0.0.1:${PORT[$1]}/_serval/stats" | jq -r .async_events_queued)"
    [[ "$queued" == 0 ]] && break
    sleep 0.05
  done
  [[ "$queued" == 0 ]] || log "$1: $queued events still queued after 10 minutes"
  awk "BEGIN {printf \"%.3f\", ($(date +%s%N) - $t0) / 1e9}"
}
