#!/usr/bin/env bash
# bench/s3.sh: Serval's S3 front end side by side with moto_server and s3rver (issue 10, part 12).
#
#   bench/s3.sh                                   # full run: ~15 minutes on 2 cores
#   REPS=1 N_C1=300 N_C8=1000 BIG_MIB=64 LIST_KEYS=2000 bench/s3.sh     # smoke run, ~1 minute
#
# In one run, on one machine, against three servers started here: Serval (`serval up`, fresh data
# dir, every 200 durable), moto_server (python, objects in memory) and s3rver (npm, files without
# fsync; it does not verify SigV4, but wants the key S3RVER/S3RVER). Each measurement waits for
# builds and test runs first (bench/lib.sh) and the servers take turns within a repetition, so
# machine noise hits them alike. Measures, with bench/invoke_load (SigV4 for service s3,
# x-amz-content-sha256 = SHA-256 of the body):
#   small   PutObject (distinct new keys) and GetObject (1,000 keys, cycled) of 1 KiB at
#           concurrency 1 and 8: requests/s, p50, p99;                      REPS repetitions
#   big     one BIG_MIB (1024) MiB object PUT then GET: MB/s (10^6 bytes/s) and, for every
#           server, the process's peak RSS (VmHWM, reset before each transfer through
#           /proc/PID/clear_refs); next to it the machine's limit on the same disk: `cp` + fsync
#           of the same file, `md5sum` and `sha256sum` of it (page cache warm);  BIG_REPS (3) for
#           Serval and the baselines, PEER_BIG_REPS (1) for the peers
#   list    PEER_LIST_KEYS (10,000) keys PUT at concurrency 8 on every server (the populate rate
#           is recorded too), then the full ListObjectsV2 walk by pages of 1,000: time; then the
#           same for Serval alone with LIST_KEYS (100,000) keys. LIST_REPS (3) walks for Serval,
#           PEER_LIST_REPS (1) for the peers
#   notify  Serval only: NOTIFY_N PutObjects of 1 KiB at concurrency 1 (boto3,
#           bench/s3_notify_delay.py) into a bucket whose s3:ObjectCreated:* events invoke
#           bench/functions/stamp.cc (provided.al2023), which logs CLOCK_REALTIME first thing in its
#           handler with the event's object key. Delay = that stamp minus the client's
#           CLOCK_REALTIME once the PUT's 200 was read (bench/stamp_delays.py): p50/p99. For each
#           pause in NOTIFY_PAUSES (ms after each 200; 0 = back to back), NOTIFY_REPS repetitions.
#
# Knobs: PARTS ("small big list notify"), REPS (3), N_C1 (1000), N_C8 (3000), WARMUP (200),
# BIG_MIB, BIG_REPS, PEER_BIG_REPS, LIST_KEYS, PEER_LIST_KEYS, LIST_REPS, PEER_LIST_REPS, NOTIFY_N
# (500), NOTIFY_PAUSES ("20 0"), NOTIFY_REPS (3), PEERS ("moto s3rver"), BUILD_DIR (build),
# BUILD_JOBS (1), OUT. Raw results: OUT/results.jsonl, OUT/machine.txt, OUT/summary.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-3}"
N_C1="${N_C1:-1000}"
N_C8="${N_C8:-3000}"
WARMUP="${WARMUP:-200}"
BIG_MIB="${BIG_MIB:-1024}"
BIG_REPS="${BIG_REPS:-3}"
PEER_BIG_REPS="${PEER_BIG_REPS:-1}"
LIST_KEYS="${LIST_KEYS:-100000}"
PEER_LIST_KEYS="${PEER_LIST_KEYS:-10000}"
LIST_REPS="${LIST_REPS:-3}"
PEER_LIST_REPS="${PEER_LIST_REPS:-1}"
PEERS="${PEERS:-moto s3rver}"
PARTS="${PARTS:-small big list notify}"
NOTIFY_N="${NOTIFY_N:-500}"
NOTIFY_PAUSES="${NOTIFY_PAUSES:-20 0}"
NOTIFY_REPS="${NOTIFY_REPS:-3}"
OUT="${OUT:-$BENCH_DIR/out/s3-$(date -u +%Y%m%dT%H%M%SZ)}"

