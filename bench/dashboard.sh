#!/usr/bin/env bash
# bench/dashboard.sh: the dashboard's load time with many functions and a month of data (issue 14,
# part 8), in one command.
#
#   bench/dashboard.sh                       # FUNCTIONS=100 DAYS=30 INVOKES=3 REPS=10
#
# Starts Serval on a simulated clock DAYS days in the past, creates FUNCTIONS Python functions
# and, for each day, invokes each INVOKES times (real invocations; every seventh fails), moving
# the clock a day in between (bench/dashboard_seed.mjs). Then measures
#   - the JSON endpoints (curl, Basic auth, REPS times each: median and max of time_total) for the
#     overview, one function, the queue view, over 1 h, 24 h, 7 d and 30 d;
#   - time-to-loaded in headless Chromium (bench/dashboard_load.mjs): navigation start to the
#     view's data and charts drawn, REPS loads per view and range, browser cache off.
# Needs tests/e2e/js/node_modules (cd tests/e2e/js && npm ci --ignore-scripts) and /usr/bin/chromium.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
FUNCTIONS="${FUNCTIONS:-100}"
DAYS="${DAYS:-30}"
INVOKES="${INVOKES:-3}"
REPS="${REPS:-10}"
OUT="${OUT:-$BENCH_DIR/out/dashboard-$(date -u +%Y%m%dT%H%M%SZ)}"
source "$BENCH_DIR/lib.sh"

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-bench.XXXXXX)"
SERVAL_PID=""
trap '[[ -n "$SERVAL_PID" ]] && kill "$SERVAL_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

if [[ -z "${SERVAL_BIN:-}" ]]; then
  wait_for_quiet
  log "building serval"
  cmake --build "$BUILD" -j2 --target serval >"$TMP/build.log" 2>&1 ||
    { cat "$TMP/build.log" >&2; exit 1; }
fi
cp "${SERVAL_BIN:-$BUILD/serval}" "$TMP/serval"
start_millis=$(( ($(date +%s) - DAYS * 86400) * 1000 ))
"$TMP/serval" up --port 0 --data-dir "$TMP/data" --simulated-clock-start "$start_millis" \
  --metrics-retention-days $((DAYS + 2)) >"$OUT/serval.log" 2>&1 &
SERVAL_PID=$!
PORT="$(ready_port "$OUT/serval.log" "$SERVAL_PID")"
ENDPOINT="http://127.0.0.1:$PORT"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD)"
  echo "functions: $FUNCTIONS days: $DAYS invokes_per_function_per_day: $INVOKES reps: $REPS"
  echo "load_before: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

log "seeding $FUNCTIONS functions x $DAYS days x $INVOKES invocations"
node "$BENCH_DIR/dashboard_seed.mjs" "$ENDPOINT" "$FUNCTIONS" "$DAYS" "$INVOKES" 2>"$OUT/seed.log"

wait_for_quiet
log "JSON endpoints"
AUTH="test:test"
{
  printf '| endpoint | range | median ms | max ms | bytes |\n|---|---|---:|---:|---:|\n'
  for span in 3600 86400 604800 2592000; do
    for path in "overview?span=$span" "function?name=bench-fn-000&span=$span" "queue"; do
      [[ "$path" == queue && "$span" != 3600 ]] && continue
      times=()
      for _ in $(seq "$REPS"); do
        times+=("$(curl -sS -u "$AUTH" -o "$TMP/body" -w '%{time_total}' "$ENDPOINT/_serval/api/$path")")
      done
      bytes=$(wc -c <"$TMP/body")
      printf '%s\n' "${times[@]}" | sort -n | awk -v p="${path%%\?*}" -v s="$span" -v b="$bytes" \
        '{ t[NR] = $1 * 1000 } END { printf "| %s | %s s | %.1f | %.1f | %d |\n", p, s, t[int((NR + 1) / 2)], t[NR], b }'
    done
  done
} | tee "$OUT/json.md"

wait_for_quiet
log "time-to-loaded in headless Chromium"
node "$BENCH_DIR/dashboard_load.mjs" "$ENDPOINT" "$REPS" | tee "$OUT/load.jsonl"
echo "load_after: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
log "results in $OUT"
