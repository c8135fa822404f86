#!/usr/bin/env bash
# bench/interference.sh: does heavy control-plane work disturb the invoke path? (issue 9, part 4)
#
#   bench/interference.sh                 # REPS=5, ~3 minutes
#   REPS=3 N=4000 bench/interference.sh
#
# Starts serval on a fresh data dir, deploys the C++ echo function, then REPS times, interleaved:
#   idle    invoke_load -c 8 against the echo function alone;
#   upload  the same while another client (bench/upload_loop.py, boto3) replaces a second
#           function's code with 50 MB zips of random bytes, back to back (two different zips,
#           so every upload is decoded, unpacked and fsynced for real);
#   stream  the same while another client (bench/put_object_loop.py, boto3) PUTs a 1 GiB file
#           of random bytes to S3 as one object, back to back (one streamed request body each).
# Prints the medians of p50/p99 per mode and the ratios to idle; raw results in OUT.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-5}"
N="${N:-6000}"
C="${C:-8}"
BODY='{"hello":"world","n":42,"list":[1,2,3]}'
OUT="${OUT:-$BENCH_DIR/out/interference-$(date -u +%Y%m%dT%H%M%SZ)}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true

source "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-interference.XXXXXX)"
SERVAL_PID="" UPLOADER_PID=""
cleanup() {
  [[ -n "$UPLOADER_PID" ]] && kill "$UPLOADER_PID" 2>/dev/null || true
  [[ -n "$SERVAL_PID" ]] && kill "$SERVAL_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$TMP"
}
trap cleanup EXIT

wait_for_quiet
cmake --build "$BUILD" -j2 --target serval echo_function invoke_load >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log" >&2; exit 1; }
cp "$BUILD/serval" "$TMP/serval"
LOAD="$BUILD/bench/invoke_load"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "params: REPS=$REPS N=$N C=$C"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

"$TMP/serval" up --host 127.0.0.1 --port 0 --data-dir "$TMP/data" --keep-alive-seconds 600 \
  >"$TMP/serval.log" 2>&1 &
SERVAL_PID=$!
PORT="$(ready_port "$TMP/serval.log" "$SERVAL_PID")"
ENDPOINT="http://127.0.0.1:$PORT"

ROLE=arn:aws:iam::000000000000:role/lambda-role
mkdir -p "$TMP/zip"
cp "$BUILD/runtimes/cpp/echo_function" "$TMP/zip/bootstrap"
(cd "$TMP/zip" && zip -q -X ../echo.zip bootstrap)
(cd "$BENCH_DIR/functions" && zip -q -X "$TMP/bulk.zip" echo.py)
for fn in echo bulk; do
  runtime=provided.al2023 handler=bootstrap zip="$TMP/echo.zip"
  [[ "$fn" == bulk ]] && runtime=python3.12 handler=echo.lambda_handler zip="$TMP/bulk.zip"
  aws --endpoint-url "$ENDPOINT" lambda create-function --function-name "$fn" --runtime "$runtime" \
    --handler "$handler" --role "$ROLE" --zip-file "fileb://$zip" >/dev/null
done
aws --endpoint-url "$ENDPOINT" lambda invoke --function-name echo --payload "$BODY" "$TMP/o" >/dev/null
aws --endpoint-url "$ENDPOINT" s3api create-bucket --bucket bulk >/dev/null
head -c 1G /dev/urandom >"$TMP/big.bin"

measure() {  # mode rep
  local json
  json="$("$LOAD" --port "$PORT" --function echo -c "$C" -n "$N" --warmup 500 --body "$BODY")"
  jq -c --arg mode "$1" --argjson rep "$2" '. + {mode:$mode,rep:$rep}' <<<"$json" \
    >>"$OUT/results.jsonl"
  log "$(printf '%-6s rep %s: p50 %6s us  p99 %6s us  errors %s' "$1" "$2" \
    "$(jq .latency_us.p50 <<<"$json")" "$(jq .latency_us.p99 <<<"$json")" "$(jq .errors <<<"$json")")"
}

measure_beside() {  # mode rep command...: measures while the command runs, then stops it
  local mode="$1" rep="$2"
  shift 2
  "$@" >"$TMP/$mode-$rep.log" 2>&1 &
  UPLOADER_PID=$!
  # Let the first upload get going: its body is on the wire and being processed.
  sleep 2
  measure "$mode" "$rep"
  kill "$UPLOADER_PID" 2>/dev/null || true
  wait "$UPLOADER_PID" 2>/dev/null || true
  UPLOADER_PID=""
  log "$mode: requests finished during rep $rep: $(grep -c -E '^(uploaded|put) ' "$TMP/$mode-$rep.log" || true)"
}

for rep in $(seq "$REPS"); do
  wait_for_quiet
  measure idle "$rep"
  measure_beside upload "$rep" python3 "$BENCH_DIR/upload_loop.py" "$ENDPOINT" bulk 50
  measure_beside stream "$rep" python3 "$BENCH_DIR/put_object_loop.py" "$ENDPOINT" bulk "$TMP/big.bin"
done

python3 - "$OUT/results.jsonl" <<'PY' | tee "$OUT/summary.txt"
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
med = {}
for mode in ("idle", "upload", "stream"):
    picked = [r for r in rows if r["mode"] == mode]
    med[mode] = {k: statistics.median(r["latency_us"][k] for r in picked) for k in ("p50", "p99")}
    print(f"{mode:7s} median p50 {med[mode]['p50']:8.0f} us   median p99 {med[mode]['p99']:8.0f} us"
          f"   ({len(picked)} runs, errors {sum(r['errors'] for r in picked)})")
for mode in ("upload", "stream"):
    print(f"{mode}/idle p99 ratio: {med[mode]['p99'] / med['idle']['p99']:.2f} (target <= 2)")
PY
