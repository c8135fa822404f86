#!/usr/bin/env bash
# bench/ec2.sh: DescribeInstances with a tag filter over 10,000 instances, Serval side by side
# with moto_server's EC2 (issue 16, part 6).
#
#   bench/ec2.sh                                   # full run: ~5 minutes on 2 cores
#   REPS=1 N=200 PEER_N=10 INSTANCES=2000 bench/ec2.sh    # smoke run
#
# In one run, on one machine, against two servers started here: Serval (`serval up`, fresh data
# dir: every launch is on disk before its 200) and moto_server (python, in memory). Each gets
# INSTANCES instance records through boto3 (bench/ec2_setup.py: RunInstances of 100 at a time,
# one batch in TAGGED_EVERY launched with the tag EntScheduler=mon-fri;0800;mon-fri;1800;, the
# others with a Name tag only). Then bench/invoke_load sends the same SigV4-signed (service ec2)
# form POSTs to both, the servers taking turns within each of REPS repetitions, each measurement
# waiting for builds and test runs first (bench/lib.sh):
#   tag-key    Action=DescribeInstances&Filter.1.Name=tag-key&Filter.1.Value.1=EntScheduler
#              (what the scheduler post's function asks): every tagged instance, in one answer
#   tag-value  Filter.1.Name=tag:EntScheduler&Filter.1.Value.1=*;1800;* plus
#              instance-state-name=running: a wildcard on the tag's value, two filters
# at concurrency 1: N requests for Serval, PEER_N for moto (WARMUP / PEER_WARMUP first, not
# counted). Every answer must be a 200 (invoke_load counts anything else as an error); the size of
# the first answer of each server is recorded as a check that both list the same instances.
# Reported: medians over the repetitions of requests/s, p50 and p99 latency, and the ratio of
# medians moto/Serval of p50 (the issue's direction: at least 20x).
#
# Knobs: REPS (3), N (500), PEER_N (20), WARMUP (50), PEER_WARMUP (2), INSTANCES (10000),
# TAGGED_EVERY (10), PEERS ("moto"; "" for none), BUILD_DIR (build-release if it exists, else
# build), OUT. Raw results: OUT/results.jsonl, OUT/machine.txt, OUT/summary.md.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
if [[ -z "${BUILD_DIR:-}" && -d "$REPO/build-release" ]]; then BUILD_DIR="$REPO/build-release"; fi
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-3}"
N="${N:-500}"
PEER_N="${PEER_N:-20}"
WARMUP="${WARMUP:-50}"
PEER_WARMUP="${PEER_WARMUP:-2}"
INSTANCES="${INSTANCES:-10000}"
TAGGED_EVERY="${TAGGED_EVERY:-10}"
PEERS="${PEERS-moto}"
OUT="${OUT:-$BENCH_DIR/out/ec2-$(date -u +%Y%m%dT%H%M%SZ)}"

source "$BENCH_DIR/lib.sh"
mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-ec2bench.XXXXXX)"
declare -A PID PORT
trap stop_servers_and_clean EXIT

wait_for_quiet
log "building serval and invoke_load in $BUILD"
cmake --build "$BUILD" -j2 --target serval invoke_load >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log" >&2; exit 1; }
cp "$BUILD/serval" "$BUILD/bench/invoke_load" "$TMP/"
LOAD="$TMP/invoke_load"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)"
  echo "build: $BUILD ($(grep -m1 CMAKE_BUILD_TYPE "$BUILD/CMakeCache.txt" || true))"
  echo "moto: $(python3 -c 'import moto; print(moto.__version__)' 2>/dev/null || echo none)"
  echo "params: REPS=$REPS N=$N PEER_N=$PEER_N INSTANCES=$INSTANCES TAGGED_EVERY=$TAGGED_EVERY"
  echo "loadavg_start: $(cut -d' ' -f1-3 /proc/loadavg)"
} >"$OUT/machine.txt"

SERVERS="serval"
start_serval serval "$TMP/data"
for peer in $PEERS; do
  start_moto "$peer"
  SERVERS="$SERVERS $peer"
done
for server in $SERVERS; do
  log "launching $INSTANCES instances on $server"
  python3 "$BENCH_DIR/ec2_setup.py" "http://127.0.0.1:${PORT[$server]}" \
    --instances "$INSTANCES" --tagged-every "$TAGGED_EVERY" | tee -a "$OUT/setup-$server.json" >&2
