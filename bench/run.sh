#!/usr/bin/env bash
# bench/run.sh: Serval's benchmark, end to end, in one command (see bench/README.md).
#
#   bench/run.sh                      # full run, ~5-8 minutes on 2 cores
#   REPS=1 COLD_REPS=3 bench/run.sh   # quicker, noisier
#
# 1. builds serval, echo_function and invoke_load (waits first for any build already running);
# 2. starts serval STARTUP_REPS times on a free port with a fresh data dir: the ready time it
#    prints, the wall time from exec until GET /_serval/health answers, and VmRSS once healthy;
# 3. deploys echo functions (C++ provided.al2023, python3.12, nodejs20.x) with the AWS CLI;
# 4. warm invokes with invoke_load at concurrency 1 and 32, REPS times each, interleaved with the
#    same Node echo handler under serverless-offline (bench/peer) started in the same run;
# 5. cold starts: COLD_REPS times per runtime, an UpdateFunctionConfiguration (new Description)
#    retires the warm environments, then one invoke with X-Amz-Log-Type: Tail gives the REPORT
#    line's Init Duration and the client-observed latency; cold starts adopt the spare
#    environment Serval keeps ready per runtime family, and are measured again, side by side, on
#    the same data with `serval up --no-spare-environments` (every environment from scratch);
# 6. prints a summary (medians) and leaves raw results in bench/out/<timestamp>/.
# Everything it started is stopped on exit.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-5}"                  # repetitions of every warm measurement
STARTUP_REPS="${STARTUP_REPS:-5}"  # serval starts measured (the last one serves the benchmark)
COLD_REPS="${COLD_REPS:-5}"        # cold starts per runtime
N_C1="${N_C1:-3000}"               # measured requests per run at concurrency 1
N_C32="${N_C32:-20000}"            # measured requests per run at concurrency 32
WARMUP="${WARMUP:-200}"            # warm-up requests per run at concurrency 1 (excluded)
WARMUP_C32="${WARMUP_C32:-10000}" # at 32: ~300 per environment (Node needs that many to be JIT-warm)
PEER_FRESH="${PEER_FRESH:-1}"      # 1: a fresh serverless-offline for every peer repetition
BODY='{"hello":"world","n":42,"list":[1,2,3]}'
OUT="${OUT:-$BENCH_DIR/out/$(date -u +%Y%m%dT%H%M%SZ)}"

export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
# serverless v3 without login, telemetry, update checks or deprecation noise.
export SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
export SLS_DEPRECATION_DISABLE='*' SLS_INTERACTIVE_SETUP_DISABLE=1 CI=1

source "$BENCH_DIR/lib.sh"
now_us() { local t="$EPOCHREALTIME"; echo "${t/./}"; }  # bash builtin, no fork

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-bench.XXXXXX)"
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"
SERVAL_PID=""
PEER_PID=""

