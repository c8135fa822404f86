#!/usr/bin/env bash
# bench/scheduler.sh: one scheduler run over 10,000 instances (issue 16, part 6).
#
#   bench/scheduler.sh                   # ~5 minutes on 2 cores
#   INSTANCES=2000 RUNS=3 bench/scheduler.sh     # smoke run
#
# One Serval (`--instance-transition-ms 0`; `--simulated-clock`, which never moves here, so the
# blueprint's rules never fire) with blueprints/scheduler deployed and INSTANCES EC2 instance
# records (half running, half stopped) tagged for both schedulers. Each function is invoked
# directly (Invoke, RequestResponse), RUNS times per case, after one warm-up invoke:
#   better/steady   instance_scheduler at an instant when every instance is already as wanted
#                   (DescribeInstances and the decisions only)
#   better/flip     instance_scheduler at instants that alternately want every instance running
#                   and stopped: each run starts or stops all of them (100 ids per call)
#   post/steady     the post's function when no tag's on or off time is in its window (one
#                   "No action" line per instance)
# Reported: the median and range of the Invoke's wall time and of the function's own duration
# (the better scheduler's summary `duration_ms`; the REPORT line's Duration for the post's).
#
# Knobs: INSTANCES (10000), RUNS (5), BUILD_DIR (build), OUT.
# Raw results: OUT/results.jsonl, OUT/machine.txt, OUT/summary.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
INSTANCES="${INSTANCES:-10000}"
RUNS="${RUNS:-5}"
OUT="${OUT:-$BENCH_DIR/out/scheduler-$(date -u +%Y%m%dT%H%M%SZ)}"

source "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-schedbench.XXXXXX)"
declare -A PID PORT
trap stop_servers_and_clean EXIT

wait_for_quiet
log "building serval"
cmake --build "$BUILD" -j2 --target serval >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log" >&2; exit 1; }
cp "$BUILD/serval" "$TMP/"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "params: INSTANCES=$INSTANCES RUNS=$RUNS"
  echo "python: $(python3 -c 'import sys, boto3; print(sys.version.split()[0], "boto3", boto3.__version__)')"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

start_serval serval "$TMP/data" --python "$(command -v python3)" --instance-transition-ms 0 \
  --simulated-clock
ENDPOINT="http://127.0.0.1:${PORT[serval]}"
log "deploying blueprints/scheduler"
AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test "$TMP/serval" deploy "$REPO/blueprints/scheduler" \
  --endpoint-url "$ENDPOINT" >"$OUT/deploy.txt"

wait_for_quiet
python3 "$BENCH_DIR/scheduler_bench.py" "$ENDPOINT" "$INSTANCES" "$RUNS" "$OUT"
echo "loadavg_end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$OUT/machine.txt"
cat "$OUT/summary.md"
