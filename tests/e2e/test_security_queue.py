"""Issue 8 parts 6 and 7: the async queue is bounded. Queued payloads stay on disk (memory holds
a small index, so 10,000 queued 1 MB events do not cost 10 GB of RSS, before or after a restart),
a restart does not read the payloads back, the queue has per-function and total limits (429
TooManyRequestsException beyond them), and a deleted function's events are dropped at once and
recorded."""

import concurrent.futures
import http.client
import json
import os
import re
import subprocess
import threading
import time
import unittest
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from serval_harness import ACCESS_KEY, REGION, ROLE, SECRET_KEY, SERVAL_BIN, ServalProcess, \
    make_zip, unique_name
from test_async import AsyncBase, dropped_records

# Prints the request id of each invocation it gets; the payload is only parsed.
COUNTER = """def lambda_handler(event, context):
    print("GOT " + context.aws_request_id)
    return len(event.get("pad", ""))
"""

MB = 1 << 20


def delivered_ids(data_dir, name):
    """Request ids of the invocations the COUNTER function logged."""
    out = subprocess.run([SERVAL_BIN, "logs", name, "--data-dir", data_dir],
                         capture_output=True, text=True, timeout=60).stdout
    return {line.split(" GOT ", 1)[1].strip() for line in out.splitlines() if " GOT " in line}


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        kb = int(re.search(r"^VmRSS:\s+(\d+) kB", f.read(), re.M).group(1))
    return kb / 1024


def bytes_read(pid):
    """Bytes the process has read with read()/pread() so far (page cache hits included)."""
    with open(f"/proc/{pid}/io") as f:
        return int(re.search(r"^rchar: (\d+)", f.read(), re.M).group(1))


def stats(serval):
    with urllib.request.urlopen(f"{serval.endpoint}/_serval/stats", timeout=10) as r:
        return json.loads(r.read())


def ready_millis(serval):
    """The startup time the last `serval up` printed."""
    return float(re.findall(r"Serval ready on \S+ in ([\d.]+) ms", serval.log_text())[-1])


class EventSender:
    """Sends one payload as Event invocations of `name` over keep-alive connections, many at once.
    Each connection signs its request once and sends it again and again (a signature stays valid
    for minutes): the client then costs little next to Serval, which verifies every one."""

    def __init__(self, serval, name, payload):
        self.host, self.port = "127.0.0.1", serval.port
        self.path = f"/2015-03-31/functions/{name}/invocations"
        self.payload = payload

    def _signed_headers(self):
        request = botocore.awsrequest.AWSRequest(
            method="POST", url=f"http://{self.host}:{self.port}{self.path}", data=self.payload,
            headers={"X-Amz-Invocation-Type": "Event"})
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                                "lambda", REGION).add_auth(request)
        return dict(request.headers.items())

    def send(self, count, connections=6):
        """Sends `count` events; returns the request ids of those answered 202 and a list of
        (status, body) of the others."""
        ids, others, lock = [], [], threading.Lock()
        shares = [count // connections + (i < count % connections) for i in range(connections)]

        def worker(share):
            connection = http.client.HTTPConnection(self.host, self.port, timeout=60)
            headers = self._signed_headers()
            for _ in range(share):
                connection.request("POST", self.path, body=self.payload, headers=headers)
                response = connection.getresponse()
                body = response.read()
                with lock:
                    if response.status == 202:
                        ids.append(response.getheader("x-amzn-RequestId"))
                    else:
                        others.append((response.status, body))
            connection.close()

        with concurrent.futures.ThreadPoolExecutor(max_workers=connections) as pool:
            list(pool.map(worker, shares))
        return ids, others


class QueueBase(AsyncBase):
    EXTRA_ARGS = ()

    def counter(self):
        name = unique_name("count")
        self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="count.lambda_handler",
            Code={"ZipFile": make_zip({"count.py": COUNTER})})
        return name