done

declare -A BODY
BODY[tag-key]='Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag-key&Filter.1.Value.1=EntScheduler'
BODY[tag-value]='Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3AEntScheduler&Filter.1.Value.1=%2A%3B1800%3B%2A&Filter.2.Name=instance-state-name&Filter.2.Value.1=running'

# The size of each server's answer, once: both must list the same instances.
for server in $SERVERS; do
  for workload in tag-key tag-value; do
    bytes="$(curl -s -o "$TMP/answer.xml" -w '%{size_download}' \
      --aws-sigv4 "aws:amz:us-east-1:ec2" --user test:test \
      -H 'Content-Type: application/x-www-form-urlencoded' --data "${BODY[$workload]}" \
      "http://127.0.0.1:${PORT[$server]}/")"
    items="$(grep -o '<instanceId>' "$TMP/answer.xml" | wc -l)"
    echo "{\"server\": \"$server\", \"workload\": \"$workload\", \"bytes\": $bytes, \"instances\": $items}" \
      >>"$OUT/answers.jsonl"
  done
done
cat "$OUT/answers.jsonl" >&2

: >"$OUT/results.jsonl"
for rep in $(seq "$REPS"); do
  for server in $SERVERS; do
    for workload in tag-key tag-value; do
      if [[ "$server" == serval ]]; then n="$N" warmup="$WARMUP"; else n="$PEER_N" warmup="$PEER_WARMUP"; fi
      wait_for_quiet
      "$LOAD" --port "${PORT[$server]}" --service ec2 --path / -n "$n" -c 1 --warmup "$warmup" \
        --header 'Content-Type: application/x-www-form-urlencoded' --body "${BODY[$workload]}" \
        --timeout-ms 120000 >"$TMP/run.json" || true
      python3 -c 'import json, sys
run = json.load(open(sys.argv[1]))
run.update(rep=int(sys.argv[2]), server=sys.argv[3], workload=sys.argv[4])
print(json.dumps(run))' "$TMP/run.json" "$rep" "$server" "$workload" >>"$OUT/results.jsonl"
      tail -1 "$OUT/results.jsonl" | cut -c1-220 >&2
    done
  done
done
curl -s "http://127.0.0.1:${PORT[serval]}/_serval/stats" >"$OUT/stats-serval.json"
grep -m1 VmHWM "/proc/${PID[serval]}/status" >>"$OUT/machine.txt" || true

python3 - "$OUT" <<'PY' | tee "$OUT/summary.md"
import json, statistics, sys
out = sys.argv[1]
runs = [json.loads(line) for line in open(f"{out}/results.jsonl")]
answers = [json.loads(line) for line in open(f"{out}/answers.jsonl")]
print("#### Answers (one request each)\n")
print("| server | workload | instances listed | bytes |\n|---|---|---|---|")
for a in answers:
    print(f"| {a['server']} | {a['workload']} | {a['instances']} | {a['bytes']:,} |")
print("\n#### DescribeInstances over the instances, concurrency 1 (medians over repetitions)\n")
print("| workload | server | requests/s | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|")
p50 = {}
for workload in ("tag-key", "tag-value"):
    for server in dict.fromkeys(r["server"] for r in runs):
        mine = [r for r in runs if r["workload"] == workload and r["server"] == server]
        rps = statistics.median(r["throughput_per_s"] for r in mine)
        p50[(workload, server)] = statistics.median(r["latency_us"]["p50"] for r in mine)
        p99 = statistics.median(r["latency_us"]["p99"] for r in mine)
        errors = sum(r["errors"] for r in mine)
        print(f"| {workload} | {server} | {rps:,.1f} | {p50[(workload, server)] / 1000:.2f} "
              f"| {p99 / 1000:.2f} | {errors} |")
peers = [s for s in dict.fromkeys(r["server"] for r in runs) if s != "serval"]
if peers:
    print("\n| workload | peer | peer p50 / Serval p50 (direction: >= 20) |\n|---|---|---|")
    for workload in ("tag-key", "tag-value"):
        for peer in peers:
            print(f"| {workload} | {peer} | {p50[(workload, peer)] / p50[(workload, 'serval')]:.1f} |")
PY
log "results in $OUT"
