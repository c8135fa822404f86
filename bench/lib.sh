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

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
