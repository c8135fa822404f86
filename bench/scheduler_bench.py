"""bench/scheduler.sh's driver: creates the instances, times the scheduler runs, writes
OUT/results.jsonl and OUT/summary.md. Arguments: ENDPOINT INSTANCES RUNS OUT."""

import base64
import datetime
import json
import re
import statistics
import sys
import time

import boto3
from botocore.config import Config

endpoint, instances, runs, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
BATCH = 1000
ALL_DAYS = "mon,tue,wed,thu,fri,sat,sun"
# Wednesday noon the first tag wants its instances running and the second stopped; at 20:00 the
# other way round.
DAY_TAG, NIGHT_TAG = "mon-fri;0800;mon-fri;1800;", "mon-fri;1800;mon-fri;0800;"
NOON, EVENING = "2026-12-02T12:00:00Z", "2026-12-02T20:00:00Z"


def log(message):
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def client(service):
    return boto3.session.Session().client(
        service, endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}, read_timeout=900))


ec2, lam = client("ec2"), client("lambda")


def post_tag():
    """A tag of the post's whose on and off times are hours away from now: no action."""
    now = datetime.datetime.now(datetime.timezone.utc)
    hhmm = [(now + datetime.timedelta(hours=h)).strftime("%H%M") for h in (6, 7)]
    return f"{ALL_DAYS};{hhmm[0]};{ALL_DAYS};{hhmm[1]};"


def create():
    started = time.monotonic()
    for first in range(0, instances, BATCH):
        count = min(BATCH, instances - first)
        night = first >= instances // 2
        ids = [i["InstanceId"] for i in ec2.run_instances(
            ImageId="ami-12345678", InstanceType="t3.micro", MinCount=count, MaxCount=count,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                {"Key": "InstanceSchedule", "Value": NIGHT_TAG if night else DAY_TAG},
                {"Key": "EntScheduler", "Value": post_tag()}]}])["Instances"]]
        if night:
            ec2.stop_instances(InstanceIds=ids)
    log(f"{instances} instances created in {time.monotonic() - started:.1f}s")


def invoke(function, payload):
    started = time.monotonic()
    response = lam.invoke(FunctionName=function, Payload=json.dumps(payload), LogType="Tail")
    wall = time.monotonic() - started
    body = response["Payload"].read()
    if "FunctionError" in response:
        raise SystemExit(f"{function} failed: {body[:2000]!r}")
    tail = base64.b64decode(response["LogResult"]).decode(errors="replace")
    reported = re.search(r"REPORT RequestId: \S+\tDuration: ([\d.]+) ms", tail)
    return wall, json.loads(body), float(reported.group(1)) if reported else None


def measure(case, function, payloads, warmup):
    """Runs the function once per payload after a warm-up with `warmup`; one record each."""
    invoke(function, warmup)
    records = []
    for n, payload in enumerate(payloads):
        wall, result, reported = invoke(function, payload)
        record = {"case": case, "run": n, "wall_s": round(wall, 3), "reported_ms": reported}
        if isinstance(result, dict):
            record.update({key: result[key] for key in
                           ("duration_ms", "resources", "start", "stop", "in_state", "errors")})
        records.append(record)
        log(json.dumps(record))
    return records


def main():
    create()
    results = []
    results += measure("better/steady", "instance_scheduler", [{"time": NOON}] * runs,
                       {"time": NOON})
    # After the warm-up (NOON, nothing to do) the runs alternate: every one flips every instance.
    results += measure("better/flip", "instance_scheduler",
                       [{"time": (EVENING, NOON)[n % 2]} for n in range(runs)], {"time": NOON})
    results += measure("post/steady", "enterprise_scheduler_function", [{}] * runs, {})
    with open(f"{out}/results.jsonl", "w") as f:
        for record in results:
            f.write(json.dumps(record) + "\n")
    lines = [f"INSTANCES={instances}, RUNS={runs} (after one warm-up run each)", "",
             "| case | wall s, median (min-max) | function ms, median | per run |",
             "|---|---|---|---|"]
    for case in ("better/steady", "better/flip", "post/steady"):
        rows = [r for r in results if r["case"] == case]
        walls = [r["wall_s"] for r in rows]
        own = [r.get("duration_ms") or r["reported_ms"] for r in rows]
        work = ("describe only" if case.endswith("steady") else
                f"{statistics.median(r['start'] + r['stop'] for r in rows):.0f} starts or stops")
        lines.append(f"| {case} | {statistics.median(walls):.2f} ({min(walls):.2f}-"
                     f"{max(walls):.2f}) | {statistics.median(own):.0f} | {work} |")
    with open(f"{out}/summary.md", "w") as f:
        f.write("\n".join(lines) + "\n")


main()
