"""Issue 3 item 2: account concurrency limit and reserved concurrency, under bursts."""

import concurrent.futures
import http.server
import json
import threading
import unittest

from serval_harness import ROLE, ServalProcess, ServalTestCase, python_zip, unique_name


def max_overlap(intervals):
    """The most intervals (start, end) open at one instant."""
    events = sorted([(s, 1) for s, _ in intervals] + [(e, -1) for _, e in intervals],
                    key=lambda ev: (ev[0], ev[1]))
    open_now = peak = 0
    for _, delta in events:
        open_now += delta
        peak = max(peak, open_now)
    return peak


class Burst:
    """Fires `count` invokes of `name` at once, each from its own connection."""

    def __init__(self, serval, name, count, seconds):
        self.results = []
        body = json.dumps({"seconds": seconds}).encode()
        path = f"/2015-03-31/functions/{name}/invocations"
        with concurrent.futures.ThreadPoolExecutor(max_workers=count) as pool:
            futures = [pool.submit(serval.raw, "POST", path, body) for _ in range(count)]
            self.results = [f.result() for f in futures]

    def ok(self):
        return [json.loads(body) for status, headers, body in self.results
                if status == 200 and "x-amz-function-error" not in headers]

    def throttled(self):
        return [(headers, json.loads(body)) for status, headers, body in self.results
                if status == 429]


class ReservedConcurrencyTest(ServalTestCase):

    def test_reserved_concurrency_caps_a_burst_of_200(self):
        name = self.create_function(zip_bytes=python_zip("sleeper"), handler="sleeper.lambda_handler",
                                    Timeout=30)["FunctionName"]
        put = self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
        self.assertEqual(put["ReservedConcurrentExecutions"], 5)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=name)
                         ["ReservedConcurrentExecutions"], 5)
        self.assertEqual(self.lam.get_function(FunctionName=name)["Concurrency"],
                         {"ReservedConcurrentExecutions": 5})
        burst = Burst(self.serval, name, 200, seconds=1.0)
        ok, throttled = burst.ok(), burst.throttled()
        self.assertEqual(len(ok) + len(throttled), 200, [r[0] for r in burst.results])
        self.assertGreaterEqual(len(ok), 5)
        self.assertLessEqual(max_overlap([(r["started"], r["finished"]) for r in ok]), 5)
        headers, body = throttled[0]
        self.assertEqual(headers["x-amzn-errortype"], "TooManyRequestsException")
        self.assertEqual(body["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded")
        self.assertIn("retry-after", headers)

    def test_zero_disables_and_delete_restores(self):
        name = self.create_function()["FunctionName"]
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        with self.assertRaises(self.lam.exceptions.TooManyRequestsException) as ctx:
            self.lam.invoke(FunctionName=name, Payload=b"{}")
        self.assertEqual(ctx.exception.response["Reason"],
                         "ReservedFunctionConcurrentInvocationLimitExceeded")
        self.lam.delete_function_concurrency(FunctionName=name)
        self.assertNotIn("ReservedConcurrentExecutions",
                         self.lam.get_function_concurrency(FunctionName=name))
        self.assertEqual(self.invoke_json(name, {"k": 1}), {"k": 1})

    def test_reservations_must_leave_100_unreserved(self):
        name = self.create_function()["FunctionName"]
        with self.assertRaises(Exception) as ctx:
            self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=901)
        self.assert_aws_error(ctx, "InvalidParameterValueException", 400)
        with self.assertRaises(Exception) as ctx:
            self.lam_novalidate.put_function_concurrency(FunctionName=name,
                                                         ReservedConcurrentExecutions=-1)
        self.assert_aws_error(ctx, ("ValidationException", "InvalidParameterValueException"), 400)
        self.assertEqual(self.lam.put_function_concurrency(
            FunctionName=name, ReservedConcurrentExecutions=900)["ReservedConcurrentExecutions"], 900)

    def test_reservations_are_the_functions_not_a_versions(self):
        name = self.create_function()["FunctionName"]
        self.lam.publish_version(FunctionName=name)
        for ref in (f"{name}:1", f"{name}:$LATEST"):
            with self.subTest(ref=ref), self.assertRaises(Exception) as ctx:
                self.lam.put_function_concurrency(FunctionName=ref, ReservedConcurrentExecutions=1)
            self.assert_aws_error(ctx, "InvalidParameterValueException", 400)
        self.assertNotIn("ReservedConcurrentExecutions",
                         self.lam.get_function_concurrency(FunctionName=name))


class ManyEnvironmentsTest(ServalTestCase):
    """More environments than a 1024-descriptor table allows (each holds ~8 of Serval's): a
    regression test for children started while Serval holds descriptors numbered above 1024."""

    def test_150_environments_at_once(self):
        name = self.create_function(zip_bytes=python_zip("barrier"), handler="barrier.lambda_handler",
                                    Timeout=120)["FunctionName"]
        # Every invocation waits at a barrier until all 150 have reached it: only 150 environments
        # running at once can pass it, and a slow machine only makes the burst take longer.
        with Barrier(150, timeout=100.0) as barrier:
            path = f"/2015-03-31/functions/{name}/invocations"
            body = json.dumps({"url": barrier.url}).encode()
            with concurrent.futures.ThreadPoolExecutor(max_workers=150) as pool:
                results = list(pool.map(lambda _: self.serval.raw("POST", path, body), range(150)))
        failures = [(status, body[:300]) for status, headers, body in results
                    if status != 200 or "x-amz-function-error" in headers]
        self.assertEqual(failures, [])
        replies = [json.loads(body) for _, _, body in results]
        self.assertEqual({r["released"] for r in replies}, {"all 150 arrived"})
        self.assertEqual(len({r["env_id"] for r in replies}), 150)


class Barrier:
    """An HTTP server on the loopback whose GETs all wait until `count` have arrived (or
    `timeout` seconds pass: those then answer "timed out")."""

    def __init__(self, count, timeout):
        everyone = threading.Event()
        state = {"arrived": 0}
        lock = threading.Lock()

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                with lock:
                    state["arrived"] += 1
                    if state["arrived"] == count:
                        everyone.set()
                released = everyone.wait(timeout)
                reply = (f"all {count} arrived" if released else "timed out").encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args):
                pass

        class Server(http.server.ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = count  # the whole burst may connect before one is accepted

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


class AccountLimitTest(unittest.TestCase):

    def test_account_limit_holds_under_a_burst(self):
        serval = ServalProcess(extra_args=["--concurrency-limit", "4"])
        self.addCleanup(serval.cleanup)
        self.addCleanup(serval.kill)
        lam = serval.start().client()
        names = [unique_name("acct") for _ in range(2)]
        for name in names:
            lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                Handler="sleeper.lambda_handler", Timeout=30,
                                Code={"ZipFile": python_zip("sleeper")})
        with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
            bursts = list(pool.map(lambda n: Burst(serval, n, 100, seconds=1.0), names))
        ok = [r for b in bursts for r in b.ok()]
        throttled = [t for b in bursts for t in b.throttled()]
        self.assertEqual(len(ok) + len(throttled), 200)
        self.assertGreaterEqual(len(ok), 4)
        self.assertLessEqual(max_overlap([(r["started"], r["finished"]) for r in ok]), 4)
        self.assertEqual({body["Reason"] for _, body in throttled},
                         {"ConcurrentInvocationLimitExceeded"})
        serval.stop()


if __name__ == "__main__":
    unittest.main()