source "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
# Data dirs, the big file and the baselines' copies share one disk (the one /tmp is on).
TMP="$(mktemp -d /tmp/serval-s3bench.XXXXXX)"
declare -A PID PORT KEY
trap stop_servers_and_clean EXIT

wait_for_quiet
log "building serval and invoke_load"
cmake --build "$BUILD" -j"${BUILD_JOBS:-1}" --target serval invoke_load stamp_function \
  >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log" >&2; exit 1; }
cp "$BUILD/serval" "$BUILD/bench/invoke_load" "$TMP/"
LOAD="$TMP/invoke_load"
if [[ " $PEERS " == *" s3rver "* && ! -x "$BENCH_DIR/s3peer/node_modules/.bin/s3rver" ]]; then
  log "installing s3rver (bench/s3peer/package-lock.json)"
  (cd "$BENCH_DIR/s3peer" && npm ci --no-audit --no-fund >/dev/null)
fi
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "params: PARTS=\"$PARTS\" REPS=$REPS N_C1=$N_C1 N_C8=$N_C8 WARMUP=$WARMUP" \
    "BIG_MIB=$BIG_MIB BIG_REPS=$BIG_REPS PEER_BIG_REPS=$PEER_BIG_REPS LIST_KEYS=$LIST_KEYS" \
    "PEER_LIST_KEYS=$PEER_LIST_KEYS LIST_REPS=$LIST_REPS PEER_LIST_REPS=$PEER_LIST_REPS" \
    "NOTIFY_N=$NOTIFY_N NOTIFY_PAUSES=\"$NOTIFY_PAUSES\" NOTIFY_REPS=$NOTIFY_REPS"
  echo "moto: $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo '?')"
  echo "s3rver: $(node -p 'require(process.argv[1]).version' \
    "$BENCH_DIR/s3peer/node_modules/s3rver/package.json" 2>/dev/null || echo '?')"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "disk: $(df -h "$TMP" | tail -1)"
} >"$OUT/machine.txt"

# --- servers -------------------------------------------------------------------------------------
start_serval serval "$TMP/serval-data"
KEY[serval]=test
SERVERS=(serval)
for peer in $PEERS; do
  if [[ "$peer" == moto ]]; then
    start_moto moto
    KEY[moto]=test
    SERVERS+=(moto)
    continue
  fi
  port="$(free_port)"
  case "$peer" in
    s3rver)
      mkdir -p "$TMP/s3rver-data"
      # s3rver's continuation tokens use DES-ECB, which Node 20's OpenSSL 3 only has in its
      # legacy provider (without it ListObjectsV2 past the first page answers 500).
      node --openssl-legacy-provider "$BENCH_DIR/s3peer/node_modules/s3rver/bin/s3rver.js" \
        -d "$TMP/s3rver-data" \
        -a 127.0.0.1 -p "$port" --silent >"$TMP/s3rver.log" 2>&1 &
      KEY[s3rver]=S3RVER ;;
    *) log "unknown peer $peer"; exit 1 ;;
  esac
  PID[$peer]=$!
  PORT[$peer]="$port"
  wait_http "$port" "${PID[$peer]}" || { cat "$TMP/$peer.log" >&2; log "$peer did not start"; exit 1; }
  SERVERS+=("$peer")
done
log "servers: $(for s in "${SERVERS[@]}"; do printf '%s pid %s port %s; ' "$s" "${PID[$s]}" "${PORT[$s]}"; done)"

# The server process whose memory we read: moto_server and s3rver run as one process each.
hwm_reset() { echo 5 >"/proc/${PID[$1]}/clear_refs"; }
hwm_mb() { awk '/^VmHWM/ {printf "%.1f", $2 / 1024}' "/proc/${PID[$1]}/status"; }

