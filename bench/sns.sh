#!/usr/bin/env bash
# bench/sns.sh: Serval's SNS side by side with moto_server (issue 11, part 8).
#
#   bench/sns.sh                                  # full run: ~15 minutes on 2 cores
#   REPS=1 N_C1=300 N_C8=600 PEER_N_C1=50 PEER_N_C8=100 DELAY_N=100 REPL_OBJECTS=100 \
#     bench/sns.sh                                # smoke run, ~3 minutes
#
# In one run, on one machine, against two servers started here: Serval (`serval up`, fresh data
# dir) and moto_server (python, in memory). Each measurement waits for builds and test runs first
# (bench/lib.sh); the servers take turns within a repetition, so machine noise hits them alike.
#
#   publish  SNS Publish (POST / with a form body Action=Publish&TopicArn=...&Message=<40-byte
#            JSON>, SigV4 for service sns, bench/invoke_load) at concurrency 1 and 8 to topics with
#            0, 1 and 10 Lambda subscribers: requests/s, p50, p99; REPS repetitions. Serval's 200
#            means every delivery is in the invoker's durable queue (fdatasync, group commit); its
#            subscribers are the C++ echo function (runtimes/cpp, provided.al2023) and really run.
#            After each Serval run the script waits until the queue is empty (GET /_serval/stats:
#            async_events_queued = 0) and records that wait (drain_s), so that one run's
#            deliveries do not load the next. moto_server gets the same topics and subscriptions
#            to functions it has (python3.12, never run): its Publish tries to run each one in
#            Docker, which is absent here, logs the failure and answers 200; nothing is delivered.
#   delay    Serval only: DELAY_N Publishes at concurrency 1 to a topic with ten subscribers
#            running bench/functions/stamp.cc (provided.al2023), which logs CLOCK_REALTIME first
#            thing in its handler with the event's MessageId; invoke_load --trace records the
#            client's CLOCK_REALTIME when each 200 has been read and its MessageId. Delay = stamp
#            minus the 200 (bench/stamp_delays.py), per (message, subscriber) and for the last of
#            each message's ten. For each pause in DELAY_PAUSES (ms after each 200 before the next
#            Publish; 0 = back to back), DELAY_REPS repetitions.
#   repl     Serval only (moto runs no functions): the content-replication post end to end, set up
#            through the APIs (bench/sns_setup.py replication): PUT REPL_OBJECTS 1 KiB objects to
#            the source bucket at concurrency REPL_C -> TopicConfiguration -> SNS -> REPL_DESTS
#            python functions running the post's copy code (bench/functions/lambda_function.py) ->
#            CopyObject. Time from the first PUT until the async queue is empty (polled every
#            50 ms), then every destination is listed to check all copies are there; objects/s.
#
# Knobs: REPS (3), N_C1 (500), N_C8 (1000), WARMUP (200), PEER_N_C1 (200), PEER_N_C8 (400),
# PEER_WARMUP (20), SUBS ("0 1 10"), DELAY_N (300), DELAY_PAUSES ("20 0"), DELAY_REPS (3),
# REPL_OBJECTS (1000), REPL_DESTS (10), REPL_C (8), REPL_REPS (1), PEERS ("moto"; "" for none),
# PARTS ("publish delay repl": which of the three to run),
# BUILD_DIR (build-release if it exists, else build), BUILD_JOBS (1), OUT.
# Raw results: OUT/results.jsonl, OUT/machine.txt, OUT/summary.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
if [[ -z "${BUILD_DIR:-}" && -d "$REPO/build-release" ]]; then BUILD_DIR="$REPO/build-release"; fi
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-3}"
N_C1="${N_C1:-500}"
N_C8="${N_C8:-1000}"
WARMUP="${WARMUP:-200}"
PEER_N_C1="${PEER_N_C1:-200}"
PEER_N_C8="${PEER_N_C8:-400}"
PEER_WARMUP="${PEER_WARMUP:-20}"
SUBS="${SUBS:-0 1 10}"
DELAY_N="${DELAY_N:-300}"
DELAY_PAUSES="${DELAY_PAUSES:-20 0}"
DELAY_REPS="${DELAY_REPS:-3}"
REPL_OBJECTS="${REPL_OBJECTS:-1000}"
REPL_DESTS="${REPL_DESTS:-10}"
REPL_C="${REPL_C:-8}"
REPL_REPS="${REPL_REPS:-1}"
PEERS="${PEERS-moto}"
PARTS="${PARTS:-publish delay repl}"
OUT="${OUT:-$BENCH_DIR/out/sns-$(date -u +%Y%m%dT%H%M%SZ)}"

source "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-snsbench.XXXXXX)"
declare -A PID PORT
trap stop_servers_and_clean EXIT

