#!/usr/bin/env bash
# bench/memory.sh: what an idle warm execution environment costs in memory, per runtime
# (issue 17, part 4).
#
#   bench/memory.sh                 # N=100 functions per runtime: ~3 minutes on 2 cores
#   N=20 bench/memory.sh            # smoke run
#
# Starts Serval (fresh data dir, keep-alive long enough for the run) and, for each runtime in
# turn (provided.al2023 with the C++ echo, python3.12 and nodejs20.x with the echo handlers of
# bench/functions), creates N distinct functions and invokes each once, so N environments sit
# idle and warm (plus the runtime's one spare). Then it reads, for every process under Serval,
# VmRSS from /proc/PID/status and Pss from /proc/PID/smaps_rollup (proportional set size: pages
# shared by k processes count 1/k each, so PSS is what one more environment really costs), and
# MemAvailable from /proc/meminfo before the runtime's functions were invoked and after. Reported
# per runtime: median RSS and PSS per environment, their sum over N, the drop in MemAvailable
# divided by N, and that cost times 1,000 (the issue's machine of 1,000 warm environments).
# Environments of the previous runtime are stopped (their functions deleted) before the next.
set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
N="${N:-100}"
OUT="${OUT:-$BENCH_DIR/out/memory-$(date -u +%Y%m%dT%H%M%SZ)}"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1
export AWS_PAGER="" AWS_EC2_METADATA_DISABLED=true
source "$BENCH_DIR/lib.sh"

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-memory.XXXXXX)"
declare -A PID PORT
trap 'stop_servers_and_clean' EXIT
cmake --build "$BUILD" -j2 --target serval echo_function >/dev/null
cp "$BUILD/serval" "$TMP/serval"
cp "$BUILD/serval-spare-bootstrap" "$TMP/serval-spare-bootstrap"
make_zip "$TMP/provided.zip" "bootstrap=$BUILD/runtimes/cpp/echo_function"
make_zip "$TMP/python.zip" "echo.py=$BENCH_DIR/functions/echo.py"
make_zip "$TMP/node.zip" "echo.mjs=$BENCH_DIR/functions/echo.mjs"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD)"
  echo "nproc: $(nproc), mem_total: $(awk '/MemTotal/ {print $2" kB"}' /proc/meminfo)"
  echo "node: $(node --version), python3: $(python3 --version 2>&1 | cut -d' ' -f2)"
  echo "params: N=$N"
} >"$OUT/machine.txt"

wait_for_quiet
start_serval serval "$TMP/data" --keep-alive-seconds 3600 --concurrency-limit $((N + 10))
ENDPOINT="http://127.0.0.1:${PORT[serval]}"

python3 - "$OUT" "$N" "$ENDPOINT" "${PID[serval]}" "$TMP" <<'PY'
import json, os, statistics, subprocess, sys, time
import boto3

out, n, endpoint, serval_pid, tmp = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1")

def descendants(root):
    parent = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open(f"/proc/{pid}/stat") as f:
                parent[int(pid)] = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            pass
    found, frontier = set(), {root}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - found
        found |= frontier
    return found

def kb(path, key):
    try:
        with open(path) as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None

def cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read()
    except OSError:
        return b""

def available():
    return kb("/proc/meminfo", "MemAvailable")

# (runtime, package, handler, what its environments' command lines contain)
runtimes = [("provided.al2023", "provided.zip", "unused", "bootstrap"),
            ("python3.12", "python.zip", "echo.lambda_handler", "bootstrap.py"),
            ("nodejs20.x", "node.zip", "echo.handler", "bootstrap.mjs")]
results = []
for runtime, package, handler, command in runtimes:
    code = open(os.path.join(tmp, package), "rb").read()
    names = [f"mem-{runtime.replace('.', '-')}-{i}" for i in range(n)]
    for name in names:
        lam.create_function(FunctionName=name, Runtime=runtime, Role="arn:aws:iam::000000000000:role/r",
                            Handler=handler, Code={"ZipFile": code}, MemorySize=128)
    time.sleep(2)
    before = available()
    for name in names:
        response = lam.invoke(FunctionName=name, Payload=b'{"hello":"world"}')
        assert "FunctionError" not in response, response["Payload"].read()
    time.sleep(3)  # the spare started after the last cold start settles
    after = available()
    pids = [p for p in descendants(serval_pid) if command.encode() in cmdline(p)]
    rss = [kb(f"/proc/{p}/status", "VmRSS") for p in pids]
    pss = [kb(f"/proc/{p}/smaps_rollup", "Pss") for p in pids]
    rss = [v for v in rss if v is not None]
    pss = [v for v in pss if v is not None]
    record = {"runtime": runtime, "environments": n, "processes": len(pids),
              "rss_kb_median": statistics.median(rss), "pss_kb_median": statistics.median(pss),
              "rss_kb_sum": sum(rss), "pss_kb_sum": sum(pss),
              "mem_available_drop_kb": before - after,
              "serval_rss_kb": kb(f"/proc/{serval_pid}/status", "VmRSS")}
    results.append(record)
    print(json.dumps(record), flush=True)
    for name in names:
        lam.delete_function(FunctionName=name)
    time.sleep(3)
with open(os.path.join(out, "results.jsonl"), "w") as f:
    for record in results:
        f.write(json.dumps(record) + "\n")
with open(os.path.join(out, "summary.md"), "w") as f:
    f.write("| runtime | environments | RSS per env, median | PSS per env, median | PSS sum | "
            "MemAvailable drop / env | x 1,000 (by PSS) |\n|---|---:|---:|---:|---:|---:|---:|\n")
    for r in results:
        f.write(f"| {r['runtime']} | {r['processes']} (N + 1 spare) | {r['rss_kb_median'] / 1024:.1f} MB | "
                f"{r['pss_kb_median'] / 1024:.1f} MB | {r['pss_kb_sum'] / 1024:.0f} MB | "
                f"{r['mem_available_drop_kb'] / r['environments'] / 1024:.1f} MB | "
                f"{r['pss_kb_median'] * 1000 / 1024 / 1024:.1f} GB |\n")
print(open(os.path.join(out, "summary.md")).read())
PY
log "raw results: $OUT"
