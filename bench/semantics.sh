#!/usr/bin/env bash
# bench/semantics.sh: the invocation-semantics benchmark (issue 3), in one command.
#
#   bench/semantics.sh            # ~3 minutes on 2 cores
#   REPS=1 bench/semantics.sh     # quicker, noisier
#
# 1. async ingest: Event invocations of a C++ echo function whose reserved concurrency is 0, so
#    every request is only queued durably (fdatasync) and answered 202; throughput and time to
#    202 at concurrency 1 and 64;
# 2. 100 distinct functions: warm C++ echo invokes at concurrency 32 spread over echo0..echo99
#    in turn, against the same load on echo0 alone;
# 3. signatures: warm C++ echo at concurrency 32 with every request SigV4-verified, against the
#    same Serval binary started with --no-auth and unsigned requests.
# Each measurement runs REPS times; the summary gives medians. Raw results: bench/out/.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-5}"
N_ASYNC="${N_ASYNC:-20000}"
N_SYNC="${N_SYNC:-20000}"
FUNCTIONS="${FUNCTIONS:-100}"
OUT="${OUT:-$BENCH_DIR/out/semantics-$(date -u +%Y%m%dT%H%M%SZ)}"
source "$BENCH_DIR/lib.sh"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-bench.XXXXXX)"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
SERVAL_PID=""

stop_serval() {
  if [[ -n "$SERVAL_PID" ]] && kill -0 "$SERVAL_PID" 2>/dev/null; then
    kill -TERM "$SERVAL_PID" 2>/dev/null || true
    wait "$SERVAL_PID" 2>/dev/null || true
  fi
  SERVAL_PID=""
}
trap 'stop_serval; rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

start_serval() {  # extra args...; sets SERVAL_PID, PORT, ENDPOINT
  local offset
  offset="$(stat -c %s "$OUT/serval.log" 2>/dev/null || echo 0)"
  "$TMP/serval" up --port 0 --data-dir "$TMP/data" "$@" >>"$OUT/serval.log" 2>&1 &
  SERVAL_PID=$!
  PORT="$(ready_port "$OUT/serval.log" "$SERVAL_PID" "$offset")" || exit 1
  ENDPOINT="http://127.0.0.1:$PORT"
}

lambda() { aws --endpoint-url "$ENDPOINT" lambda "$@" >/dev/null; }

measure() {  # label repetition invoke_load-args...
  local label="$1" rep="$2"
  shift 2
  local result
  result="$("$TMP/invoke_load" --port "$PORT" "$@")"
  printf '{"label":"%s","rep":%d,"result":%s}\n' "$label" "$rep" "$result" >>"$RESULTS"
  log "$label rep $rep: $(python3 -c 'import json, sys; r = json.loads(sys.argv[1]); print("%.0f/s p50 %d us p99 %d us errors %d" % (r["throughput_per_s"], r["latency_us"]["p50"], r["latency_us"]["p99"], r["errors"]))' "$result")"
}

wait_for_quiet
log "building serval, echo_function, invoke_load"
cmake --build "$BUILD" -j2 --target serval echo_function invoke_load >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log" >&2; exit 1; }
cp "$BUILD/serval" "$BUILD/bench/invoke_load" "$TMP/"
mkdir -p "$TMP/zip" && cp "$BUILD/runtimes/cpp/echo_function" "$TMP/zip/bootstrap"
(cd "$TMP/zip" && zip -q echo.zip bootstrap)
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD)"
  echo "nproc: $(nproc), kernel: $(uname -sr), disk: $(df -h "$TMP" | tail -1 | awk '{print $1}')"
  echo "params: REPS=$REPS N_ASYNC=$N_ASYNC N_SYNC=$N_SYNC FUNCTIONS=$FUNCTIONS"
} >"$OUT/machine.txt"

# The sink (reserved concurrency 0) keeps every event: each repetition queues ~25,000, more than
# the default per-function limit of 100,000 holds after four.
start_serval --async-queue-function-limit 1000000
for i in $(seq 0 $((FUNCTIONS - 1))); do
  lambda create-function --function-name "echo$i" --runtime provided.al2023 --handler bootstrap \
    --role arn:aws:iam::000000000000:role/bench --zip-file "fileb://$TMP/zip/echo.zip"
done
lambda create-function --function-name sink --runtime provided.al2023 --handler bootstrap \
  --role arn:aws:iam::000000000000:role/bench --zip-file "fileb://$TMP/zip/echo.zip"
lambda put-function-concurrency --function-name sink --reserved-concurrent-executions 0
log "deployed $FUNCTIONS echo functions and the sink"

EVENT=(--header 'X-Amz-Invocation-Type: Event' --expect-status 202 --function sink)
for rep in $(seq "$REPS"); do
  wait_for_quiet
  measure async_c1 "$rep" "${EVENT[@]}" -c 1 -n 3000 --warmup 200
  measure async_c64 "$rep" "${EVENT[@]}" -c 64 -n "$N_ASYNC" --warmup 2000
  measure sync_one_function_c32 "$rep" --function echo0 -c 32 -n "$N_SYNC" --warmup 5000
  measure sync_100_functions_c32 "$rep" --functions "echo:$FUNCTIONS" -c 32 -n "$N_SYNC" \
    --warmup 5000
done
stop_serval

start_serval --no-auth
for rep in $(seq "$REPS"); do
  wait_for_quiet
  measure sync_unsigned_no_auth_c32 "$rep" --function echo0 -c 32 -n "$N_SYNC" --warmup 5000 \
    --no-sign
done
stop_serval

python3 - "$RESULTS" <<'PY'
import json, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    runs.setdefault(r["label"], []).append(r["result"])
med = lambda label, f: statistics.median(f(r) for r in runs[label])
print(f"{'measurement':32} {'throughput/s':>12} {'p50 us':>8} {'p99 us':>8} {'errors':>7}")
for label in runs:
    print(f"{label:32} {med(label, lambda r: r['throughput_per_s']):12.0f} "
          f"{med(label, lambda r: r['latency_us']['p50']):8.0f} "
          f"{med(label, lambda r: r['latency_us']['p99']):8.0f} "
          f"{sum(r['errors'] for r in runs[label]):7d}")
one = med("sync_one_function_c32", lambda r: r["throughput_per_s"])
many = med("sync_100_functions_c32", lambda r: r["throughput_per_s"])
signed = one
unsigned = med("sync_unsigned_no_auth_c32", lambda r: r["throughput_per_s"])
print(f"100 functions vs one: {many / one:.3f} of the throughput ({(1 - many / one) * 100:.1f}% lost)")
print(f"signature checks vs none: {signed / unsigned:.3f} of the throughput "
      f"({(1 - signed / unsigned) * 100:.1f}% lost)")
PY