wait_for_quiet
log "building serval, invoke_load, echo_function and stamp_function in $BUILD"
cmake --build "$BUILD" -j"${BUILD_JOBS:-1}" --target serval invoke_load echo_function \
  stamp_function >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log" >&2; exit 1; }
cp "$BUILD/serval" "$BUILD/bench/invoke_load" "$TMP/"
LOAD="$TMP/invoke_load"
# Function packages: the C++ echo and stamp binaries as `bootstrap`, the Python echo (moto's
# functions, never run) and the replication post's copy code.
make_zip "$TMP/echo-cpp.zip" "bootstrap=$BUILD/runtimes/cpp/echo_function"
make_zip "$TMP/stamp.zip" "bootstrap=$BUILD/bench/stamp_function"
make_zip "$TMP/echo-py.zip" "echo.py=$BENCH_DIR/functions/echo.py"
make_zip "$TMP/copy.zip" "lambda_function.py=$BENCH_DIR/functions/lambda_function.py"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "build: $BUILD ($(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$BUILD/CMakeCache.txt"))"
  echo "params: REPS=$REPS N_C1=$N_C1 N_C8=$N_C8 WARMUP=$WARMUP PEER_N_C1=$PEER_N_C1" \
    "PEER_N_C8=$PEER_N_C8 PEER_WARMUP=$PEER_WARMUP SUBS='$SUBS' DELAY_N=$DELAY_N" \
    "DELAY_PAUSES='$DELAY_PAUSES' DELAY_REPS=$DELAY_REPS REPL_OBJECTS=$REPL_OBJECTS" \
    "REPL_DESTS=$REPL_DESTS REPL_C=$REPL_C REPL_REPS=$REPL_REPS"
  echo "moto: $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

# --- servers -------------------------------------------------------------------------------------
start_serval serval "$TMP/serval-data"
SERVERS=(serval)
for peer in $PEERS; do
  [[ "$peer" == moto ]] || { log "unknown peer $peer"; exit 1; }
  start_moto moto
  SERVERS+=(moto)
done
log "servers: $(for s in "${SERVERS[@]}"; do printf '%s pid %s port %s; ' "$s" "${PID[$s]}" "${PORT[$s]}"; done)"

endpoint() { echo "http://127.0.0.1:${PORT[$1]}"; }
python3 "$BENCH_DIR/sns_setup.py" publish "$(endpoint serval)" --echo-zip "$TMP/echo-cpp.zip" \
  --stamp-zip "$TMP/stamp.zip" >"$TMP/topics-serval.json"
if [[ -n "${PID[moto]:-}" ]]; then
  python3 "$BENCH_DIR/sns_setup.py" publish "$(endpoint moto)" --echo-zip "$TMP/echo-py.zip" \
    --runtime python3.12 --handler echo.lambda_handler >"$TMP/topics-moto.json"
fi

publish_body() {  # topic-arn
  jq -rn --arg topic "$1" '"Action=Publish&Version=2010-03-31&TopicArn=\($topic | @uri)" +
    "&Message=\("{\"hello\":\"world\",\"n\":42}" | @uri)"'
}
drive() {  # server invoke_load-args...: prints its JSON line
  local server="$1"; shift
  "$LOAD" --port "${PORT[$server]}" --service sns --path / \
    --header 'Content-Type: application/x-www-form-urlencoded; charset=utf-8' "$@"
}
append() {  # json extra-json: appends one results line and logs it
  jq -c --argjson extra "$2" '. + $extra' <<<"$1" >>"$OUT/results.jsonl"
  log "$(tail -1 "$OUT/results.jsonl" | jq -r '"\(.server) \(.kind) " + ({subs, c, pause_ms, rep} |
    with_entries(select(.value != null)) | tostring) + ": \(.throughput_per_s)/s p50 " +
    "\(.latency_us.p50) p99 \(.latency_us.p99) us, errors \(.errors) \(.error_samples[0] // "")" +
    (if .drain_s then ", drained in \(.drain_s) s" else "" end)')"
}

# Cold starts out of the way: one Publish to each Serval topic with subscribers.
for topic in pub10 stamp10; do
  drive serval -n 1 --warmup 0 --body "$(publish_body "$(jq -r ".$topic" "$TMP/topics-serval.json")")" \
    >/dev/null
done
drain serval >/dev/null

