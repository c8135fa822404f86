#!/usr/bin/env bash
# bench/apigateway.sh: Serval's API Gateway, HTTP APIs and function URLs side by side with
# serverless-offline (issue 10 of the gateway work, part 10).
#
#   bench/apigateway.sh                                     # full run: ~6-10 minutes on 2 cores
#   REPS=1 N_C1=300 N_C32=2000 WARMUP_C32=1000 PEER_FRESH=0 bench/apigateway.sh  # smoke, ~1.5 min
#
# In one run, on one machine: Serval (`serval up`, fresh data dir) and serverless-offline
# (bench/peer/serverless.yml, its default worker-thread mode), both driven by bench/invoke_load,
# closed loop, at concurrency 1 and 32, REPS repetitions, every target in turn within each
# repetition (so machine noise hits them alike). Each measurement waits for builds and test runs
# first (bench/lib.sh). Routes (unsigned GETs, as a browser sends them, except `invoke`):
#
#   rest    REST API, GET /hello, AWS_PROXY -> proxy handler ({statusCode: 200, body: "hello"}),
#           at /restapis/{id}/bench/_user_request_/hello; peer: `http` GET /hello (lambda-proxy)
#   custom  REST API, GET /greet?name=world, AWS (custom) integration with request template
#           {"name": "$input.params('name')"} and response template
#           {"greeting": "$input.path('$.greeting')"} -> greeting handler; peer: `http` with
#           `integration: lambda` and the same request.template / response.template
#   http    HTTP API, route GET /hello, AWS_PROXY payload 2.0 -> proxy handler, at
#           /_aws/execute-api/{id}/hello ($default stage); peer: `httpApi` GET /v2/hello
#   url     function URL of the proxy handler: GET / with Host {url-id}.lambda-url.us-east-1.localhost
#           (invoke_load's --header replaces the Host it sets); peer: none (serverless-offline 13
#           serves no function URLs)
#   invoke  direct Lambda Invoke of the proxy handler (POST /2015-03-31/functions/NAME/invocations,
#           body {}, SigV4-signed; serverless-offline's Lambda port ignores the signature)
#
# Serval runs each route twice: with the Node handlers (bench/functions/gateway_hello.mjs,
# nodejs20.x) and with their C++ twin (bench/functions/gateway_hello.cc, provided.al2023); the peer
# runs the same .mjs file. Every answer's body size is checked (--expect-bytes), so a 200 from a
# wrong route counts as an error. Also recorded per run: the server process's own CPU time per
# request (utime+stime, 10 ms ticks; Serval's function processes excluded, the peer's worker
# threads included).
#
# Knobs: REPS (5), N_C1 (2000), N_C32 (10000), WARMUP (200), WARMUP_C32 (5000), PEER_FRESH (1: a
# fresh serverless-offline before each of its blocks, as bench/run.sh does: it slows down as it
# grows), PREWARM_NODE (20000: requests per Serval Node target at c=32 before any measurement),
# PEER ("serverless-offline"; "" for none), BUILD_DIR (build), BUILD_JOBS (1), SKIP_BUILD
# (0; 1 measures the binaries already in BUILD_DIR), OUT.
# Raw results: OUT/results.jsonl, OUT/machine.txt, OUT/summary.md (bench/apigateway_summarize.py).
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-5}"
N_C1="${N_C1:-2000}"
N_C32="${N_C32:-10000}"
WARMUP="${WARMUP:-200}"
WARMUP_C32="${WARMUP_C32:-5000}"
PREWARM_NODE="${PREWARM_NODE:-20000}"
PEER_FRESH="${PEER_FRESH:-1}"
PEER="${PEER-serverless-offline}"
OUT="${OUT:-$BENCH_DIR/out/apigateway-$(date -u +%Y%m%dT%H%M%SZ)}"

# serverless v3 without login, telemetry, update checks or deprecation noise.
export SLS_TELEMETRY_DISABLED=1 SLS_TRACKING_DISABLED=1 SLS_NOTIFICATIONS_MODE=off
export SLS_DEPRECATION_DISABLE='*' SLS_INTERACTIVE_SETUP_DISABLE=1 CI=1

source "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
: >"$OUT/results.jsonl"
TMP="$(mktemp -d /tmp/serval-apibench.XXXXXX)"
declare -A PID PORT
PEER_PID=""
trap 'stop_peer; stop_servers_and_clean' EXIT

if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
  wait_for_quiet
  log "building serval, invoke_load and gateway_hello_function in $BUILD"
  cmake --build "$BUILD" -j"${BUILD_JOBS:-1}" --target serval invoke_load gateway_hello_function \
    >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log" >&2; exit 1; }
