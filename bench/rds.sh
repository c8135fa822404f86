#!/usr/bin/env bash
# bench/rds.sh: DescribeDBInstances latency (issue 16, RDS), Serval side by side with moto_server.
#
#   bench/rds.sh                          # full run: ~3 minutes on 2 cores
#   INSTANCES=200 REQS=50 bench/rds.sh    # smoke run
#
# Both servers get the same INSTANCES (1000) DB instances (bench/rds_bench.py setup), then take
# turns, REPS (3) times, at REQS (200) sequential boto3 requests of each kind: one instance by
# identifier, the first page of 100, every page (100 per page) and every page of an engine
# filter. Serval keeps its default --instance-transition-ms 0. Reported: the medians over the
# repetitions of p50 and p99 (ms, as boto3 sees them: client time included) and moto/Serval.
# Raw results in bench/out/rds-<timestamp>/.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-3}"
INSTANCES="${INSTANCES:-1000}"
REQS="${REQS:-200}"
OUT="${OUT:-$BENCH_DIR/out/rds-$(date -u +%Y%m%dT%H%M%SZ)}"
source "$BENCH_DIR/lib.sh"

mkdir -p "$OUT"
TMP="$(mktemp -d)"
declare -A PID PORT
trap 'stop_servers_and_clean' EXIT

wait_for_quiet
log "building serval"
cmake --build "$BUILD" -j2 --target serval >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log"; exit 1; }
cp "$BUILD/serval" "$TMP/serval"
echo "git_head: $(git -C "$REPO" rev-parse --short HEAD) params: REPS=$REPS INSTANCES=$INSTANCES REQS=$REQS loadavg: $(cut -d' ' -f1-3 /proc/loadavg)" \
  | tee "$OUT/machine.txt" >&2

start_serval serval "$TMP/data"
start_moto moto
for target in serval moto; do
  log "$target: creating $INSTANCES instances"
  python3 "$BENCH_DIR/rds_bench.py" setup "http://127.0.0.1:${PORT[$target]}" "$INSTANCES"
done
for rep in $(seq "$REPS"); do
  for target in serval moto; do
    wait_for_quiet
    log "rep $rep: $target"
    python3 "$BENCH_DIR/rds_bench.py" describe "http://127.0.0.1:${PORT[$target]}" "$REQS" |
      sed "s/^{/{\"target\":\"$target\",\"rep\":$rep,/" >>"$OUT/results.jsonl"
  done
done

python3 - "$OUT" <<'PY' | tee "$OUT/summary.md"
import json, statistics, sys
rows = [json.loads(line) for line in open(f"{sys.argv[1]}/results.jsonl")]
print("| request | instances listed | Serval p50 | Serval p99 | moto p50 | moto p99 | moto/Serval p50 |")
print("|---|---:|---:|---:|---:|---:|---:|")
for kind in ("one", "page", "all", "engine"):
    def median(target, key):
        return statistics.median(r[key] for r in rows if r["target"] == target and r["kind"] == kind)
    listed = [r["instances"] for r in rows if r["target"] == "serval" and r["kind"] == kind][0]
    s50, s99, m50, m99 = (median("serval", "p50_ms"), median("serval", "p99_ms"),
                          median("moto", "p50_ms"), median("moto", "p99_ms"))
    print(f"| {kind} | {listed} | {s50:.2f} | {s99:.2f} | {m50:.2f} | {m99:.2f} | {m50 / s50:.1f}x |")
PY
