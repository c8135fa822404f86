#!/usr/bin/env bash
# bench/metrics.sh: what metrics cost (issue 14, part 3).
#
#   bench/metrics.sh                 # FUNCTIONS=1000 SCRAPES=21 REPS=3
#
# 1. metrics_bench: the io thread's cost of recording one invocation (LambdaRecorder Started +
#    Finished, a minute's roll into the store amortized in) with FUNCTIONS functions, a minute's
#    Collect, and rendering /metrics without HTTP;
# 2. a Serval with FUNCTIONS cheap functions m0, m1, ... (the C++ echo, provided.al2023), each
#    invoked once (so /metrics has a full set of series for each), then SCRAPES timed `curl`
#    scrapes of /metrics with Basic auth (median, min, max) and the body size;
# 3. warm-invoke throughput of one function at concurrency 32 (REPS runs of N_C32 requests),
#    with recording on (it is always on), for comparison with bench/run.sh's figures.
# Raw results go to bench/out/metrics-<timestamp>/.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
FUNCTIONS="${FUNCTIONS:-1000}"
SCRAPES="${SCRAPES:-21}"
REPS="${REPS:-3}"
N_C32="${N_C32:-20000}"
OUT="${OUT:-$BENCH_DIR/out/metrics-$(date -u +%Y%m%dT%H%M%SZ)}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
source "$BENCH_DIR/lib.sh"

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-bench-metrics.XXXXXX)"
declare -A PID PORT
trap stop_servers_and_clean EXIT

if [[ -z "${NO_BUILD:-}" ]]; then
  wait_for_quiet
  log "building serval, echo_function, invoke_load, metrics_bench"
  cmake --build "$BUILD" -j2 --target serval echo_function invoke_load metrics_bench \
    >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log"; exit 1; }
fi

wait_for_quiet
log "metrics_bench with $FUNCTIONS functions"
"$BUILD/bench/metrics_bench" --functions "$FUNCTIONS" | tee "$OUT/metrics_bench.json"

# A short keep-alive: each function's environment goes soon after its one invocation, so that
# 1,000 of them never run (or hold a /tmp disk) at once.
"$BUILD/serval" up --port 0 --data-dir "$TMP/data" --keep-alive-seconds 2 \
  >"$TMP/serval.log" 2>&1 &
PID[serval]=$!
port="$(ready_port "$TMP/serval.log" "${PID[serval]}")"
endpoint="http://127.0.0.1:$port"

log "creating $FUNCTIONS functions"
make_zip "$TMP/echo.zip" "bootstrap=$BUILD/runtimes/cpp/echo_function"
python3 - "$endpoint" "$FUNCTIONS" "$TMP/echo.zip" <<'PY'
import sys, boto3
from botocore.config import Config
endpoint, count, zip_path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                   config=Config(retries={"total_max_attempts": 5}))
code = open(zip_path, "rb").read()
for i in range(count):
    lam.create_function(FunctionName=f"m{i}", Runtime="provided.al2023", Handler="x",
                        Role="arn:aws:iam::000000000000:role/r", Code={"ZipFile": code},
                        MemorySize=128)
PY
log "invoking each once"
"$BUILD/bench/invoke_load" --port "$port" --functions "m:$FUNCTIONS" -n "$FUNCTIONS" -c 4 \
  --warmup 0 >"$OUT/invoke_each.json"
cat "$OUT/invoke_each.json" >&2

wait_for_quiet
log "scraping /metrics $SCRAPES times"
: >"$OUT/scrapes.txt"
for _ in $(seq "$SCRAPES"); do
  curl -s -o "$TMP/metrics.txt" -u test:test -w '%{time_total}\n' "$endpoint/metrics" \
    >>"$OUT/scrapes.txt"
done
bytes="$(wc -c <"$TMP/metrics.txt")"
lines="$(wc -l <"$TMP/metrics.txt")"
invocations="$(grep -c '^serval_lambda_invocations_total{' "$TMP/metrics.txt")"
python3 - "$OUT/scrapes.txt" "$bytes" "$lines" "$invocations" <<'PY' | tee "$OUT/scrape_summary.json"
import json, statistics, sys
times = [float(line) * 1000 for line in open(sys.argv[1]) if line.strip()]
print(json.dumps({"scrapes": len(times), "median_ms": round(statistics.median(times), 2),
                  "min_ms": round(min(times), 2), "max_ms": round(max(times), 2),
                  "bytes": int(sys.argv[2]), "lines": int(sys.argv[3]),
                  "invocation_samples": int(sys.argv[4])}))
PY

log "warm invokes at concurrency 32, $REPS runs"
for rep in $(seq "$REPS"); do
  wait_for_quiet
  "$BUILD/bench/invoke_load" --port "$port" --function m0 -n "$N_C32" -c 32 --warmup 2000 \
    --body '{"hello":"world"}' | tee -a "$OUT/warm_c32.jsonl"
done
curl -s "$endpoint/_serval/stats" >"$OUT/stats.json"
log "results in $OUT"
