#!/usr/bin/env bash
# bench/iam.sh: what holding callers to IAM policies costs (issue 15, part 8).
#
#   bench/iam.sh                       # full run: ~6 minutes on 2 cores
#   REPS=1 N_INVOKE=3000 N_GET=1000 bench/iam.sh     # smoke run
#
# 1. policy_bench (Google Benchmark): the evaluator alone, a 10-statement role, allowed and denied
#    requests (bench/policy_bench.cc).
# 2. Two Servals side by side, `--iam off` and `--iam enforce`, each with the same IAM user whose
#    policy has 10 statements (the last ones allow the calls measured), and the same function
#    (the C++ echo) and bucket (1,000 objects of 1 KiB). Every request below is signed with the
#    user's key, so the enforcing Serval evaluates its policy on each one; the other does not.
#    The servers take turns within each of REPS repetitions, so machine noise hits both alike:
#      invoke  warm Invoke of the echo function at concurrency 32 (N_INVOKE requests)
#      get     S3 GetObject of a 1 KiB object at concurrency 8 (N_GET requests, keys cycled)
#    Reported: medians over the repetitions of requests/s and p50/p99 latency, and the ratio
#    enforce/off of throughput.
#
# Knobs: REPS (3), N_INVOKE (20000), N_GET (5000), WARMUP (1000), BUILD_DIR (build), OUT.
# Raw results: OUT/results.jsonl, OUT/policy_bench.json, OUT/machine.txt, OUT/summary.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-3}"
N_INVOKE="${N_INVOKE:-20000}"
N_GET="${N_GET:-5000}"
WARMUP="${WARMUP:-1000}"
OUT="${OUT:-$BENCH_DIR/out/iam-$(date -u +%Y%m%dT%H%M%SZ)}"

source "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-iambench.XXXXXX)"
declare -A PID PORT KEY SECRET
trap stop_servers_and_clean EXIT

wait_for_quiet
log "building serval, echo_function, invoke_load, policy_bench"
cmake --build "$BUILD" -j2 --target serval echo_function invoke_load policy_bench \
  >"$TMP/build.log" 2>&1 || { cat "$TMP/build.log" >&2; exit 1; }
cp "$BUILD/serval" "$TMP/"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "params: REPS=$REPS N_INVOKE=$N_INVOKE N_GET=$N_GET WARMUP=$WARMUP"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

wait_for_quiet
log "policy_bench (the evaluator alone)"
"$BUILD/bench/policy_bench" --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_format=json >"$OUT/policy_bench.json"

make_zip "$TMP/echo.zip" "bootstrap=$BUILD/runtimes/cpp/echo_function"
for mode in off enforce; do
  start_serval "$mode" "$TMP/data-$mode" --iam "$mode"
  read -r KEY[$mode] SECRET[$mode] < <(python3 "$BENCH_DIR/iam_setup.py" \
    "http://127.0.0.1:${PORT[$mode]}" "$TMP/echo.zip")
done

: >"$OUT/results.jsonl"
measure() {  # measure REP MODE WORKLOAD invoke_load-arguments...
  local rep="$1" mode="$2" workload="$3"
  shift 3
  wait_for_quiet
  "$BUILD/bench/invoke_load" --port "${PORT[$mode]}" --access-key "${KEY[$mode]}" \
    --secret-key "${SECRET[$mode]}" --warmup "$WARMUP" "$@" >"$TMP/run.json"
  python3 -c 'import json, sys
run = json.load(open(sys.argv[1]))
run.update(rep=int(sys.argv[2]), mode=sys.argv[3], workload=sys.argv[4])
print(json.dumps(run))' "$TMP/run.json" "$rep" "$mode" "$workload" >>"$OUT/results.jsonl"
  tail -1 "$OUT/results.jsonl" | cut -c1-200 >&2
}
for rep in $(seq "$REPS"); do
  for mode in off enforce; do
    measure "$rep" "$mode" invoke --function iam-bench-echo -n "$N_INVOKE" -c 32 \
      --body '{"hello":"world"}'
    measure "$rep" "$mode" get --paths "/iam-bench-bucket/k:1000" --method GET --service s3 \
      -n "$N_GET" -c 8 --expect-bytes 1024
  done
done
for mode in off enforce; do
  curl -s "http://127.0.0.1:${PORT[$mode]}/_serval/stats" >"$OUT/stats-$mode.json"
done

python3 - "$OUT" <<'PY' | tee "$OUT/summary.md"
import json, statistics, sys
out = sys.argv[1]
runs = [json.loads(line) for line in open(f"{out}/results.jsonl")]
bench = json.load(open(f"{out}/policy_bench.json"))
print("#### The evaluator alone (policy_bench, median of 5 repetitions)\n")
print("| case | ns per evaluation |\n|---|---|")
for b in bench["benchmarks"]:
    if b.get("aggregate_name") == "median":
        print(f"| {b['run_name']} | {b['real_time']:.0f} |")
print("\n#### Through Serval, signed with an IAM user's key (medians over repetitions)\n")
print("| workload | mode | requests/s | p50 us | p99 us | errors |\n|---|---|---|---|---|---|")
medians = {}
for workload in ("invoke", "get"):
    for mode in ("off", "enforce"):
        mine = [r for r in runs if r["workload"] == workload and r["mode"] == mode]
        rps = statistics.median(r["throughput_per_s"] for r in mine)
        medians[(workload, mode)] = rps
        p50 = statistics.median(r["latency_us"]["p50"] for r in mine)
        p99 = statistics.median(r["latency_us"]["p99"] for r in mine)
        errors = sum(r["errors"] for r in mine)
        print(f"| {workload} | {mode} | {rps:,.0f} | {p50:.0f} | {p99:.0f} | {errors} |")
print("\n| workload | enforce / off throughput |\n|---|---|")
for workload in ("invoke", "get"):
    print(f"| {workload} | {medians[(workload, 'enforce')] / medians[(workload, 'off')]:.3f} |")
PY
log "results in $OUT"
