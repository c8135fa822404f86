#!/usr/bin/env bash
# bench/dynamodb.sh: Serval's DynamoDB side by side with dynalite and moto_server (issue 13,
# part 10).
#
#   bench/dynamodb.sh                             # full run: ~20-30 minutes on 2 cores
#   REPS=1 DURATION=3 WARMUP_S=1 GET_KEYS=2000 MILLION=100000 MOTO_MILLION=20000 \
#     bench/dynamodb.sh                           # smoke run, ~3 minutes
#
# In one run, on one machine, against three servers started here: Serval (`serval up`, fresh data
# dir, default settings: a 200 means the write is on disk, group commit), dynalite (npm, from
# bench/ddbpeer/package-lock.json; its default in-memory store: no --path, nothing on disk) and
# moto_server (the machine's python; in memory). Every request is a real DynamoDB JSON 1.0 request
# (POST /, X-Amz-Target DynamoDB_20120810.<Op>) with its own SigV4 signature (credentials
# test/test), made at send time by the same driver for all three: wrk -t1 (one thread, like
# bench/invoke_load, which cannot vary the body per request) with bench/dynamodb_wrk.lua, which
# signs through LuaJIT's FFI with the libcrypto wrk links. Serval verifies every signature;
# dynalite and moto ignore them. Each measurement waits for builds and test runs first
# (bench/lib.sh) and the servers take turns within each repetition.
#
#   ops      one table `bench` (pk S hash, sk S range) per server, with GET_KEYS items of ~200
#            bytes and one partition of 100 items; then for each repetition, each operation, each
#            concurrency (1 and 8), each server in turn: WARMUP_S seconds of warm-up (not
#            recorded), then DURATION seconds measured: requests/s, p50, p99, and the server
#            process's CPU seconds (utime+stime) per request.
#              put    PutItem of a new ~200-byte item per request (distinct keys)
#              get    GetItem of the GET_KEYS existing items, in turn
#              query  Query of the 100-item partition (all 100 returned; checked)
#   million  each server fresh and alone (the ops servers are stopped first): table `million`,
#            then MILLION items (MOTO_MILLION for moto) loaded by BatchWriteItem of 25 items on
#            LOAD_C (8) connections (at most LOAD_MAX_S seconds; what was answered is recorded);
#            load items/s; then VmRSS and VmHWM of the server process and, for Serval, the size of
#            its data dir (du: allocated bytes) and of its SQLite files. dynalite and moto have
#            nothing on disk. DescribeTable's ItemCount is recorded as a check (dynalite reports 0).
#
# Knobs: REPS (3), DURATION (10 s), WARMUP_S (2 s), GET_KEYS (10000), MILLION (1000000),
# MOTO_MILLION (1000000), LOAD_C (8), LOAD_MAX_S (1200), PEERS ("dynalite moto"),
# PARTS ("ops million"), SERVAL_BIN (build/serval: not rebuilt here; the script copies it),
# OUT. Needs wrk (Debian's package, installed here when missing and run as root; its LuaJIT and
# libcrypto do the signing) and what scripts/setup.sh installs. Raw results:
# OUT/results.jsonl, OUT/machine.txt, OUT/summary.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
SERVAL_BIN="${SERVAL_BIN:-$REPO/build/serval}"
REPS="${REPS:-3}"
DURATION="${DURATION:-10}"
WARMUP_S="${WARMUP_S:-2}"
GET_KEYS="${GET_KEYS:-10000}"
MILLION="${MILLION:-1000000}"
MOTO_MILLION="${MOTO_MILLION:-1000000}"
LOAD_C="${LOAD_C:-8}"
LOAD_MAX_S="${LOAD_MAX_S:-1200}"
PEERS="${PEERS-dynalite moto}"
PARTS="${PARTS:-ops million}"
part() { [[ " $PARTS " == *" $1 "* ]]; }
OUT="${OUT:-$BENCH_DIR/out/dynamodb-$(date -u +%Y%m%dT%H%M%SZ)}"
LUA="$BENCH_DIR/dynamodb_wrk.lua"

source "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-ddbbench.XXXXXX)"
declare -A PID PORT
trap stop_servers_and_clean EXIT

if ! command -v wrk >/dev/null && [[ "$(id -u)" == 0 ]]; then
  log "installing wrk (Debian's package)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y -q --no-install-recommends wrk >/dev/null 2>&1 ||
    { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends wrk >/dev/null; }