# --- publish -------------------------------------------------------------------------------------
part publish && for rep in $(seq "$REPS"); do
  for subs in $SUBS; do
    for server in "${SERVERS[@]}"; do
      body="$(publish_body "$(jq -r ".pub$subs" "$TMP/topics-$server.json")")"
      for c in 1 8; do
        if [[ "$server" == serval ]]; then
          n="$N_C1"; [[ "$c" == 8 ]] && n="$N_C8"; warmup="$WARMUP"
        else
          n="$PEER_N_C1"; [[ "$c" == 8 ]] && n="$PEER_N_C8"; warmup="$PEER_WARMUP"
        fi
        wait_for_quiet
        json="$(drive "$server" -c "$c" -n "$n" --warmup "$warmup" --body "$body")" || true
        drain_s=null
        [[ "$server" == serval ]] && drain_s="$(drain serval)"
        append "$json" "{\"server\":\"$server\",\"kind\":\"publish\",\"subs\":$subs,\"c\":$c,\"rep\":$rep,\"drain_s\":$drain_s}"
      done
    done
  done
done

# --- delay from the 200 to each subscriber's start -----------------------------------------------
body="$(publish_body "$(jq -r .stamp10 "$TMP/topics-serval.json")")"
part delay && for rep in $(seq "$DELAY_REPS"); do
  for pause in $DELAY_PAUSES; do
    wait_for_quiet
    json="$(drive serval -c 1 -n "$DELAY_N" --warmup 20 --pause-ms "$pause" --body "$body" \
      --trace "$TMP/trace.txt" --trace-element MessageId)" || true
    drain_s="$(drain serval)"
    delays="$(python3 "$BENCH_DIR/stamp_delays.py" "$TMP/trace.txt" "$TMP/serval-data/logs" 10)"
    append "$json" "{\"server\":\"serval\",\"kind\":\"delay\",\"subs\":10,\"c\":1,\"pause_ms\":$pause,\"rep\":$rep,\"drain_s\":$drain_s,\"delays\":$delays}"
    log "  delay start-after-200 us: $(jq -c .start_after_200_us <<<"$delays"); last of 10: $(jq -c .last_after_200_us <<<"$delays"); missing $(jq .missing <<<"$delays")"
  done
done

# --- replication, end to end ---------------------------------------------------------------------
part repl && python3 "$BENCH_DIR/sns_setup.py" replication "$(endpoint serval)" --copy-zip "$TMP/copy.zip" \
  --destinations "$REPL_DESTS" >"$TMP/replication.json"
# The copy functions' cold starts (boto3 import) out of the way: one object, then its copies away.
s3() { "$LOAD" --port "${PORT[serval]}" --service s3 --header 'Content-Type: application/octet-stream' "$@"; }
part repl && s3 --method PUT --path /repl-src/warm --body-size 16 -n 1 --warmup 0 >/dev/null
part repl && drain serval >/dev/null
part repl && for rep in $(seq "$REPL_REPS"); do
  wait_for_quiet
  t0=$(date +%s%N)
  put="$(s3 --method PUT --body-size 1024 -c "$REPL_C" -n "$REPL_OBJECTS" --warmup 0 \
    --paths "/repl-src/r$rep-obj-:$REPL_OBJECTS")" || true
  drain serval >/dev/null
  total_s="$(awk "BEGIN {printf \"%.3f\", ($(date +%s%N) - $t0) / 1e9}")"
  copies=0
  for dest in $(jq -r '.destinations[]' "$TMP/replication.json"); do
    keys="$(s3 --list-v2 "$dest" | jq .keys)"
    copies=$((copies + keys - 1 - (rep - 1) * REPL_OBJECTS))  # minus the warm object, earlier reps
  done
  environments="$(curl -s "$(endpoint serval)/_serval/stats" | jq .environments)"
  jq -c --argjson put "$put" --argjson rep "$rep" --argjson total "$total_s" \
    --argjson environments "$environments" \
    --argjson copies "$copies" --argjson objects "$REPL_OBJECTS" --argjson dests "$REPL_DESTS" \
    -n '{server:"serval", kind:"replication", rep:$rep, objects:$objects, destinations:$dests,
         total_s:$total, copies:$copies, environments_after:$environments, objects_per_s:($objects / $total), put:$put}' \
    >>"$OUT/results.jsonl"
  log "replication rep $rep: $REPL_OBJECTS objects x $REPL_DESTS destinations in $total_s s" \
    "($copies copies found; PUTs $(jq .throughput_per_s <<<"$put")/s)"
done

{
  echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "serval VmRSS at the end: $(awk '/^VmRSS/ {print $2 / 1024 " MB"}' "/proc/${PID[serval]}/status")"
  echo "serval stats at the end: $(curl -s "$(endpoint serval)/_serval/stats")"
} >>"$OUT/machine.txt"
grep -h warning "$OUT/machine.txt" >&2 || true
[[ -s "$OUT/results.jsonl" ]] && python3 "$BENCH_DIR/sns_summarize.py" "$OUT/results.jsonl" | tee "$OUT/summary.md"
