#!/usr/bin/env python3
"""Delay from a request's 200 to each function it triggers starting (bench/sns.sh: Publish to
subscribers; bench/s3.sh: PutObject to the notified function).

  stamp_delays.py TRACE LOG_DIR FUNCTIONS

TRACE has one line per request, as invoke_load's --trace writes them (bench/s3_notify_delay.py
writes the same): CLOCK_REALTIME ns just before the request was written and once its 200 had
been read, status, elapsed, and the id the triggered functions will see (an SNS MessageId, an S3
object key). LOG_DIR is Serval's data dir's logs/: stamp_function (bench/functions/stamp.cc)
prints `SERVAL_STAMP <function> <id> <CLOCK_REALTIME ns>` first thing in its handler, and each
such line is one event in a log stream file. Joins them on the id and prints one JSON object:

  start_after_200_us     function start minus the client's time at the 200, over every
                         (request, function) pair: p50, p90, p99, max, min (negative = the
                         function started before the client had read the 200)
  last_after_200_us      the same for the last of each request's FUNCTIONS starts
  start_after_request_us function start minus the time the request began to be written
  messages, starts, missing (expected starts not found), duplicates (starts beyond one per
  function and request: redeliveries)
"""
import json
import os
import sys


def percentiles(values):
    values = sorted(values)
    if not values:
        return None

    def rank(p):  # nearest rank, as invoke_load
        return values[min(len(values), max(1, int(p * len(values) + 0.999999))) - 1]

    return {"p50": rank(0.50), "p90": rank(0.90), "p99": rank(0.99), "max": values[-1],
            "min": values[0]}


def main():
    trace_file, log_dir, functions = sys.argv[1], sys.argv[2], int(sys.argv[3])
    published = {}  # id -> (start_ns, end_ns)
    for line in open(trace_file):
        start, end, status, _, request_id = line.split()
        if status == "200" and request_id != "-":
            published[request_id] = (int(start), int(end))
    starts = {}  # id -> {function: [ns, ...]}
    for root, _, files in os.walk(log_dir):
        for name in files:
            if not name.endswith(".log"):
                continue
            for line in open(os.path.join(root, name), errors="replace"):
                at = line.find("SERVAL_STAMP ")
                if at < 0:
                    continue
                parts = line[at:].split()
                if len(parts) != 4 or parts[2] not in published:
                    continue
                starts.setdefault(parts[2], {}).setdefault(parts[1], []).append(int(parts[3]))
    after_200, after_request, last_after_200 = [], [], []
    found = duplicates = 0
    for message_id, (start, end) in published.items():
        by_function = starts.get(message_id, {})
        firsts = []
        for stamps in by_function.values():
            duplicates += len(stamps) - 1
            firsts.append(min(stamps))
        found += len(firsts)
        after_200 += [(t - end) / 1000 for t in firsts]
        after_request += [(t - start) / 1000 for t in firsts]
        if len(firsts) == functions:
            last_after_200.append((max(firsts) - end) / 1000)
    print(json.dumps({
        "messages": len(published), "functions": functions, "starts": found,
        "missing": len(published) * functions - found, "duplicates": duplicates,
        "start_after_200_us": percentiles(after_200),
        "last_after_200_us": percentiles(last_after_200),
        "start_after_request_us": percentiles(after_request)}))


if __name__ == "__main__":
    main()
