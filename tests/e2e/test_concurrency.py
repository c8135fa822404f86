"""Issue 3 item 2: account concurrency limit and reserved concurrency, under bursts."""

import concurrent.futures
import json
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


class ManyEnvironmentsTest(ServalTestCase):
    """More environments than a 1024-descriptor table allows (each holds ~8 of Serval's): a
    regression test for children started while Serval holds descriptors numbered above 1024."""

    def test_150_environments_at_once(self):
        name = self.create_function(zip_bytes=python_zip("sleeper"), handler="sleeper.lambda_handler",
                                    Timeout=60)["FunctionName"]
        # Each invocation holds its environment long enough that all 150 requests have arrived
        # before the first one finishes: on 2 cores shared with the 150 client threads, 150
        # sandboxed Python cold starts take several seconds.
        burst = Burst(self.serval, name, 150, seconds=10.0)
        failures = [(status, body[:300]) for status, headers, body in burst.results
                    if status != 200 or "x-amz-function-error" in headers]
        self.assertEqual(failures, [])
        self.assertEqual(len({r["env_id"] for r in burst.ok()}), 150)


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
