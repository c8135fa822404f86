#!/usr/bin/env bash
# bench/logs.sh: CloudWatch Logs (issue 14, part 8), Serval side by side with moto_server.
#
#   bench/logs.sh                                   # full run, ~10 minutes on 2 cores
#   REPS=2 LINES=100000 N_C32=5000 bench/logs.sh    # smoke run
#
#   search   LINES (1,000,000) log events in STREAMS (10) streams of one group, put with
#            PutLogEvents (bench/logs_bench.py); then FilterLogEvents over the whole group, every
#            page, REPS times per pattern: a rare term (every line read, 100 returned), a JSON
#            pattern (1% match) and the first page without a pattern. p50 and p99 in ms. The same
#            against moto_server with PEER_LINES (default LINES) events.
#   invoke   Serval only: warm invokes of the Python echo function (bench/functions/echo.py) at
#            concurrency 32 (bench/invoke_load), REPS times, alternating without and with a
#            subscription filter on the function's log group (pattern "", every line: each
#            invocation's START/END/REPORT lines are delivered to a Python forwarder in batches).
#            Metrics are always on. Requests/s medians and their ratio.
# PARTS ("search invoke") picks which of the two run. Raw results in bench/out/logs-<timestamp>/.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-5}"
LINES="${LINES:-1000000}"
PEER_LINES="${PEER_LINES:-$LINES}"
STREAMS="${STREAMS:-10}"
N_C32="${N_C32:-20000}"
PARTS="${PARTS:-search invoke}"
OUT="${OUT:-$BENCH_DIR/out/logs-$(date -u +%Y%m%dT%H%M%SZ)}"
source "$BENCH_DIR/lib.sh"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1 AWS_PAGER=""

mkdir -p "$OUT"
TMP="$(mktemp -d)"
declare -A PID PORT
trap 'stop_servers_and_clean' EXIT

wait_for_quiet
log "building serval and invoke_load"
cmake --build "$BUILD" -j2 --target serval invoke_load >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log"; exit 1; }
cp "$BUILD/serval" "$TMP/serval"
cp "$BUILD/bench/invoke_load" "$TMP/invoke_load"
echo "git_head: $(git -C "$REPO" rev-parse --short HEAD) params: REPS=$REPS LINES=$LINES PEER_LINES=$PEER_LINES STREAMS=$STREAMS N_C32=$N_C32 loadavg: $(cut -d' ' -f1-3 /proc/loadavg)" \
  | tee "$OUT/machine.txt" >&2

# --- search ----------------------------------------------------------------------------------
start_serval serval "$TMP/data"
if part search; then
  start_moto moto
  for target in serval moto; do
    lines=$LINES
    [[ $target == moto ]] && lines=$PEER_LINES
    endpoint="http://127.0.0.1:${PORT[$target]}"
    log "$target: ingesting $lines events"
    t0=$EPOCHREALTIME
    python3 "$BENCH_DIR/logs_bench.py" ingest "$endpoint" "$lines" "$STREAMS"
    echo "{\"target\":\"$target\",\"ingest_s\":$(bc <<<"$EPOCHREALTIME - $t0"),\"lines\":$lines}" \
      >>"$OUT/ingest.jsonl"
  done
  for rep in $(seq "$REPS"); do
    for target in serval moto; do
      log "search rep $rep: $target"
      python3 "$BENCH_DIR/logs_bench.py" search "http://127.0.0.1:${PORT[$target]}" 1 |
        sed "s/^{/{\"target\":\"$target\",/" >>"$OUT/search.jsonl"
    done
  done
  stop_server moto
fi

# --- invoke with and without a subscription filter --------------------------------------------
if part invoke; then
  endpoint="http://127.0.0.1:${PORT[serval]}"
  aws_() { aws --endpoint-url "$endpoint" "$@" >/dev/null; }
  make_zip "$TMP/echo.zip" "echo.py=$BENCH_DIR/functions/echo.py"
  cat >"$TMP/forwarder.py" <<'PY'