fi
if [[ ! -d "$REPO/runtimes/node/node_modules/aws-lambda-ric" ]]; then
  log "installing the Node runtime's aws-lambda-ric (runtimes/README.md)"
  npm ci --ignore-scripts --omit=dev --no-audit --no-fund --prefix "$REPO/runtimes/node" >/dev/null
fi
if [[ -n "$PEER" && ! -x "$BENCH_DIR/peer/node_modules/.bin/serverless" ]]; then
  log "installing serverless@3 + serverless-offline@13 into bench/peer"
  (cd "$BENCH_DIR/peer" && npm ci --no-audit --no-fund >/dev/null 2>&1)
fi
# The binaries this run measures (the build dir may be rebuilt while we run).
cp "$BUILD/serval" "$BUILD/bench/invoke_load" "$TMP/"
LOAD="$TMP/invoke_load"
make_zip "$TMP/node.zip" "gateway_hello.mjs=$BENCH_DIR/functions/gateway_hello.mjs"
make_zip "$TMP/cpp.zip" "bootstrap=$BUILD/bench/gateway_hello_function"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "src_dirty_files: $(git -C "$REPO" status --porcelain -- src runtimes 2>/dev/null | wc -l)"
  echo "build: $BUILD ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt"))"
  echo "serval_sha256: $(sha256sum "$TMP/serval" | cut -c1-16)"
  echo "node: $(node --version)"
  if [[ -n "$PEER" ]]; then
    echo "serverless: $(node -p "require('$BENCH_DIR/peer/node_modules/serverless/package.json').version"), serverless-offline: $(node -p "require('$BENCH_DIR/peer/node_modules/serverless-offline/package.json').version")"
  fi
  echo "params: REPS=$REPS N_C1=$N_C1 N_C32=$N_C32 WARMUP=$WARMUP WARMUP_C32=$WARMUP_C32" \
    "PEER_FRESH=$PEER_FRESH PREWARM_NODE=$PREWARM_NODE"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

# --- servers -------------------------------------------------------------------------------------
start_serval serval "$TMP/serval-data" --keep-alive-seconds 600
log "serval pid ${PID[serval]} port ${PORT[serval]}"
python3 "$BENCH_DIR/apigateway_setup.py" "http://127.0.0.1:${PORT[serval]}" \
  --node-zip "$TMP/node.zip" --cpp-zip "$TMP/cpp.zip" >"$TMP/setup.json"

PEER_FN_PREFIX=serval-bench-peer-dev-
start_peer() {  # sets PEER_PID, PORT[peer] (HTTP events), PORT[peer-lambda]
  start_peer_offline
  PORT[peer-lambda]="$PEER_PORT"
  PORT[peer]="$PEER_HTTP_PORT"
}

# --- targets -------------------------------------------------------------------------------------
# One line per target: server runtime route port-key expected-bytes invoke_load-args...
setup() { jq -r ".$1.$2" "$TMP/setup.json"; }
TARGETS="$TMP/targets"
: >"$TARGETS"
for rt in node cpp; do
  rest="/restapis/$(setup "$rt" rest_api)/$(setup "$rt" stage)/_user_request_"
  cat >>"$TARGETS" <<EOF
serval $rt rest serval 5 --no-sign --method GET --path $rest/hello
serval $rt custom serval 27 --no-sign --method GET --path $rest/greet?name=world
serval $rt http serval 5 --no-sign --method GET --path /_aws/execute-api/$(setup "$rt" http_api)/hello
serval $rt url serval 5 --no-sign --method GET --path / --header Host:$(setup "$rt" url_host):${PORT[serval]}
serval $rt invoke serval 33 --function $(setup "$rt" proxy_function) --body {}
EOF
done
if [[ -n "$PEER" ]]; then
  # serverless-offline's lambda-integration response is re-serialized JSON: no space after ':'.
  cat >>"$TARGETS" <<EOF
