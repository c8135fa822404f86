#!/usr/bin/env bash
# bench/ab.sh: two Serval builds side by side, interleaved, on warm invokes of the C++ echo
# function and on the edge alone (GET /_serval/health, unsigned).
#
#   bench/ab.sh BUILD_A BUILD_B            # e.g. ../wt-base/build build
#   REPS=8 CONCURRENCY="32" bench/ab.sh ...
#
# This machine's speed drifts by tens of percent within minutes, so two bench/run.sh runs minutes
# apart cannot tell a regression from the drift: here A and B alternate, each repetition on a
# fresh Serval and data dir, and the medians over the repetitions are compared. Each build dir
# needs serval and runtimes/cpp/echo_function; the load generator is B's bench/invoke_load.
# Knobs: REPS (4), CONCURRENCY ("1 32"), N_C1 (3000), N_C32 (20000), WARMUP (2000), OUT.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$BENCH_DIR/lib.sh"
A="$(cd "$1" && pwd)"
B="$(cd "$2" && pwd)"
REPS="${REPS:-4}"
CONCURRENCY="${CONCURRENCY:-1 32}"
OUT="${OUT:-$BENCH_DIR/out/ab-$(date -u +%Y%m%dT%H%M%SZ)}"
LOAD="$B/bench/invoke_load"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-ab.XXXXXX)"
declare -A PID=()
trap stop_servers_and_clean EXIT
RESULTS="$OUT/results.jsonl"
: >"$RESULTS"

mkdir -p "$TMP/zip"
cp "$B/runtimes/cpp/echo_function" "$TMP/zip/bootstrap"
(cd "$TMP/zip" && zip -q ../cpp.zip bootstrap)

measure() {  # label build
  local label="$1" build="$2" data="$TMP/data-$RANDOM" port c n
  : >"$TMP/serval.log"
  "$build/serval" up --host 127.0.0.1 --port 0 --data-dir "$data" --keep-alive-seconds 600 \
    >"$TMP/serval.log" 2>&1 &
  PID[serval]=$!
  port="$(ready_port "$TMP/serval.log" "${PID[serval]}")"
  aws --endpoint-url "http://127.0.0.1:$port" lambda create-function --function-name echo \
    --runtime provided.al2023 --handler bootstrap --role arn:aws:iam::000000000000:role/bench \
    --zip-file "fileb://$TMP/cpp.zip" >/dev/null
  for c in $CONCURRENCY; do
    n=$([[ "$c" == 1 ]] && echo "${N_C1:-3000}" || echo "${N_C32:-20000}")
    for target in invoke edge; do
      local what=(--function echo)
      [[ "$target" == edge ]] && what=(--path /_serval/health --method GET --no-sign)
      "$LOAD" --port "$port" "${what[@]}" -n "$n" -c "$c" --warmup "${WARMUP:-2000}" |
        python3 -c 'import json, sys
d = json.load(sys.stdin)
print(json.dumps({"build": sys.argv[1], "target": sys.argv[2], "concurrency": int(sys.argv[3]),
                  "throughput_per_s": d["throughput_per_s"], "p50_us": d["latency_us"]["p50"],
                  "p99_us": d["latency_us"]["p99"], "errors": d["errors"]}))' \
          "$label" "$target" "$c" | tee -a "$RESULTS" >&2
    done
  done
  kill "${PID[serval]}"
  wait "${PID[serval]}" 2>/dev/null || true
  unset 'PID[serval]'
  rm -rf "$data"
}

wait_for_quiet
for rep in $(seq "$REPS"); do
  log "repetition $rep of $REPS"
  measure A "$A"
  measure B "$B"
done

python3 - "$RESULTS" "$A" "$B" <<'EOF' | tee "$OUT/summary.md"
import collections, json, statistics, sys
rows = collections.defaultdict(list)
for line in open(sys.argv[1]):
    r = json.loads(line)
    rows[(r["target"], r["concurrency"], r["build"])].append(r)
print(f"A = {sys.argv[2]}\nB = {sys.argv[3]}\n")
print("| target | conc. | A throughput/s median (min-max) | B | B / A | A p50 us | B p50 us |")
print("|---|---:|---:|---:|---:|---:|---:|")
for target, c in sorted({(t, c) for t, c, _ in rows}):
    a, b = rows[(target, c, "A")], rows[(target, c, "B")]
    ta = [r["throughput_per_s"] for r in a]
    tb = [r["throughput_per_s"] for r in b]
    print(f"| {target} | {c} | {statistics.median(ta):,.0f} ({min(ta):,.0f}-{max(ta):,.0f}) | "
          f"{statistics.median(tb):,.0f} ({min(tb):,.0f}-{max(tb):,.0f}) | "
          f"{statistics.median(tb) / statistics.median(ta):.2f} | "
          f"{statistics.median(r['p50_us'] for r in a):,.0f} | "
          f"{statistics.median(r['p50_us'] for r in b):,.0f} |")
EOF