class QueuedPayloadsStayOnDiskTest(QueueBase):
    EVENTS = 10_000

    def test_ten_thousand_queued_megabyte_events(self):
        name = self.counter()
        # Reserved concurrency 0: every event waits in the queue.
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        payload = json.dumps({"pad": "x" * (MB - 20)}).encode()
        self.assertLessEqual(len(payload), MB)
        sender = EventSender(self.serval, name, payload)
        warm_ids, _ = sender.send(30)  # the allocator and the connections have warmed up
        pid = self.serval.proc.pid
        rss_before = rss_mb(pid)

        started = time.monotonic()
        ids, refused = sender.send(self.EVENTS - len(warm_ids))
        send_seconds = time.monotonic() - started
        self.assertEqual(refused, [])
        ids += warm_ids
        self.assertEqual(len(set(ids)), self.EVENTS)
        self.assertEqual(stats(self.serval)["async_events_queued"], self.EVENTS)
        rss_after = rss_mb(pid)
        print(f"\n  {self.EVENTS} x 1 MB queued in {send_seconds:.1f} s; "
              f"RSS {rss_before:.0f} MB -> {rss_after:.0f} MB")
        self.assertLess(rss_after - rss_before, 100, "queued payloads are held in memory")

        # A restart recovers them without reading the payloads back.
        self.serval.stop(timeout=30)
        restarted = ServalProcess(data_dir=self.serval.data_dir)
        self.addCleanup(restarted.cleanup)
        self.addCleanup(restarted.kill)
        restarted.start()
        startup_ms = ready_millis(restarted)
        read_mb = bytes_read(restarted.proc.pid) / MB
        rss_restarted = rss_mb(restarted.proc.pid)
        print(f"  restart: ready in {startup_ms:.0f} ms, read {read_mb:.0f} MB, "
              f"RSS {rss_restarted:.0f} MB")
        self.assertEqual(stats(restarted)["async_events_queued"], self.EVENTS)
        self.assertLess(startup_ms, 1000)
        self.assertLess(read_mb, 500, "recovery read the queued payloads")
        self.assertLess(rss_restarted, rss_before + 100)

        # Once the function may run again the events are delivered...
        lam = restarted.client()
        lam.delete_function_concurrency(FunctionName=name)
        delivered = self.wait_for(
            lambda: len(ids_ := delivered_ids(restarted.data_dir, name)) >= 50 and ids_,
            "deliveries", timeout=60)
        self.assertLessEqual(delivered, set(ids))
        # ...and when it is deleted, the rest are dropped at once, each recorded.
        lam.delete_function(FunctionName=name)
        self.assertEqual(stats(restarted)["async_events_queued"], 0)
        dropped = {d["requestId"] for d in dropped_records(restarted.data_dir, name)
                   if d["reason"] == "FunctionDeleted"}
        delivered = delivered_ids(restarted.data_dir, name)
        print(f"  {len(delivered)} delivered, {len(dropped)} dropped on DeleteFunction")
        self.assertEqual(dropped | delivered, set(ids))
        self.assertGreater(len(dropped), self.EVENTS // 2)
        self.assertLess(rss_mb(restarted.proc.pid), rss_before + 100)
        restarted.stop(timeout=30)


class QueueLimitsTest(QueueBase):
    EXTRA_ARGS = ("--async-queue-function-limit", "3", "--async-queue-limit", "5")

    def assert_throttled(self, name, reason):
        with self.assertRaises(self.lam.exceptions.TooManyRequestsException) as ctx:
            self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        response = ctx.exception.response
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], 429)
        self.assertEqual(response["Reason"], reason)
        self.assertEqual(response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"],
                         "TooManyRequestsException")

    def test_events_over_a_limit_get_429(self):
        first, second = self.counter(), self.counter()
        for name in (first, second):
            self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        for _ in range(3):
            self.send(first, {})
        self.assert_throttled(first, "FunctionInvocationRateLimitExceeded")
        for _ in range(2):
            self.send(second, {})
        self.assert_throttled(second, "ConcurrentInvocationLimitExceeded")
        # Synchronous invokes are not queued, so not limited by the queue.
        self.lam.delete_function_concurrency(FunctionName=second)
        self.assertEqual(self.lam.invoke(FunctionName=second, Payload=b"{}")["StatusCode"], 200)
        # Room again once events leave the queue.
        self.wait_for(lambda: stats(self.serval)["async_events_queued"] == 3, "deliveries")
        self.send(second, {})


class DeleteFunctionDropsQueuedEventsTest(QueueBase):

    def test_queued_events_are_dropped_and_recorded_at_once(self):
        name, other = self.counter(), self.counter()
        for function in (name, other):
            self.lam.put_function_concurrency(FunctionName=function,
                                              ReservedConcurrentExecutions=0)
        ids = [self.lam.invoke(FunctionName=name, InvocationType="Event",
                               Payload=json.dumps({"n": i}))["ResponseMetadata"]["RequestId"]
               for i in range(5)]
        self.lam.invoke(FunctionName=other, InvocationType="Event", Payload=b"{}")
        self.assertEqual(stats(self.serval)["async_events_queued"], 6)
        self.lam.delete_function(FunctionName=name)
        self.assertEqual(stats(self.serval)["async_events_queued"], 1)  # the other's stays
        dropped = dropped_records(self.serval.data_dir, name)
        self.assertEqual(sorted(d["requestId"] for d in dropped), sorted(ids))
        self.assertEqual({d["reason"] for d in dropped}, {"FunctionDeleted"})
        # They stay dropped across a restart (the removes reached the disk).
        self.serval.stop()
        restarted = ServalProcess(data_dir=self.serval.data_dir)
        self.addCleanup(restarted.cleanup)
        self.addCleanup(restarted.kill)
        restarted.start()
        self.assertEqual(stats(restarted)["async_events_queued"], 1)
        restarted.stop()


class DamagedPayloadTest(QueueBase):

    def test_a_payload_damaged_on_disk_is_found_when_read_and_recorded(self):
        name = self.counter()
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        marker = b"damaged-" + os.urandom(8).hex().encode()
        damaged_id = self.send(name, {"pad": marker.decode()})["ResponseMetadata"]["RequestId"]
        # 17 MB more: the first segment (16 MB) is sealed, so a restart skips its payloads.
        ids, _ = EventSender(self.serval, name,
                             json.dumps({"pad": "y" * (MB - 20)}).encode()).send(17)
        self.serval.stop()
        first_segment = os.path.join(self.serval.data_dir, "async-queue",
                                     "00000000000000000001.seg")
        with open(first_segment, "r+b") as f:
            offset = f.read().index(marker)
            f.seek(offset)
            f.write(b"D")
        restarted = ServalProcess(data_dir=self.serval.data_dir)
        self.addCleanup(restarted.cleanup)
        self.addCleanup(restarted.kill)
        restarted.start()
        self.assertEqual(stats(restarted)["async_events_queued"], 18)  # not noticed yet
        restarted.client().delete_function_concurrency(FunctionName=name)
        self.wait_for(lambda: delivered_ids(restarted.data_dir, name) == set(ids),
                      "the intact events")
        self.wait_for(lambda: stats(restarted)["async_events_queued"] == 0, "an empty queue")
        dropped = dropped_records(restarted.data_dir, name)
        self.assertEqual([(d["requestId"], d["reason"]) for d in dropped],
                         [(damaged_id, "PayloadUnreadable")])
        self.assertIn("checksum", dropped[0]["error"])
        restarted.stop()


if __name__ == "__main__":
    unittest.main()