drive() {  # server invoke_load-args...: prints its JSON line
  local server="$1"; shift
  "$LOAD" --port "${PORT[$server]}" --service s3 --access-key "${KEY[$server]}" \
    --secret-key "${KEY[$server]}" --header 'Content-Type: application/octet-stream' "$@"
}
record() {  # server kind rep extra-json invoke_load-args...: runs, records, logs one line
  local server="$1" kind="$2" rep="$3" extra="$4" json
  shift 4
  json="$(drive "$server" "$@")" || true
  jq -c --arg server "$server" --arg kind "$kind" --argjson rep "$rep" --argjson extra "$extra" \
    '. + {server:$server, kind:$kind, rep:$rep} + $extra' <<<"$json" >>"$OUT/results.jsonl"
  log "$(jq -r '"\(.server) \(.kind) rep \(.rep): " + (if .mode == "list-v2" then
      "\(.keys) keys in \(.pages) pages, \(.duration_s) s, error \(.error)" else
      "\(.throughput_per_s)/s \(.bytes_per_s / 1e6 | floor) MB/s p50 \(.latency_us.p50) p99 \(.latency_us.p99) us, errors \(.errors) \(.error_samples[0] // "")" end)' \
    <<<"$(tail -1 "$OUT/results.jsonl")")"
}

for server in "${SERVERS[@]}"; do
  for bucket in bench list; do  # (s3rver refuses names under 4 characters)
    drive "$server" --method PUT --path "/$bucket" -n 1 --warmup 0 >/dev/null ||
      { log "$server: CreateBucket $bucket failed"; exit 1; }
  done
  # The objects the GETs read.
  drive "$server" --method PUT --paths /bench/get-k:1000 --body-size 1024 -n 1000 -c 8 \
    --warmup 0 >/dev/null || { log "$server: populating get-k* failed"; exit 1; }
done

# --- small objects -------------------------------------------------------------------------------
part small && for rep in $(seq "$REPS"); do
  for server in "${SERVERS[@]}"; do
    for c in 1 8; do
      n="$N_C1"; [[ "$c" == 8 ]] && n="$N_C8"
      wait_for_quiet
      record "$server" put "$rep" "{\"c\":$c}" --method PUT --body-size 1024 -c "$c" -n "$n" \
        --warmup "$WARMUP" --paths "/bench/put-c$c-r$rep-k:$((n + WARMUP))"
      wait_for_quiet
      record "$server" get "$rep" "{\"c\":$c}" --method GET -c "$c" -n "$n" --warmup "$WARMUP" \
        --paths /bench/get-k:1000 --expect-bytes 1024
    done
  done
done

# --- big object ----------------------------------------------------------------------------------
if part big; then
  BIG="$TMP/big.bin"
  BIG_BYTES=$((BIG_MIB * 1024 * 1024))
  head -c "$BIG_BYTES" /dev/urandom >"$BIG"
  seconds() { local t0 t1; t0=$(date +%s%N); "$@" >/dev/null; t1=$(date +%s%N); awk "BEGIN {printf \"%.6f\", ($t1 - $t0) / 1e9}"; }
  cp_fsync() { cp "$BIG" "$TMP/copy.bin" && sync "$TMP/copy.bin"; }
  for rep in $(seq "$BIG_REPS"); do
    wait_for_quiet
    rm -f "$TMP/copy.bin"
    for what in cp_fsync md5sum sha256sum; do
      if [[ "$what" == cp_fsync ]]; then s="$(seconds cp_fsync)"; else s="$(seconds "$what" "$BIG")"; fi
      jq -nc --arg kind "baseline-$what" --argjson rep "$rep" --argjson s "$s" --argjson b "$BIG_BYTES" \
        '{server:"machine", kind:$kind, rep:$rep, duration_s:$s, bytes_per_s:($b / $s)}' \
        >>"$OUT/results.jsonl"
      log "machine $what rep $rep: $(jq -n "$BIG_BYTES / $s / 1e6 | floor") MB/s"
    done
  done
  rm -f "$TMP/copy.bin"
  for server in "${SERVERS[@]}"; do
    reps="$PEER_BIG_REPS"; [[ "$server" == serval ]] && reps="$BIG_REPS"
    for rep in $(seq "$reps"); do
      for method in PUT GET; do
        wait_for_quiet
        hwm_reset "$server"
        args=(--method "$method" --path /bench/big -n 1 -c 1 --warmup 0 --timeout-ms 1800000)
        if [[ "$method" == PUT ]]; then args+=(--body-file "$BIG"); else args+=(--expect-bytes "$BIG_BYTES"); fi
        record "$server" "big-${method,,}" "$rep" '{}' "${args[@]}"
        jq -c --arg server "$server" --arg kind "big-${method,,}-rss" --argjson rep "$rep" \
          --argjson mb "$(hwm_mb "$server")" '{server:$server, kind:$kind, rep:$rep, vmhwm_mb:$mb}' \
          -n >>"$OUT/results.jsonl"
        log "$server big-${method,,} rep $rep: VmHWM $(hwm_mb "$server") MB"
      done
    done
    # Free the peers' memory (moto keeps the object in memory).
    drive "$server" --method DELETE --path /bench/big -n 1 --warmup 0 --expect-status 204 >/dev/null || true
  done
  rm -f "$BIG"