import base64, gzip, json
def handler(event, context):
    data = json.loads(gzip.decompress(base64.b64decode(event["awslogs"]["data"])))
    return len(data["logEvents"])
PY
  make_zip "$TMP/forwarder.zip" "forwarder.py=$TMP/forwarder.py"
  aws_ lambda create-function --function-name echo --runtime python3.12 --handler echo.lambda_handler \
    --role arn:aws:iam::000000000000:role/bench --zip-file "fileb://$TMP/echo.zip"
  aws_ lambda create-function --function-name forwarder --runtime python3.12 \
    --handler forwarder.handler --role arn:aws:iam::000000000000:role/bench \
    --zip-file "fileb://$TMP/forwarder.zip"
  aws_ lambda add-permission --function-name forwarder --statement-id logs \
    --principal logs.amazonaws.com --action lambda:InvokeFunction
  for rep in $(seq "$REPS"); do
    for mode in off on; do
      if [[ $mode == on ]]; then
        aws_ logs put-subscription-filter --log-group-name /aws/lambda/echo --filter-name all \
          --filter-pattern "" --destination-arn arn:aws:lambda:us-east-1:000000000000:function:forwarder
      else
        aws_ logs delete-subscription-filter --log-group-name /aws/lambda/echo --filter-name all ||
          true
      fi
      wait_for_quiet
      log "invoke rep $rep: subscription $mode"
      "$TMP/invoke_load" --port "${PORT[serval]}" --function echo -c 32 -n "$N_C32" \
        --warmup 2000 --body '{"hello":"world"}' |
        python3 -c "import json,sys; r=json.load(sys.stdin); r['subscription']='$mode'; print(json.dumps(r))" \
          >>"$OUT/invoke.jsonl"
    done
  done
  curl -s "$endpoint/_serval/stats" >"$OUT/stats.json"
fi

python3 - "$OUT" <<'PY'
import json, statistics, sys
out = sys.argv[1]
def lines(name):
    try:
        return [json.loads(l) for l in open(f"{out}/{name}")]
    except FileNotFoundError:  # a part not run (PARTS)
        return []
rows = lines("search.jsonl")
if rows:
    print("## FilterLogEvents over the whole group (ms; every page)\n")
    print("| pattern | Serval p50 | Serval p99 | moto p50 | moto p99 | events | ratio p50 |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    def pct(values, q):
        values = sorted(values)
        return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]
    for pattern in ("rare_term", "json_error", "first_page"):
        s = [r["ms"] for r in rows if r["target"] == "serval" and r["pattern"] == pattern]
        m = [r["ms"] for r in rows if r["target"] == "moto" and r["pattern"] == pattern]
        ev = [r["events"] for r in rows if r["target"] == "serval" and r["pattern"] == pattern]
        print(f"| {pattern} | {pct(s,.5):.0f} | {pct(s,.99):.0f} | {pct(m,.5):.0f} | {pct(m,.99):.0f} "
              f"| {ev[0]} | {pct(m,.5)/pct(s,.5):.1f}x |")
    for r in lines("ingest.jsonl"):
        print(f"\ningest {r['target']}: {r['lines']} events in {r['ingest_s']:.1f} s")
inv = lines("invoke.jsonl")
if not inv:
    sys.exit(0)
off = [r["throughput_per_s"] for r in inv if r["subscription"] == "off"]
on = [r["throughput_per_s"] for r in inv if r["subscription"] == "on"]
print("\n## Warm invokes, python echo, c=32 (requests/s, median of reps)\n")
print(f"without a subscription filter: {statistics.median(off):.0f}  runs {[round(x) for x in off]}")
print(f"with a subscription filter:    {statistics.median(on):.0f}  runs {[round(x) for x in on]}")
print(f"ratio with/without: {statistics.median(on)/statistics.median(off):.3f}")
PY
