"""Issue 2 item 5: execution environments - variables, context, reuse, scaling out, reaping."""

import datetime
import json
import os
import threading
import time
import unittest

from serval_harness import (
    LOG_STREAM_RE, InvocationLog, ServalTestCase, environment_pids, function_arn, python_zip,
    unique_name)


class EnvironmentContentsTest(ServalTestCase):

    def test_context_and_environment_variables(self):
        name = unique_name("ctx")
        self.create_function(name, python_zip("context_env"), handler="context_env.lambda_handler",
                             MemorySize=256, Timeout=5,
                             Environment={"Variables": {"USER_VAR": "user value = ok"}})
        resp, body = self.invoke(name, {})
        self.assertNotIn("FunctionError", resp, body)
        out = json.loads(body)
        ctx, env = out["context"], out["env"]

        self.assertEqual(ctx["function_name"], name)
        self.assertEqual(str(ctx["memory_limit_in_mb"]), "256")
        self.assertEqual(ctx["invoked_function_arn"], function_arn(name))
        self.assertRegex(ctx["aws_request_id"],
                         r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        self.assertEqual(ctx["aws_request_id"], resp["ResponseMetadata"]["RequestId"],
                         "x-amzn-RequestId of Invoke is the invocation's request id on AWS")
        # Deadline = now + Timeout: a little under 5000 ms remain when the handler starts.
        self.assertGreater(ctx["remaining_ms"], 3000)
        self.assertLessEqual(ctx["remaining_ms"], 5000)

        self.assertEqual(env["AWS_LAMBDA_FUNCTION_NAME"], name)
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256")
        self.assertEqual(env["AWS_LAMBDA_FUNCTION_VERSION"], "$LATEST")
        self.assertEqual(env["AWS_LAMBDA_LOG_GROUP_NAME"], f"/aws/lambda/{name}")
        self.assertEqual(env["AWS_REGION"], "us-east-1")
        self.assertEqual(env["_HANDLER"], "context_env.lambda_handler")
        self.assertEqual(env["USER_VAR"], "user value = ok")
        self.assertIsNone(env["SECOND_VAR"])
        self.assertRegex(env["AWS_LAMBDA_RUNTIME_API"] or "",
                         r"^(127\.\d+\.\d+\.\d+|localhost|\[::1\]):\d+$")
        stream = env["AWS_LAMBDA_LOG_STREAM_NAME"] or ""
        m = LOG_STREAM_RE.match(stream)
        self.assertIsNotNone(m, f"log stream name {stream!r} is not YYYY/MM/DD/[$LATEST]<32 hex>")
        day = datetime.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        today = datetime.datetime.now(datetime.timezone.utc).date()
        self.assertLessEqual(abs((day - today).days), 1)
        if ctx.get("log_stream_name") is not None:
            self.assertEqual(ctx["log_stream_name"], stream)
        if ctx.get("log_group_name") is not None:
            self.assertEqual(ctx["log_group_name"], f"/aws/lambda/{name}")

        # Code is unpacked into LAMBDA_TASK_ROOT, read-only for the function; /tmp is writable.
        self.assertTrue(env["LAMBDA_TASK_ROOT"])
        self.assertIn("context_env.py", out["task_root_listing"])
        self.assertFalse(out["task_root_writable"], "the code directory must be read-only")
        self.assertTrue(out["tmp_writable"], "/tmp must be writable")

    def test_each_function_sees_its_own_variables(self):
        a, b = unique_name("enva"), unique_name("envb")
        for n, v in ((a, "from-a"), (b, "from-b")):
            self.create_function(n, python_zip("context_env"),
                                 handler="context_env.lambda_handler",
                                 Environment={"Variables": {"USER_VAR": v}})
        self.assertEqual(self.invoke_json(a, {})["env"]["USER_VAR"], "from-a")
        self.assertEqual(self.invoke_json(b, {})["env"]["USER_VAR"], "from-b")
        self.assertEqual(self.invoke_json(a, {})["env"]["AWS_LAMBDA_FUNCTION_NAME"], a)


class WarmAndConcurrencyTest(ServalTestCase):

    def test_warm_reuse(self):
        name = unique_name("counter")
        self.create_function(name, python_zip("counter"), handler="counter.lambda_handler")
        r1, b1 = self.invoke(name, {}, tail=True)
        r2, b2 = self.invoke(name, {}, tail=True)
        r3, b3 = self.invoke(name, {}, tail=True)
        o1, o2, o3 = json.loads(b1), json.loads(b2), json.loads(b3)
        self.assertEqual([o1["count"], o2["count"], o3["count"]], [1, 2, 3])
        self.assertEqual(o1["env_id"], o2["env_id"])
        self.assertEqual(o1["stream"], o3["stream"])
        self.assertIsNotNone(InvocationLog.from_b64(r1["LogResult"]).init_duration)
        self.assertIsNone(InvocationLog.from_b64(r2["LogResult"]).init_duration)
        self.assertIsNone(InvocationLog.from_b64(r3["LogResult"]).init_duration)

    def test_parallel_invokes_scale_out(self):
        name = unique_name("sleeper")
        self.create_function(name, python_zip("sleeper"), handler="sleeper.lambda_handler",
                             Timeout=30)
        n, seconds = 4, 2.0
        results, errors = [None] * n, []

        def worker(i):
            try:
                client = self.serval.client()
                resp = client.invoke(FunctionName=name,
                                     Payload=json.dumps({"seconds": seconds}))
                body = resp["Payload"].read()
                results[i] = (resp, json.loads(body))
            except Exception as e:  # reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
        t0 = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - t0
        self.assertEqual(errors, [])
        for resp, out in results:
            self.assertNotIn("FunctionError", resp, out)
            self.assertEqual(out["slept"], seconds)
        pids = {out["env_id"] for _, out in results}
        streams = {out["stream"] for _, out in results}
        self.assertGreater(len(pids), 1, "parallel invokes must use more than one environment")
        self.assertEqual(len(pids), len(streams), "one log stream per environment")
        # Serialised they would take n * seconds = 8 s.
        self.assertLess(elapsed, n * seconds - 1.0, f"invokes did not overlap ({elapsed:.1f}s)")

    def test_busy_environment_not_shared(self):
        # While one invoke is running, a second one must not be queued behind it forever or
        # routed into the busy process: they overlap in time.
        name = unique_name("sleeper")
        self.create_function(name, python_zip("sleeper"), handler="sleeper.lambda_handler",
                             Timeout=30)
        self.invoke_json(name, {"seconds": 0})  # one warm environment exists
        out = [None, None]

        def call(i):
            out[i] = self.serval.client().invoke(
                FunctionName=name, Payload=json.dumps({"seconds": 1.5}))["Payload"].read()

        ts = [threading.Thread(target=call, args=(i,)) for i in range(2)]
        for t in ts:
            t.start()
        for t in ts:
            t.join(60)
        a, b = json.loads(out[0]), json.loads(out[1])
        self.assertNotEqual(a["env_id"], b["env_id"])
        overlap = min(a["finished"], b["finished"]) - max(a["started"], b["started"])
        self.assertGreater(overlap, 0.5, (a, b))


class KeepAliveReapTest(ServalTestCase):
    KEEP_ALIVE_SECONDS = 1

    def test_idle_environment_is_reaped(self):
        name = unique_name("counter")
        self.create_function(name, python_zip("counter"), handler="counter.lambda_handler")
        r1, b1 = self.invoke(name, {}, tail=True)
        o1 = json.loads(b1)
        self.assertTrue(environment_pids(self.lam, name), "environment process not found")
        self.assertIsNotNone(InvocationLog.from_b64(r1["LogResult"]).init_duration)
        r2, b2 = self.invoke(name, {}, tail=True)  # immediately: still warm
        o2 = json.loads(b2)
        self.assertEqual(o2["count"], 2)
        self.assertIsNone(InvocationLog.from_b64(r2["LogResult"]).init_duration)

        time.sleep(3.5)
        # The idle process is gone, not just forgotten.
        self.assertEqual(environment_pids(self.lam, name), [],
                         "reaped environment process still running")
        r3, b3 = self.invoke(name, {}, tail=True)
        o3 = json.loads(b3)
        self.assertEqual(o3["count"], 1, "after reaping the next invoke is a cold start")
        self.assertNotEqual(o3["env_id"], o1["env_id"])
        log3 = InvocationLog.from_b64(r3["LogResult"])
        self.assertIsNotNone(log3.init_duration, f"cold start must report Init Duration:\n"
                                                 f"{log3.text}")

    def test_environment_in_use_is_not_reaped(self):
        # An invoke that runs longer than the keep-alive must not be reaped mid-flight.
        name = unique_name("sleeper")
        self.create_function(name, python_zip("sleeper"), handler="sleeper.lambda_handler",
                             Timeout=10)
        out = self.invoke_json(name, {"seconds": 3})
        self.assertEqual(out["slept"], 3)


if __name__ == "__main__":
    unittest.main()
