#!/usr/bin/env bash
# bench/node_runtime.sh: the Node runtime's warm throughput next to Python's, and next to the same
# Node handler under serverless-offline, in one run (issue 17, part 2). No build: it uses the
# serval and invoke_load already built (copied first, so a rebuild during the run changes nothing).
#
#   bench/node_runtime.sh                           # REPS=5, c=1 and c=32, peer included
#   RUNTIMES_DIR=/other/checkout/runtimes bench/node_runtime.sh   # measure another runtime tree
#   PEER=0 REPS=3 bench/node_runtime.sh             # Serval only
#
# Every repetition measures, interleaved: serval-python (python3.12), serval-node (nodejs20.x),
# then peer-node (serverless-offline, a fresh process per repetition as bench/run.sh does), at
# concurrency 1 and 32, with bench/functions/echo.{py,mjs}. Prints medians and the ratios
# Node/Python and Node/peer; raw invoke_load output goes to $OUT/results.jsonl.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"  # a worktree without a build: BUILD_DIR=/main/checkout/build
RUNTIMES_DIR="${RUNTIMES_DIR:-$REPO/runtimes}"
REPS="${REPS:-5}"
PEER="${PEER:-1}"
N_C1="${N_C1:-3000}"
N_C32="${N_C32:-20000}"
WARMUP="${WARMUP:-200}"
WARMUP_C32="${WARMUP_C32:-10000}"
BODY='{"hello":"world","n":42,"list":[1,2,3]}'
OUT="${OUT:-$BENCH_DIR/out/node-$(date -u +%Y%m%dT%H%M%SZ)}"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
export SLS_DEPRECATION_DISABLE='*' SLS_INTERACTIVE_SETUP_DISABLE=1 CI=1

source "$BENCH_DIR/lib.sh"