peer node rest peer 5 --no-sign --method GET --path /hello
peer node custom peer 26 --no-sign --method GET --path /greet?name=world
peer node http peer 5 --no-sign --method GET --path /v2/hello
peer node invoke peer-lambda 33 --function ${PEER_FN_PREFIX}hello --body {}
EOF
fi

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }  # utime + stime of that process only
CLK_TCK="$(getconf CLK_TCK)"
# Runs one target once: server runtime route port-key bytes c rep args...; appends its JSON line.
measure() {
  local server="$1" runtime="$2" route="$3" port_key="$4" bytes="$5" c="$6" rep="$7"
  shift 7
  local n="$N_C1" warmup="$WARMUP" pid json before after cpu
  (( c > 1 )) && { n="$N_C32"; warmup="$WARMUP_C32"; }
  pid="${PID[serval]}"; [[ "$server" == peer ]] && pid="$PEER_PID"
  wait_for_quiet
  before="$(cpu_ticks "$pid")"
  json="$("$LOAD" --port "${PORT[$port_key]}" -c "$c" -n "$n" --warmup "$warmup" \
    --expect-bytes "$bytes" "$@")" || true
  after="$(cpu_ticks "$pid")"
  cpu="$(awk "BEGIN{printf \"%.1f\", ($after - $before) * 1e6 / $CLK_TCK / ($n + $warmup)}")"
  jq -c --arg server "$server" --arg runtime "$runtime" --arg route "$route" --argjson c "$c" \
    --argjson rep "$rep" --argjson cpu "$cpu" \
    '. + {server: $server, runtime: $runtime, route: $route, c: $c, rep: $rep,
          server_cpu_us_per_req: $cpu}' <<<"$json" >>"$OUT/results.jsonl"
  log "$(tail -1 "$OUT/results.jsonl" | jq -r '"\(.server)-\(.runtime) \(.route) c=\(.c) rep \(.rep):
    \(.throughput_per_s)/s p50 \(.latency_us.p50) p99 \(.latency_us.p99) us, server CPU " +
    "\(.server_cpu_us_per_req) us/req, errors \(.errors) \(.error_samples[0] // "")"' | tr -s ' \n' ' ')"
}

# Every target answers once before anything is measured (cold starts, peer worker threads).
set -f  # target paths have '?' in them: no globbing of $args below
[[ -n "$PEER" ]] && start_peer
while read -r server runtime route port_key bytes args <&3; do
  # shellcheck disable=SC2086  # args is a word list by construction (no spaces inside a word)
  "$LOAD" --port "${PORT[$port_key]}" -n 1 --warmup 0 --expect-bytes "$bytes" $args >/dev/null ||
    { log "$server $runtime $route does not answer as expected:"; "$LOAD" --port \
      "${PORT[$port_key]}" -n 1 --warmup 0 $args | jq -c .error_samples >&2; exit 1; }
done 3<"$TARGETS"
# Node's JIT: 32 environments of a Node function get faster over tens of thousands of requests
# (CPU per request fell from ~1,000 to ~340 us over 39,000 in a test run), more than one
# measurement's warm-up, so whichever target ran later looked faster. Serval's Node targets are
# driven at concurrency 32 first, PREWARM_NODE requests each (the proxy function gets four
# routes' worth, the greeting function one).
while read -r server runtime route port_key bytes args <&3; do
  [[ "$server" == serval && "$runtime" == node && "$PREWARM_NODE" -gt 0 ]] || continue
  # shellcheck disable=SC2086
  "$LOAD" --port "${PORT[$port_key]}" -c 32 -n "$PREWARM_NODE" --warmup 0 --expect-bytes "$bytes" \
    $args >/dev/null || true
done 3<"$TARGETS"
log "every target answers; measuring"

# Each repetition starts one target further down the list: a target measured after the others
# finds the environments they share warmer (Node's JIT at concurrency 32), so a fixed order
# favoured the last route (the direct Invoke) over the gateway routes before it.
mapfile -t TARGET_LINES <"$TARGETS"
for rep in $(seq "$REPS"); do
  shift_by=$(( (rep - 1) % ${#TARGET_LINES[@]} ))
  printf '%s\n' "${TARGET_LINES[@]:shift_by}" "${TARGET_LINES[@]:0:shift_by}" >"$TARGETS.rep"
  for c in 1 32; do
    peer_started=0
    while read -r server runtime route port_key bytes args <&3; do
      if [[ "$server" == peer && "$PEER_FRESH" == 1 && "$peer_started" == 0 ]] &&
         (( rep > 1 || c > 1 )); then
        stop_peer; start_peer
      fi
      [[ "$server" == peer ]] && peer_started=1
      # shellcheck disable=SC2086
      measure "$server" "$runtime" "$route" "$port_key" "$bytes" "$c" "$rep" $args
    done 3<"$TARGETS.rep"
  done
done

{
  echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "serval VmRSS at the end: $(awk '/^VmRSS/ {print $2 / 1024 " MB"}' "/proc/${PID[serval]}/status")"
  echo "serval stats at the end: $(curl -s "http://127.0.0.1:${PORT[serval]}/_serval/stats")"
} >>"$OUT/machine.txt"
grep -h warning "$OUT/machine.txt" >&2 || true
python3 "$BENCH_DIR/apigateway_summarize.py" "$OUT/results.jsonl" | tee "$OUT/summary.md"