fi

# --- listing -------------------------------------------------------------------------------------
# Every server gets PEER_LIST_KEYS keys in bucket `list` (the side-by-side walk); Serval also gets
# LIST_KEYS keys in bucket `listbig` when that is more (the peers take minutes per 10,000 keys
# to populate, and moto's walk is quadratic).
list_keys() {  # server bucket keys reps
  local server="$1" bucket="$2" keys="$3" reps="$4"
  wait_for_quiet
  record "$server" populate 1 "{\"c\":8,\"keys\":$keys,\"bucket\":\"$bucket\"}" --method PUT \
    --body-size 16 -c 8 -n "$keys" --warmup 0 --paths "/$bucket/key-:$keys"
  for rep in $(seq "$reps"); do
    wait_for_quiet
    record "$server" list "$rep" "{\"expected_keys\":$keys,\"bucket\":\"$bucket\"}" \
      --list-v2 "$bucket" --max-keys 1000 --timeout-ms 600000
  done
}
part list && for server in "${SERVERS[@]}"; do
  reps="$PEER_LIST_REPS"; [[ "$server" == serval ]] && reps="$LIST_REPS"
  list_keys "$server" list "$PEER_LIST_KEYS" "$reps"
  if [[ "$server" == serval ]] && (( LIST_KEYS > PEER_LIST_KEYS )); then
    drive serval --method PUT --path /listbig -n 1 --warmup 0 >/dev/null
    list_keys serval listbig "$LIST_KEYS" "$LIST_REPS"
  fi
  echo "$server VmRSS after listing: $(awk '/^VmRSS/ {print $2 / 1024 " MB"}' "/proc/${PID[$server]}/status")" \
    >>"$OUT/machine.txt"
done

# --- delay from a PUT's 200 to the notified function ------------------------------------------
if part notify; then
  endpoint="http://127.0.0.1:${PORT[serval]}"
  make_zip "$TMP/stamp.zip" "bootstrap=$BUILD/bench/stamp_function"
  python3 "$BENCH_DIR/s3_notify_delay.py" setup "$endpoint" "$TMP/stamp.zip"
  # The function's cold start out of the way.
  python3 "$BENCH_DIR/s3_notify_delay.py" put "$endpoint" 5 20 warm- "$TMP/notify-trace.txt"
  drain serval >/dev/null
  for rep in $(seq "$NOTIFY_REPS"); do
    for pause in $NOTIFY_PAUSES; do
      wait_for_quiet
      python3 "$BENCH_DIR/s3_notify_delay.py" put "$endpoint" "$NOTIFY_N" "$pause" \
        "r$rep-p$pause-" "$TMP/notify-trace.txt"
      drain_s="$(drain serval)"
      delays="$(python3 "$BENCH_DIR/stamp_delays.py" "$TMP/notify-trace.txt" "$TMP/serval-data/logs" 1)"
      jq -nc --argjson rep "$rep" --argjson pause "$pause" --argjson drain "$drain_s" \
        --argjson delays "$delays" \
        '{server:"serval", kind:"notify", rep:$rep, pause_ms:$pause, drain_s:$drain, delays:$delays}' \
        >>"$OUT/results.jsonl"
      log "serval notify rep $rep pause $pause ms: start after 200 $(jq -c .start_after_200_us <<<"$delays") us, missing $(jq .missing <<<"$delays")"
    done
  done
fi

echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
grep -h warning "$OUT/machine.txt" >&2 || true
python3 "$BENCH_DIR/s3_summarize.py" "$OUT/results.jsonl" | tee "$OUT/summary.md"