stop_serval() {
  if [[ -n "$SERVAL_PID" ]] && kill -0 "$SERVAL_PID" 2>/dev/null; then
    kill -TERM "$SERVAL_PID" 2>/dev/null || true
    for _ in $(seq 100); do kill -0 "$SERVAL_PID" 2>/dev/null || break; sleep 0.05; done
    kill -KILL "$SERVAL_PID" 2>/dev/null || true
    wait "$SERVAL_PID" 2>/dev/null || true
  fi
  SERVAL_PID=""
}
cleanup() {
  stop_peer
  stop_serval
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

record() { printf '%s\n' "$1" >>"$RESULTS"; }

# ---------------------------------------------------------------------------------------------
# 1. Build.
wait_for_quiet
log "building serval, echo_function, invoke_load"
if [[ ! -f "$BUILD/build.ninja" && ! -f "$BUILD/Makefile" ]]; then
  cmake -S "$REPO" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi
cmake --build "$BUILD" -j2 --target serval echo_function invoke_load >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log" >&2; exit 1; }
if [[ ! -d "$REPO/runtimes/node/node_modules/aws-lambda-ric" ]]; then
  log "installing the Node runtime's aws-lambda-ric (runtimes/README.md)"
  npm ci --ignore-scripts --omit=dev --no-audit --no-fund --prefix "$REPO/runtimes/node" >/dev/null
fi
if [[ ! -x "$BENCH_DIR/peer/node_modules/.bin/serverless" ]]; then
  log "installing serverless@3 + serverless-offline@13 into bench/peer"
  (cd "$BENCH_DIR/peer" && npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
# The binaries this run measures (the build dir may be rebuilt while we run).
cp "$BUILD/serval" "$TMP/serval"
cp "$BUILD/serval-spare-bootstrap" "$TMP/serval-spare-bootstrap"  # found beside serval
cp "$BUILD/bench/invoke_load" "$TMP/invoke_load"
SERVAL="$TMP/serval"
LOAD="$TMP/invoke_load"

{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "src_dirty_files: $(git -C "$REPO" status --porcelain -- src runtimes 2>/dev/null | wc -l)"
  echo "serval_sha256: $(sha256sum "$SERVAL" | cut -c1-16)"
  echo "nproc: $(nproc)"
  echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')"
  echo "kernel: $(uname -srm)"
  echo "mem_total: $(grep MemTotal /proc/meminfo | awk '{print $2" kB"}')"
  echo "node: $(node --version), python3: $(python3 --version 2>&1 | cut -d' ' -f2)"
  echo "serverless: $(node -p "require('$BENCH_DIR/peer/node_modules/serverless/package.json').version"), serverless-offline: $(node -p "require('$BENCH_DIR/peer/node_modules/serverless-offline/package.json').version")"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "params: REPS=$REPS STARTUP_REPS=$STARTUP_REPS COLD_REPS=$COLD_REPS N_C1=$N_C1 N_C32=$N_C32 WARMUP=$WARMUP WARMUP_C32=$WARMUP_C32 PEER_FRESH=$PEER_FRESH"
} >"$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

# ---------------------------------------------------------------------------------------------
# 2. Startup time and idle RSS.
PORT=""
SERVAL_EXTRA_ARGS=()
start_serval() {  # $1 = rep; sets SERVAL_PID, PORT; records a startup sample unless RECORD_STARTUP=0
  PORT=""
  local data="$TMP/data-$1"
  local t0 t1 status="" line
  t0="${EPOCHREALTIME/./}"
  : >"$TMP/serval-$1.log"  # exists before the poll below reads it (the shell opens it in the job)
  "$SERVAL" up --host 127.0.0.1 --port 0 --data-dir "$data" --keep-alive-seconds 600 \
    "${SERVAL_EXTRA_ARGS[@]}" >"$TMP/serval-$1.log" 2>&1 &
  SERVAL_PID=$!
  # Poll with bash builtins only (no fork per try): read the port from the ready line (the kernel
  # picked it), then connect through /dev/tcp, send a health GET, read the status line.
  local tries=0
  while true; do
    if [[ -z "$PORT" ]]; then
      while IFS= read -r line; do
        if [[ "$line" =~ ^Serval\ ready\ on\ http://[^:]+:([0-9]+)\  ]]; then
          PORT="${BASH_REMATCH[1]}"
        fi
      done <"$TMP/serval-$1.log"
    fi
    if [[ -n "$PORT" ]] && { exec 3<>"/dev/tcp/127.0.0.1/$PORT"; } 2>/dev/null; then
      printf 'GET /_serval/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n' >&3
      read -r -t 5 status <&3 || true
      exec 3<&-
      if [[ "$status" == "HTTP/1.1 200"* ]]; then break; fi
    fi
    tries=$((tries + 1))
    if (( tries > 200000 )) || ! kill -0 "$SERVAL_PID" 2>/dev/null; then
      cat "$TMP/serval-$1.log" >&2; log "serval did not become healthy"; exit 1
    fi
  done
  t1="${EPOCHREALTIME/./}"
  sleep 0.2  # let the log line land; RSS of an idle, healthy server
  local ready_ms rss_kb
  ready_ms="$(sed -n 's/.*Serval ready on .* in \([0-9.]*\) ms.*/\1/p' "$TMP/serval-$1.log" | head -1)"
  rss_kb="$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVAL_PID/status")"
  [[ "${RECORD_STARTUP:-1}" == 1 ]] || return 0
  record "{\"kind\":\"startup\",\"rep\":$1,\"ready_ms\":${ready_ms:-null},\"wall_ms\":$(( t1 - t0 ))e-3,\"rss_kb\":$rss_kb}"
  log "startup $1: printed ready ${ready_ms} ms, healthy after $(( (t1 - t0) / 1000 )) ms wall, VmRSS ${rss_kb} kB"
}

wait_for_quiet
for rep in $(seq "$STARTUP_REPS"); do
  start_serval "$rep"
  if (( rep < STARTUP_REPS )); then stop_serval; fi
done
head -3 "$TMP/serval-$STARTUP_REPS.log" >"$OUT/serval-startup.log"
ENDPOINT="http://127.0.0.1:$PORT"

# ---------------------------------------------------------------------------------------------
# 3. Deploy the echo functions with the AWS CLI.
ROLE=arn:aws:iam::000000000000:role/lambda-role
mkdir -p "$TMP/zip/cpp" "$TMP/zip/python" "$TMP/zip/node"
cp "$BUILD/runtimes/cpp/echo_function" "$TMP/zip/cpp/bootstrap"
(cd "$TMP/zip/cpp" && zip -q -X ../cpp.zip bootstrap)
(cd "$BENCH_DIR/functions" && zip -q -X "$TMP/zip/python.zip" echo.py)
(cd "$BENCH_DIR/functions" && zip -q -X "$TMP/zip/node.zip" echo.mjs)

deploy() {  # name runtime handler zip
  aws --endpoint-url "$ENDPOINT" lambda create-function --function-name "$1" --runtime "$2" \
    --handler "$3" --role "$ROLE" --memory-size 512 --timeout 30 \
    --zip-file "fileb://$4" >/dev/null
  aws --endpoint-url "$ENDPOINT" lambda wait function-active --function-name "$1"
  local out="$TMP/check-$1.json"
  aws --endpoint-url "$ENDPOINT" lambda invoke --function-name "$1" --payload "$BODY" "$out" >/dev/null
  if [[ "$(cat "$out")" != "$BODY" && "$(jq -c . "$out")" != "$(jq -c . <<<"$BODY")" ]]; then
    log "$1 did not echo its event: $(cat "$out")"; exit 1
  fi
  log "deployed $1 ($2)"
}
deploy bench-cpp provided.al2023 bootstrap "$TMP/zip/cpp.zip"
deploy bench-python python3.12 echo.lambda_handler "$TMP/zip/python.zip"
deploy bench-node nodejs20.x echo.handler "$TMP/zip/node.zip"

# ---------------------------------------------------------------------------------------------
# 4. The peer: the same Node handler under serverless-offline (worker threads, its default).
PEER_FN=serval-bench-peer-dev-echo
start_peer() {  # sets PEER_PID, PEER_PORT (bench/lib.sh); records the first invoke's latency
  start_peer_offline
  local first
  first="$(curl -s -o "$TMP/peer-check.json" -w '%{time_total}' -X POST -d "$BODY" \
    "http://127.0.0.1:$PEER_PORT/2015-03-31/functions/$PEER_FN/invocations")"
  [[ "$(jq -c . "$TMP/peer-check.json")" == "$(jq -c . <<<"$BODY")" ]] ||
    { cat "$TMP/peer-check.json" "$TMP/peer.log" >&2; log "peer did not echo"; exit 1; }
  record "{\"kind\":\"peer_first_invoke\",\"client_ms\":$(awk "BEGIN{print $first*1000}")}"
}
log "starting serverless-offline (bench/peer)"
start_peer

# ---------------------------------------------------------------------------------------------
# 5. Warm invokes.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of that process only
CLK_TCK="$(getconf CLK_TCK)"

warm() {  # target port path concurrency requests rep [pid whose CPU to charge]
  local target="$1" port="$2" path="$3" c="$4" n="$5" rep="$6" pid="${7:-}"
  wait_for_quiet
  local before=0 after=0 json warmup="$WARMUP" rss="null"
  (( c > 1 )) && warmup="$WARMUP_C32"
  [[ -n "$pid" ]] && before="$(cpu_ticks "$pid")"
  json="$("$LOAD" --port "$port" --path "$path" -c "$c" -n "$n" --warmup "$warmup" \
    --body "$BODY")" || log "$target c=$c: errors: $(jq -c .error_samples <<<"$json")"
  local cpu_us="null"
  if [[ -n "$pid" ]]; then
    after="$(cpu_ticks "$pid")"
    rss="$(awk '/^VmRSS:/ {print $2}' "/proc/$pid/status")"
    cpu_us="$(awk "BEGIN{printf \"%.1f\", ($after - $before) * 1e6 / $CLK_TCK / ($n + $warmup)}")"
  fi
  record "$(jq -c --arg t "$target" --argjson rep "$rep" --argjson cpu "$cpu_us" --argjson rss "$rss" \
    '. + {kind:"warm",url:.target,target:$t,rep:$rep,server_cpu_us_per_req:$cpu,server_rss_kb:$rss}' <<<"$json")"
  log "$(printf '%-13s c=%-2s rep %s: p50 %6s us  p99 %6s us  %8s/s  errors %s  server RSS %s kB' \
    "$target" "$c" "$rep" "$(jq .latency_us.p50 <<<"$json")" "$(jq .latency_us.p99 <<<"$json")" \
    "$(jq .throughput_per_s <<<"$json")" "$(jq .errors <<<"$json")" "$rss")"
}

# Serval authenticates every API request with SigV4 (test/test by default), as AWS does.
SIGN=(--aws-sigv4 "aws:amz:us-east-1:lambda" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY")
fn_path() { echo "/2015-03-31/functions/$1/invocations"; }

wait_for_quiet
for c in 1 32; do
  n="$N_C1"; (( c == 32 )) && n="$N_C32"
  for rep in $(seq "$REPS"); do
    # Serval's edge alone (router + HTTP, no environment): POST /_serval/health.
    warm serval-edge "$PORT" /_serval/health "$c" "$n" "$rep" "$SERVAL_PID"
    warm serval-cpp "$PORT" "$(fn_path bench-cpp)" "$c" "$n" "$rep" "$SERVAL_PID"
    warm serval-python "$PORT" "$(fn_path bench-python)" "$c" "$n" "$rep" "$SERVAL_PID"
    warm serval-node "$PORT" "$(fn_path bench-node)" "$c" "$n" "$rep" "$SERVAL_PID"
    # serverless-offline grows (~9 kB RSS per invoke, and slows down with it): by default every
    # repetition gets a fresh one, so the peer is measured at its best. PEER_FRESH=0 keeps one.
    if [[ "$PEER_FRESH" == 1 ]] && (( c > 1 || rep > 1 )); then stop_peer; start_peer; fi
    warm peer-node "$PEER_PORT" "$(fn_path "$PEER_FN")" "$c" "$n" "$rep" "$PEER_PID"
  done
done
record "{\"kind\":\"rss_after_warm\",\"rss_kb\":$(awk '/^VmRSS:/ {print $2}' "/proc/$SERVAL_PID/status")}"

# ---------------------------------------------------------------------------------------------
# 6. Cold starts.
cold() {  # function runtime rep [label]
  local label="${4:-$2}"
  wait_for_quiet
  # A new Description makes a new revision: the pool retires the function's environments.
  curl -sf -o /dev/null "${SIGN[@]}" -X PUT -H 'Content-Type: application/json' \
    -d "{\"Description\":\"cold $3 $(now_us)\"}" \
    "$ENDPOINT/2015-03-31/functions/$1/configuration" || { log "update of $1 failed"; exit 1; }
  sleep 0.3  # let the retired environments exit
  local t
  t="$(curl -s -D "$TMP/cold-headers" -o "$TMP/cold-body" -w '%{time_total}' "${SIGN[@]}" -X POST \
    -H 'X-Amz-Log-Type: Tail' -H 'Content-Type: application/json' -d "$BODY" \
    "$ENDPOINT$(fn_path "$1")")"
  local init
  init="$(awk 'tolower($1)=="x-amz-log-result:" {print $2}' "$TMP/cold-headers" | tr -d '\r' |
    base64 -d | sed -n 's/.*Init Duration: \([0-9.]*\) ms.*/\1/p')"
  if [[ -z "$init" || "$(jq -c . "$TMP/cold-body")" != "$(jq -c . <<<"$BODY")" ]]; then
    log "cold start of $1 did not report an Init Duration or did not echo"; cat "$TMP/cold-body" >&2
    init=null
  fi
  local client_ms
  client_ms="$(awk "BEGIN{printf \"%.2f\", $t * 1000}")"
  record "{\"kind\":\"cold\",\"runtime\":\"$label\",\"rep\":$3,\"init_ms\":$init,\"client_ms\":$client_ms}"
  log "cold $label rep $3: Init Duration $init ms, first invoke ${client_ms} ms at the client"
}
wait_for_quiet
for rep in $(seq "$COLD_REPS"); do
  cold bench-cpp provided.al2023 "$rep"
  cold bench-python python3.12 "$rep"  # from the spare the previous cold start left ready
  cold bench-node nodejs20.x "$rep"
done
# The same through the AWS CLI once, as a user would see it (CLI start-up included).
aws --endpoint-url "$ENDPOINT" lambda update-function-configuration --function-name bench-cpp \
  --description "cli cold" >/dev/null
sleep 0.3
aws --endpoint-url "$ENDPOINT" lambda invoke --function-name bench-cpp --log-type Tail \
  --payload "$BODY" "$TMP/cli-out.json" \
  --query LogResult --output text | base64 -d | grep REPORT >"$OUT/cli-cold-report.txt" || true

# Side by side, the path before spares: the same Serval data (the same functions) served with
# --no-spare-environments, so every cold start builds its environment and starts its runtime.
stop_serval
SERVAL_EXTRA_ARGS=(--no-spare-environments)
RECORD_STARTUP=0 start_serval "$STARTUP_REPS"
ENDPOINT="http://127.0.0.1:$PORT"
for rep in $(seq "$COLD_REPS"); do
  cold bench-cpp provided.al2023 "$rep" "provided.al2023 from scratch (--no-spare-environments)"
  cold bench-python python3.12 "$rep" "python3.12 from scratch (--no-spare-environments)"
  cold bench-node nodejs20.x "$rep" "nodejs20.x from scratch (--no-spare-environments)"
done

echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"

# ---------------------------------------------------------------------------------------------
# 7. Summary.
stop_peer
stop_serval
python3 "$BENCH_DIR/summarize.py" "$OUT" | tee "$OUT/summary.md"
log "raw results: $RESULTS"