fi
command -v wrk >/dev/null || { log "wrk is missing: apt-get install wrk"; exit 1; }
[[ -x "$SERVAL_BIN" ]] || { log "no serval binary at $SERVAL_BIN (build it, or set SERVAL_BIN)"; exit 1; }
cp "$SERVAL_BIN" "$TMP/serval"
if [[ " $PEERS " == *" dynalite "* && ! -f "$BENCH_DIR/ddbpeer/node_modules/dynalite/cli.js" ]]; then
  log "installing dynalite (bench/ddbpeer/package-lock.json)"
  (cd "$BENCH_DIR/ddbpeer" && npm ci --no-audit --no-fund >/dev/null)
fi
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "serval: $SERVAL_BIN ($(stat -c '%y' "$SERVAL_BIN" | cut -d. -f1), sha256" \
    "$(sha256sum "$TMP/serval" | cut -c1-12))"
  echo "params: REPS=$REPS DURATION=$DURATION WARMUP_S=$WARMUP_S GET_KEYS=$GET_KEYS" \
    "MILLION=$MILLION MOTO_MILLION=$MOTO_MILLION LOAD_C=$LOAD_C LOAD_MAX_S=$LOAD_MAX_S" \
    "PEERS='$PEERS' PARTS='$PARTS'"
  echo "wrk: $(wrk --version 2>&1 | head -1 | cut -d' ' -f1-2)"
  echo "dynalite: $(node -p 'require(process.argv[1]).version' \
    "$BENCH_DIR/ddbpeer/node_modules/dynalite/package.json" 2>/dev/null || echo '?') (in memory)," \
    "node $(node --version)"
  echo "moto: $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')," \
    "python $(python3 -c 'import platform; print(platform.python_version())')"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "disk: $(df -h "$TMP" | tail -1)"
} >"$OUT/machine.txt"

# --- servers -------------------------------------------------------------------------------------
start() {  # server: starts it fresh (a new data dir for Serval)
  case "$1" in
    serval)
      rm -rf "$TMP/serval-data"
      start_serval serval "$TMP/serval-data" ;;
    dynalite)
      local port
      port="$(free_port)"
      # In memory (dynalite's default, no --path); tables ACTIVE at once instead of after 500 ms.
      node "$BENCH_DIR/ddbpeer/node_modules/dynalite/cli.js" --host 127.0.0.1 --port "$port" \
        --createTableMs 0 >"$TMP/dynalite.log" 2>&1 &
      PID[dynalite]=$!
      PORT[dynalite]="$port"
      wait_http "$port" "${PID[dynalite]}" ||
        { cat "$TMP/dynalite.log" >&2; log "dynalite did not start"; exit 1; } ;;
    moto) start_moto moto ;;
    *) log "unknown server $1"; exit 1 ;;
  esac
  log "$1: pid ${PID[$1]} port ${PORT[$1]}"
}
SERVERS=(serval)
for peer in $PEERS; do SERVERS+=("$peer"); done
endpoint() { echo "http://127.0.0.1:${PORT[$1]}"; }
status_kb() { awk -v f="$2:" '$1 == f {print $2}' "/proc/${PID[$1]}/status"; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/${PID[$1]}/stat"; }  # utime + stime

# drive server seconds connections out-file lua-args...: one wrk run (its own output to
# $TMP/wrk.txt); its JSON line is appended to out-file.
drive() {
  local server="$1" seconds="$2" c="$3" out="$4"
  shift 4
  wrk -t1 -c"$c" -d"${seconds}s" --timeout 60s -s "$LUA" "$(endpoint "$server")/" -- \
    "out=$out" "$@" >"$TMP/wrk.txt" 2>&1 || { cat "$TMP/wrk.txt" >&2; log "wrk failed"; }
}
record() {  # server kind c rep extra-json seconds lua-args...: warm-up, measured run, one line
  local server="$1" kind="$2" c="$3" rep="$4" extra="$5" seconds="$6" t0 t1
  shift 6
  rm -f "$TMP/run.jsonl"
  t0="$(cpu_ticks "$server")"
  drive "$server" "$seconds" "$c" "$TMP/run.jsonl" "$@"
  t1="$(cpu_ticks "$server")"
  [[ -s "$TMP/run.jsonl" ]] || echo '{"requests":0,"ok":0,"throughput_per_s":0,"latency_us":{}}' \
    >"$TMP/run.jsonl"
  jq -c --arg server "$server" --arg kind "$kind" --argjson c "$c" --argjson rep "$rep" \
    --argjson extra "$extra" --argjson ticks "$((t1 - t0))" --argjson hz "$(getconf CLK_TCK)" \
    '. + {server:$server, kind:$kind, c:$c, rep:$rep, server_cpu_s:($ticks / $hz)} + $extra' \
    "$TMP/run.jsonl" >>"$OUT/results.jsonl"
  log "$(tail -1 "$OUT/results.jsonl" | jq -r '"\(.server) \(.kind) c=\(.c) rep \(.rep): " +
    "\(.throughput_per_s)/s p50 \(.latency_us.p50) p99 \(.latency_us.p99) us, " +
    (if .items then "\(.items) items \(.items_per_s)/s, " else "" end) +
    "errors \(.errors.status // 0)+\(.bad // 0) \(.error_samples[0] // "")"')"
}

# --- ops -----------------------------------------------------------------------------------------
if part ops; then
  for server in "${SERVERS[@]}"; do
    start "$server"
    python3 "$BENCH_DIR/dynamodb_setup.py" create "$(endpoint "$server")" bench
    # GET_KEYS items g-0.. for GetItem, 100 items in partition "q" for Query (not measured).
    drive "$server" 600 8 "$TMP/setup.jsonl" op=load table=bench prefix=g \
      count=$(((GET_KEYS + 24) / 25))
    drive "$server" 600 1 "$TMP/setup.jsonl" op=load table=bench prefix=q partition=1 count=4
  done
  jq -c '{items, bad, status: .errors.status}' "$TMP/setup.jsonl" | sort | uniq -c | sed 's/^/setup loads: /' >&2
  for rep in $(seq "$REPS"); do
    for kind in put get query; do
      for c in 1 8; do
        for server in "${SERVERS[@]}"; do
          case "$kind" in
            put) args=(op=put table=bench); warm=(prefix="w$c-$rep"); meas=(prefix="p$c-$rep") ;;
            get) args=(op=get table=bench prefix=g keys="$GET_KEYS"); warm=(); meas=() ;;
            query) args=(op=query table=bench prefix=q keys=100); warm=(); meas=() ;;
          esac
          wait_for_quiet
          drive "$server" "$WARMUP_S" "$c" "$TMP/warmup.jsonl" "${args[@]}" "${warm[@]}"
          record "$server" "$kind" "$c" "$rep" '{}' "$DURATION" "${args[@]}" "${meas[@]}"
        done
      done
    done
  done
  for server in "${SERVERS[@]}"; do
    echo "$server after ops: VmRSS $(status_kb "$server" VmRSS) kB, VmHWM $(status_kb "$server" VmHWM) kB" \
      >>"$OUT/machine.txt"
    stop_server "$server"
  done