mkdir -p "$OUT"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
TMP="$(mktemp -d /tmp/serval-node-bench.XXXXXX)"
chmod 755 "$TMP"
SERVAL_PID=""
PEER_PID=""
cleanup() {
  stop_peer
  [[ -n "$SERVAL_PID" ]] && kill "$SERVAL_PID" 2>/dev/null && wait "$SERVAL_PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

[[ -d "$RUNTIMES_DIR/node/node_modules/aws-lambda-ric" ]] ||
  { log "no aws-lambda-ric under $RUNTIMES_DIR/node (runtimes/README.md)"; exit 1; }
if [[ "$PEER" == 1 && ! -x "$BENCH_DIR/peer/node_modules/.bin/serverless" ]]; then
  log "installing serverless@3 + serverless-offline@13 into bench/peer"
  (cd "$BENCH_DIR/peer" && npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
cp "$BUILD/serval" "$TMP/serval"
# Spare environments start through this helper, found beside serval (builds since issue 17, part 1).
if [[ -f "$BUILD/serval-spare-bootstrap" ]]; then
  cp "$BUILD/serval-spare-bootstrap" "$TMP/serval-spare-bootstrap"
fi
cp "$BUILD/bench/invoke_load" "$TMP/invoke_load"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "runtimes_dir: $RUNTIMES_DIR ($(git -C "$RUNTIMES_DIR" rev-parse --short HEAD 2>/dev/null || echo ?))"
  echo "serval_sha256: $(sha256sum "$TMP/serval" | cut -c1-16)"
  echo "node: $(node --version), python3: $(python3 --version 2>&1 | cut -d' ' -f2)"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "params: REPS=$REPS N_C1=$N_C1 N_C32=$N_C32 WARMUP=$WARMUP WARMUP_C32=$WARMUP_C32 PEER=$PEER"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

SERVAL_RUNTIMES_DIR="$RUNTIMES_DIR" "$TMP/serval" up --host 127.0.0.1 --port 0 \
  --data-dir "$TMP/data" --keep-alive-seconds 600 >"$TMP/serval.log" 2>&1 &
SERVAL_PID=$!
PORT="$(ready_port "$TMP/serval.log" "$SERVAL_PID")"
ENDPOINT="http://127.0.0.1:$PORT"
SIGN=(--aws-sigv4 "aws:amz:us-east-1:lambda" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY")
fn_path() { echo "/2015-03-31/functions/$1/invocations"; }

deploy() {  # name runtime handler file
  (cd "$BENCH_DIR/functions" && zip -q -X "$TMP/$1.zip" "$4")
  jq -n --arg n "$1" --arg r "$2" --arg h "$3" --arg z "$(base64 -w0 "$TMP/$1.zip")" \
    '{FunctionName:$n,Runtime:$r,Handler:$h,Role:"arn:aws:iam::000000000000:role/lambda-role",
      MemorySize:512,Timeout:30,Code:{ZipFile:$z}}' >"$TMP/$1.json"
  curl -sf -o /dev/null "${SIGN[@]}" -X POST -H 'Content-Type: application/json' \
    --data-binary "@$TMP/$1.json" "$ENDPOINT/2015-03-31/functions" ||
    { log "CreateFunction $1 failed"; exit 1; }
  for _ in $(seq 100); do
    curl -sf "${SIGN[@]}" "$ENDPOINT/2015-03-31/functions/$1" | jq -e '.Configuration.State == "Active"' \
      >/dev/null && break
    sleep 0.1
  done
  local out
  out="$(curl -sf "${SIGN[@]}" -X POST -d "$BODY" "$ENDPOINT$(fn_path "$1")")"
  [[ "$(jq -c . <<<"$out")" == "$(jq -c . <<<"$BODY")" ]] || { log "$1 did not echo: $out"; exit 1; }
  log "deployed $1 ($2)"
}
deploy bench-python python3.12 echo.lambda_handler echo.py
deploy bench-node nodejs20.x echo.handler echo.mjs

PEER_FN=serval-bench-peer-dev-echo
start_peer() {  # bench/lib.sh starts it; one invoke to check it answers
  start_peer_offline
  curl -sf -o /dev/null -X POST -d "$BODY" \
    "http://127.0.0.1:$PEER_PORT/2015-03-31/functions/$PEER_FN/invocations"
}

# CPU ticks (utime + stime) so far of the given pids.
cpu_ticks() {
  local total=0 pid
  for pid in "$@"; do
    total=$(( total + $(awk '{print $14 + $15}' "/proc/$pid/stat" 2>/dev/null || echo 0) ))
  done
  echo "$total"
}
CLK_TCK="$(getconf CLK_TCK)"

warm() {  # target port path concurrency requests rep [command line of its environments (children of serval)]
  local target="$1" port="$2" path="$3" c="$4" n="$5" rep="$6" pattern="${7:-}"
  local warmup="$WARMUP" json runtime_before=0 serval_before=0
  (( c > 1 )) && warmup="$WARMUP_C32"
  wait_for_quiet
  if [[ -n "$pattern" ]]; then
    runtime_before="$(cpu_ticks $(pgrep -P "$SERVAL_PID" -f -- "$pattern"))"
    serval_before="$(cpu_ticks "$SERVAL_PID")"
  fi
  json="$("$TMP/invoke_load" --port "$port" --path "$path" -c "$c" -n "$n" --warmup "$warmup" \
    --body "$BODY")" || log "$target c=$c: errors: $(jq -c .error_samples <<<"$json")"
  # CPU per invoke (warm-up included) of the runtime's processes and of Serval itself.
  local runtime_us=null serval_us=null
  if [[ -n "$pattern" ]]; then
    # (An environment started during the run counts from its start: its init is included.)
    runtime_us="$(( ($(cpu_ticks $(pgrep -P "$SERVAL_PID" -f -- "$pattern")) - runtime_before) * 1000000 / CLK_TCK / (n + warmup) ))"
    serval_us="$(( ($(cpu_ticks "$SERVAL_PID") - serval_before) * 1000000 / CLK_TCK / (n + warmup) ))"
  fi
  printf '%s\n' "$(jq -c --arg t "$target" --argjson rep "$rep" --argjson c "$c" \
    --argjson rt "$runtime_us" --argjson sv "$serval_us" \
    '. + {target:$t,rep:$rep,c:$c,runtime_cpu_us:$rt,serval_cpu_us:$sv}' <<<"$json")" >>"$RESULTS"
  log "$(printf '%-13s c=%-2s rep %s: p50 %6s us  p99 %6s us  %8s/s  errors %s  CPU/invoke: runtime %s us, serval %s us' \
    "$target" "$c" "$rep" "$(jq .latency_us.p50 <<<"$json")" "$(jq .latency_us.p99 <<<"$json")" \
    "$(jq .throughput_per_s <<<"$json")" "$(jq .errors <<<"$json")" "$runtime_us" "$serval_us")"
}

for c in 1 32; do
  n="$N_C1"; (( c == 32 )) && n="$N_C32"
  for rep in $(seq "$REPS"); do
    warm serval-python "$PORT" "$(fn_path bench-python)" "$c" "$n" "$rep" /python/bootstrap.py
    warm serval-node "$PORT" "$(fn_path bench-node)" "$c" "$n" "$rep" /node/bootstrap.mjs
    if [[ "$PEER" == 1 ]]; then
      start_peer
      warm peer-node "$PEER_PORT" "$(fn_path "$PEER_FN")" "$c" "$n" "$rep"
      stop_peer
    fi
  done
done
echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

python3 - "$RESULTS" <<'EOF' | tee "$OUT/summary.md"
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
med = {}
print("| target | c | runs | req/s (median) | p50 us | p99 us | errors |")
print("|---|---|---|---|---|---|---|")
for c in (1, 32):
    for t in ("serval-python", "serval-node", "peer-node"):
        sel = [r for r in rows if r["target"] == t and r["c"] == c]
        if not sel:
            continue
        m = statistics.median(r["throughput_per_s"] for r in sel)
        med[(t, c)] = m
        print(f"| {t} | {c} | {len(sel)} | {m:,.0f} | "
              f"{statistics.median(r['latency_us']['p50'] for r in sel):,.0f} | "
              f"{statistics.median(r['latency_us']['p99'] for r in sel):,.0f} | "
              f"{sum(r['errors'] for r in sel)} |")
print()
for c in (1, 32):
    node = med.get(("serval-node", c))
    if node is None:
        continue
    line = f"c={c}: Python/Node {med[('serval-python', c)] / node:.2f}x"
    if ("peer-node", c) in med:
        line += f", Node/serverless-offline {node / med[('peer-node', c)]:.2f}x"
    print(line)
EOF
log "raw results: $RESULTS"
