"""bench/logs.sh's client side for CloudWatch Logs: ingest and search.

  logs_bench.py ingest ENDPOINT LINES STREAMS   PutLogEvents of LINES events spread over STREAMS
                                                streams of group /bench/logs (5,000 per call)
  logs_bench.py search ENDPOINT REPS            times FilterLogEvents over the whole group (every
                                                page, following nextToken) for each pattern below,
                                                REPS times; prints one JSON line per measurement

Messages look like a function's log: mostly INFO lines, 1% JSON lines with level ERROR, and one
line in 10,000 with the word "needle"."""

from __future__ import annotations

import json
import sys
import time

import boto3
from botocore.config import Config

GROUP = "/bench/logs"
PATTERNS = {
    "rare_term": "needle",                        # 100 of 1M: every line read, few returned
    "json_error": '{ $.level = "ERROR" }',        # 1%: JSON parsed where a line starts with {
    "first_page": "",                             # everything: the first page (10,000) only
}


def client(endpoint):
    return boto3.client("logs", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test",
                        config=Config(retries={"max_attempts": 1}, read_timeout=600))


def message(i):
    if i % 10000 == 5000:
        return f"2026-01-01T00:00:00Z {i:08d} INFO found the needle in request {i}"
    if i % 100 == 7:
        return json.dumps({"level": "ERROR", "request": i, "latency": i % 997, "msg": "boom"})
    return (f"2026-01-01T00:00:00.000Z {i:08d}-aaaa-bbbb INFO handled GET /items/{i % 1000} "
            f"in {i % 97} ms status=200")


def ingest(endpoint, lines, streams):
    logs = client(endpoint)
    logs.create_log_group(logGroupName=GROUP)
    base = int(time.time() * 1000) - 3600 * 1000
    per_stream = lines // streams
    for s in range(streams):
        stream = f"stream-{s:03d}"
        logs.create_log_stream(logGroupName=GROUP, logStreamName=stream)
        for start in range(0, per_stream, 5000):
            events = [{"timestamp": base + (start + k) // 10, "message": message(s * per_stream + start + k)}
                      for k in range(min(5000, per_stream - start))]
            logs.put_log_events(logGroupName=GROUP, logStreamName=stream, logEvents=events)


def search(endpoint, reps):
    logs = client(endpoint)
    for _ in range(reps):
        for name, pattern in PATTERNS.items():
            kwargs = {"logGroupName": GROUP}
            if pattern:
                kwargs["filterPattern"] = pattern
            t0 = time.perf_counter()
            events = pages = 0
            while True:
                page = logs.filter_log_events(**kwargs)
                pages += 1
                events += len(page["events"])
                if name == "first_page" or "nextToken" not in page:
                    break
                kwargs["nextToken"] = page["nextToken"]
            print(json.dumps({"pattern": name, "ms": (time.perf_counter() - t0) * 1000,
                              "events": events, "pages": pages}), flush=True)


if __name__ == "__main__":
    if sys.argv[1] == "ingest":
        ingest(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        search(sys.argv[2], int(sys.argv[3]))
