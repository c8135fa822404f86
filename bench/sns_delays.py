#!/usr/bin/env python3
"""Delay from SNS Publish's 200 to each subscriber's function starting (bench/sns.sh).

  sns_delays.py TRACE LOG_DIR SUBSCRIBERS

TRACE is invoke_load's --trace file with --trace-element MessageId: per Publish, CLOCK_REALTIME
ns just before the request was written and once its 200 had been read, and the MessageId.
LOG_DIR is Serval's data dir's logs/: stamp_function (bench/functions/stamp.cc) prints
`SERVAL_STAMP <function> <MessageId> <CLOCK_REALTIME ns>` first thing in its handler, and each
such line is one event in a log stream file. Joins them on MessageId and prints one JSON object:

  start_after_200_us     function start minus the client's time at the 200, over every
                         (message, subscriber) pair: p50, p90, p99, max, min (negative = the
                         function started before the client had read the 200)
  last_after_200_us      the same for the last of each message's SUBSCRIBERS starts
  start_after_request_us function start minus the time the Publish request began to be written
  messages, starts, missing (expected starts not found), duplicates (starts beyond one per
  subscriber and message: redeliveries)
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
    trace_file, log_dir, subscribers = sys.argv[1], sys.argv[2], int(sys.argv[3])
    published = {}  # MessageId -> (start_ns, end_ns)
    for line in open(trace_file):
        start, end, status, _, message_id = line.split()
        if status == "200" and message_id != "-":
            published[message_id] = (int(start), int(end))
    starts = {}  # MessageId -> {function: [ns, ...]}
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
        if len(firsts) == subscribers:
            last_after_200.append((max(firsts) - end) / 1000)
    print(json.dumps({
        "messages": len(published), "subscribers": subscribers, "starts": found,
        "missing": len(published) * subscribers - found, "duplicates": duplicates,
        "start_after_200_us": percentiles(after_200),
        "last_after_200_us": percentiles(last_after_200),
        "start_after_request_us": percentiles(after_request)}))


if __name__ == "__main__":
    main()
