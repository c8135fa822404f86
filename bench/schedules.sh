#!/usr/bin/env bash
# bench/schedules.sh: the schedules benchmark (issue 4), in one command.
#
#   bench/schedules.sh                   # ~2-3 minutes
#   RULES=20000 FIRING=2000 bench/schedules.sh
#
# Loads RULES schedule rules (default 100,000) into a fresh Serval, FIRING (default 10,000) of
# them cron rules due in the same minute with a Lambda target each, the rest daily. Reports the
# resident memory with all rules loaded, Serval's CPU use while idle (10 s, before the fire), and
# the firing delay (scheduled minute -> targets handed the event) p50/p99/max for the FIRING rules
# that fire together. The target function has reserved concurrency 0, so fired events are queued
# durably but not run: the numbers are the scheduler's and the queue's, not the function's.
# Loading uses --no-auth (signatures are measured in bench/semantics.sh).

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
RULES="${RULES:-100000}"
FIRING="${FIRING:-10000}"
OUT="${OUT:-$BENCH_DIR/out/schedules-$(date -u +%Y%m%dT%H%M%SZ)}"
source "$BENCH_DIR/lib.sh"

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-bench.XXXXXX)"
SERVAL_PID=""
trap '[[ -n "$SERVAL_PID" ]] && kill "$SERVAL_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

wait_for_quiet
log "building serval and echo_function"
cmake --build "$BUILD" -j2 --target serval echo_function >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log" >&2; exit 1; }
cp "$BUILD/serval" "$TMP/serval"
"$TMP/serval" up --port 0 --data-dir "$TMP/data" --no-auth >"$OUT/serval.log" 2>&1 &
SERVAL_PID=$!
PORT="$(ready_port "$OUT/serval.log" "$SERVAL_PID")"
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD)"
  echo "nproc: $(nproc), kernel: $(uname -sr)"
  echo "params: RULES=$RULES FIRING=$FIRING"
} >"$OUT/machine.txt"

python3 - "$PORT" "$RULES" "$FIRING" "$BUILD/runtimes/cpp/echo_function" "$SERVAL_PID" "$OUT" <<'PY'
import base64, concurrent.futures, http.client, io, json, os, sys, time, zipfile

port, rules, firing, echo_binary, pid, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), \
    sys.argv[4], int(sys.argv[5]), sys.argv[6]

def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)

class Client:
    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=60)
    def events(self, operation, body):
        self.conn.request("POST", "/", json.dumps(body), {
            "X-Amz-Target": f"AWSEvents.{operation}",
            "Content-Type": "application/x-amz-json-1.1"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{operation}: {response.status} {data[:200]!r}")
        return json.loads(data)
    def lambda_(self, method, path, body):
        self.conn.request(method, path, json.dumps(body))
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 300:
            raise RuntimeError(f"{path}: {response.status} {data[:200]!r}")

zip_bytes = io.BytesIO()
with zipfile.ZipFile(zip_bytes, "w") as archive:
    info = zipfile.ZipInfo("bootstrap")
    info.external_attr = 0o100755 << 16
    archive.writestr(info, open(echo_binary, "rb").read())
client = Client()
client.lambda_("POST", "/2015-03-31/functions", {
    "FunctionName": "sink", "Runtime": "provided.al2023", "Handler": "bootstrap",
    "Role": "arn:aws:iam::000000000000:role/bench",
    "Code": {"ZipFile": base64.b64encode(zip_bytes.getvalue()).decode()}})
client.lambda_("PUT", "/2017-10-31/functions/sink/concurrency", {"ReservedConcurrentExecutions": 0})
sink = "arn:aws:lambda:us-east-1:000000000000:function:sink"

def load(worker, count, make):
    c = Client()
    for i in range(worker, count, 4):
        make(c, i)

start = time.time()
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    list(pool.map(lambda w: load(w, rules - firing, lambda c, i: c.events(
        "PutRule", {"Name": f"daily-{i}", "ScheduleExpression": "rate(1 day)"})), range(4)))
# The firing rules all fire at one minute at least 45 s after they are loaded.
fire_at = (int(time.time()) // 60 + 2) * 60
if fire_at - time.time() < 45 + firing / 2000:
    fire_at += 60
minute, hour = time.gmtime(fire_at).tm_min, time.gmtime(fire_at).tm_hour
def make_firing(c, i):
    c.events("PutRule", {"Name": f"fire-{i}", "ScheduleExpression": f"cron({minute} {hour} * * ? *)"})
    c.events("PutTargets", {"Rule": f"fire-{i}", "Targets": [{"Id": "sink", "Arn": sink}]})
with concurrent.futures.ThreadPoolExecutor(4) as pool:
    list(pool.map(lambda w: load(w, firing, make_firing), range(4)))
load_s = time.time() - start
log(f"loaded {rules} rules in {load_s:.1f} s; {firing} fire at {time.strftime('%H:%M:%S', time.gmtime(fire_at))}Z")

def stats():
    c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=30)
    c.request("GET", "/_serval/stats")
    return json.loads(c.getresponse().read())

def cpu_ticks():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime

time.sleep(2)
loaded = stats()
idle_seconds = min(10, fire_at - time.time() - 3)
ticks_before, t0 = cpu_ticks(), time.time()
time.sleep(idle_seconds)
idle_cpu = (cpu_ticks() - ticks_before) / os.sysconf("SC_CLK_TCK") / (time.time() - t0)
time.sleep(max(0, fire_at - time.time()) + 5)
fired = stats()
result = {"rules": rules, "firing": firing, "load_s": round(load_s, 1),
          "rss_mb_loaded": round(loaded["rss_kb"] / 1024, 1),
          "idle_cpu_percent": round(idle_cpu * 100, 2), "idle_seconds": round(idle_seconds, 1),
          "fires": fired["scheduler"]["fires"], "delay_ms": fired["scheduler"]["delay_ms"],
          "async_events_queued": fired["async_events_queued"]}
json.dump(result, open(os.path.join(out, "result.json"), "w"), indent=1)
print(json.dumps(result, indent=1))
PY