fi

# --- million -------------------------------------------------------------------------------------
if part million; then
  for server in "${SERVERS[@]}"; do
    items="$MILLION"; [[ "$server" == moto ]] && items="$MOTO_MILLION"
    wait_for_quiet
    start "$server"
    python3 "$BENCH_DIR/dynamodb_setup.py" create "$(endpoint "$server")" million
    sleep 1
    rss0="$(status_kb "$server" VmRSS)"
    record "$server" load "$LOAD_C" 1 "{\"target_items\":$items,\"rss_before_kb\":$rss0}" \
      "$LOAD_MAX_S" op=load table=million prefix=m count=$(((items + 24) / 25))
    sleep 2  # let a runtime's GC and Serval's WAL checkpoint settle
    disk='{}'
    if [[ "$server" == serval ]]; then
      # Allocated bytes (du without --apparent-size): the data dir also holds a sparse 512 MiB
      # template for functions' /tmp that takes almost no space.
      disk="$(jq -nc --argjson all "$(du -s --block-size=1 "$TMP/serval-data" | cut -f1)" \
        --argjson db "$(du -s --block-size=1 "$TMP/serval-data/dynamodb" | cut -f1)" \
        --arg files "$(cd "$TMP/serval-data/dynamodb" && stat -c '%n %s' * | paste -sd' ')" \
        '{data_dir_bytes:$all, dynamodb_dir_bytes:$db, files:$files}')"
    fi
    count="$(python3 "$BENCH_DIR/dynamodb_setup.py" count "$(endpoint "$server")" million || echo '{}')"
    jq -nc --arg server "$server" --argjson rss "$(status_kb "$server" VmRSS)" \
      --argjson hwm "$(status_kb "$server" VmHWM)" --argjson rss0 "$rss0" --argjson disk "$disk" \
      --argjson count "$count" --argjson items "$items" \
      '{server:$server, kind:"million-size", rep:1, target_items:$items, rss_before_kb:$rss0,
        rss_kb:$rss, vmhwm_kb:$hwm, disk:$disk} + $count' >>"$OUT/results.jsonl"
    log "$(tail -1 "$OUT/results.jsonl")"
    stop_server "$server"
  done
fi

echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
grep -h warning "$OUT/machine.txt" >&2 || true
python3 "$BENCH_DIR/dynamodb_summarize.py" "$OUT/results.jsonl" | tee "$OUT/summary.md"
