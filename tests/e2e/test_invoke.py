"""Issue 2 item 4 (+ the error paths of item 5): Invoke through boto3, the CLI and raw HTTP."""

import base64
import json
import math
import os
import time
import unittest
import urllib.parse
import uuid

from botocore.exceptions import ClientError

from serval_harness import (
    ACCOUNT, InvocationLog, make_zip, ServalTestCase, cli_payload_args, function_arn,
    processes_referencing, provided_zip, python_zip, unique_name)


class InvokeTest(ServalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = unique_name("echo")
        cls.lam.create_function(FunctionName=cls.echo, Runtime="python3.12",
                                Role="arn:aws:iam::000000000000:role/r",
                                Handler="echo.lambda_handler",
                                Code={"ZipFile": python_zip("echo")}, Timeout=10)

    def setUp(self):
        self.wait_active(self.echo)

    # -- success paths ---------------------------------------------------------------------------

    def test_request_response(self):
        payload = {"hello": "world", "n": [1, 2, 3], "nested": {"unicode": "\u00e9\u4e2d"}}
        resp, body = self.invoke(self.echo, payload)
        self.assertEqual(resp["StatusCode"], 200)
        self.assertNotIn("FunctionError", resp)
        self.assertEqual(resp["ExecutedVersion"], "$LATEST")
        headers = resp["ResponseMetadata"]["HTTPHeaders"]
        self.assertEqual(headers.get("x-amz-executed-version"), "$LATEST")
        self.assertEqual(json.loads(body), payload)
        self.assertNotIn("x-amz-log-result", headers)  # only with LogType Tail

    def test_invocation_type_request_response_explicit(self):
        resp, body = self.invoke(self.echo, [1, "two", None],
                                 InvocationType="RequestResponse")
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(json.loads(body), [1, "two", None])

    def test_scalar_payloads(self):
        for payload in ('"just a string"', "42", "null", "true", "{}"):
            resp, body = self.invoke(self.echo, payload)
            self.assertEqual(resp["StatusCode"], 200, payload)
            self.assertEqual(json.loads(body), json.loads(payload), payload)

    def test_large_payload_under_limit(self):
        # 5 MB in and out: both under the 6 MB limits.
        payload = json.dumps({"blob": "y" * (5 * 1024 * 1024)})
        resp, body = self.invoke(self.echo, payload)
        self.assertNotIn("FunctionError", resp, body[:500])
        self.assertEqual(len(json.loads(body)["blob"]), 5 * 1024 * 1024)

    def test_dry_run(self):
        resp, body = self.invoke(self.echo, {"a": 1}, InvocationType="DryRun")
        self.assertEqual(resp["StatusCode"], 204)
        self.assertEqual(body, b"")

    def test_dry_run_unknown_function(self):
        with self.assertRaises(ClientError) as ctx:
            self.invoke(unique_name("nope"), {}, InvocationType="DryRun")
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)

    def test_name_partial_arn_full_arn_resolve(self):
        # boto3 percent-encodes ':' in the path: /functions/arn%3Aaws%3Alambda%3A.../invocations
        refs = [self.echo, f"{ACCOUNT}:function:{self.echo}", function_arn(self.echo)]
        for ref in refs:
            resp, body = self.invoke(ref, {"ref": ref})
            self.assertEqual(resp["StatusCode"], 200, ref)
            self.assertNotIn("FunctionError", resp, ref)
            self.assertEqual(json.loads(body), {"ref": ref})

    def test_full_arn_raw_percent_encoded_path(self):
        arn = urllib.parse.quote(function_arn(self.echo), safe="")
        status, headers, body = self.serval.raw(
            "POST", f"/2015-03-31/functions/{arn}/invocations", b'{"raw": true}')
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body), {"raw": True})
        self.assertEqual(headers.get("x-amz-executed-version"), "$LATEST")

    def test_unknown_function(self):
        name = unique_name("nope")
        with self.assertRaises(ClientError) as ctx:
            self.invoke(name, {})
        err = self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        self.assertIn(name, err.response["Error"]["Message"])
        # Same through an ARN of an unknown function.
        with self.assertRaises(ClientError) as ctx:
            self.invoke(function_arn(name), {})
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)

    def test_unknown_function_raw_headers(self):
        status, headers, body = self.serval.raw(
            "POST", f"/2015-03-31/functions/{unique_name('nope')}/invocations", b"{}")
        self.assertEqual(status, 404)
        self.assertTrue(headers.get("x-amzn-errortype", "").startswith("ResourceNotFoundException"),
                        headers)
        doc = json.loads(body)
        self.assertTrue(doc.get("message") or doc.get("Message"), doc)

    # -- bad payloads ------------------------------------------------------------------------------

    def test_payload_not_json(self):
        for bad in (b"not json{", b'{"unterminated": ', b"\xff\xfe\x00"):
            with self.assertRaises(ClientError) as ctx:
                self.invoke(self.echo, bad)
            self.assert_aws_error(ctx, "InvalidRequestContentException", 400)
        # serval still serves the function afterwards.
        self.assertEqual(self.invoke_json(self.echo, {"after": "bad"}), {"after": "bad"})

    def test_payload_over_6mb(self):
        payload = json.dumps({"blob": "z" * (6 * 1024 * 1024 + 1024)})
        with self.assertRaises(ClientError) as ctx:
            self.invoke(self.echo, payload)
        # The model names it RequestTooLargeException; real AWS sends
        # RequestEntityTooLargeException (see reference/aws-wire-contracts.md 1.4). Either is fine.
        self.assert_aws_error(ctx, ("RequestEntityTooLargeException", "RequestTooLargeException"),
                              413)
        self.assertEqual(self.invoke_json(self.echo, {"after": "big"}), {"after": "big"})

    # -- logs ----------------------------------------------------------------------------------------

    def test_tail_log_cold_then_warm(self):
        name = unique_name("printer")
        self.create_function(name, python_zip("printer"), handler="printer.lambda_handler",
                             MemorySize=192)
        resp, body = self.invoke(name, {"marker": "cold-marker-1"}, tail=True)
        self.assertEqual(json.loads(body), {"ok": True, "marker": "cold-marker-1"})
        self.assertIn("LogResult", resp)
        log = InvocationLog.from_b64(resp["LogResult"])
        self.assertIsNotNone(log.start, log.text)
        self.assertEqual(log.start.group(2), "$LATEST")
        rid = log.request_id
        self.assertRegex(rid, r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
        # The Invoke response's x-amzn-RequestId is the invocation's request id (as on AWS).
        self.assertEqual(resp["ResponseMetadata"]["RequestId"], rid)
        self.assertIn("printed-line cold-marker-1", log.text)
        self.assertIn("stderr-line cold-marker-1", log.text)
        self.assertIn("logged-line cold-marker-1", log.text)
        self.assertIsNotNone(log.end, log.text)
        self.assertEqual(log.end.group(1), rid)
        self.assertIsNotNone(log.report, f"no REPORT line in the AWS format:\n{log.text}")
        self.assertEqual(log.report.group("id"), rid)
        # Order: START < output < END < REPORT.
        self.assertLess(log.start.start(), log.text.index("printed-line cold-marker-1"))
        self.assertLess(log.text.index("printed-line cold-marker-1"), log.end.start())
        self.assertLess(log.end.start(), log.report.start())
        duration = float(log.report.group("duration"))
        billed = int(log.report.group("billed"))
        self.assertEqual(billed, max(1, math.ceil(duration)), "billed at 1 ms granularity")
        self.assertEqual(int(log.report.group("memory")), 192)
        used = int(log.report.group("used"))
        self.assertGreater(used, 0)
        self.assertLessEqual(used, 192)
        self.assertIsNotNone(log.init_duration, f"cold start must report Init Duration:\n{log.text}")
        self.assertGreater(float(log.init_duration), 0.0)

        resp2, _ = self.invoke(name, {"marker": "warm-marker-2"}, tail=True)
        log2 = InvocationLog.from_b64(resp2["LogResult"])
        self.assertIsNotNone(log2.report, log2.text)
        self.assertNotEqual(log2.request_id, rid)
        self.assertIn("printed-line warm-marker-2", log2.text)
        self.assertNotIn("cold-marker-1", log2.text, "Tail must hold only this invocation")
        self.assertIsNone(log2.init_duration, f"warm invoke must not report Init Duration:\n"
                                              f"{log2.text}")

    def test_tail_log_is_last_4kb(self):
        name = unique_name("printer")
        self.create_function(name, python_zip("printer"), handler="printer.lambda_handler")
        resp, body = self.invoke(name, {"marker": "m", "extra_bytes": 20000}, tail=True)
        self.assertNotIn("FunctionError", resp)
        raw = base64.b64decode(resp["LogResult"])
        self.assertLessEqual(len(raw), 4096)
        self.assertGreater(len(raw), 3000)
        text = raw.decode(errors="replace")
        self.assertIsNotNone(InvocationLog(text).report, text[-600:])
        self.assertNotIn("START RequestId", text, "the start of a 20 KB log must be cut off")

    def test_cli_invoke_with_tail(self):
        out_path = os.path.join(self.serval.tmp_root, "cli-tail.out")
        meta = self.serval.cli_json("lambda", "invoke", "--function-name", self.echo,
                                    "--log-type", "Tail", "--payload", '{"cli": "tail"}',
                                    *cli_payload_args(), out_path)
        self.assertEqual(meta["StatusCode"], 200)
        self.assertEqual(meta["ExecutedVersion"], "$LATEST")
        log = InvocationLog.from_b64(meta["LogResult"])
        self.assertIsNotNone(log.report, log.text)
        with open(out_path) as f:
            self.assertEqual(json.load(f), {"cli": "tail"})

    # -- function errors -------------------------------------------------------------------------

    def test_function_error(self):
        name = unique_name("raiser")
        self.create_function(name, python_zip("raiser"), handler="raiser.lambda_handler")
        resp, body = self.invoke(name, {}, tail=True)
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp["FunctionError"], "Unhandled")
        self.assertEqual(resp["ResponseMetadata"]["HTTPHeaders"].get("x-amz-function-error"),
                         "Unhandled")
        err = json.loads(body)
        self.assertEqual(err["errorType"], "ValueError")
        self.assertEqual(err["errorMessage"], "boom from raiser")
        self.assertIsInstance(err["stackTrace"], list)
        self.assertTrue(err["stackTrace"])
        trace = "".join(err["stackTrace"]) if all(isinstance(x, str) for x in err["stackTrace"]) \
            else json.dumps(err["stackTrace"])
        self.assertIn("helper_that_fails", trace)
        log = InvocationLog.from_b64(resp["LogResult"])
        self.assertIsNotNone(log.report, log.text)
        # The same environment (or a fresh one) keeps working.
        resp2, body2 = self.invoke(name, {})
        self.assertEqual(resp2["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(body2)["errorMessage"], "boom from raiser")

    def test_function_error_cli(self):
        name = unique_name("raiser")
        self.create_function(name, python_zip("raiser"), handler="raiser.lambda_handler")
        out_path = os.path.join(self.serval.tmp_root, "cli-err.out")
        meta = self.serval.cli_json("lambda", "invoke", "--function-name", name, out_path)
        self.assertEqual(meta["StatusCode"], 200)
        self.assertEqual(meta["FunctionError"], "Unhandled")
        with open(out_path) as f:
            self.assertEqual(json.load(f)["errorType"], "ValueError")

    def test_timeout(self):
        name = unique_name("sleeper")
        self.create_function(name, python_zip("sleeper"), handler="sleeper.lambda_handler",
                             Timeout=1)
        t0 = time.monotonic()
        resp, body = self.invoke(name, {"seconds": 5}, tail=True)
        elapsed = time.monotonic() - t0
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp.get("FunctionError"), "Unhandled", body)
        err = json.loads(body)
        self.assertEqual(err.get("errorType"), "Sandbox.Timedout", err)
        self.assertIn("Task timed out after 1.00 seconds", err.get("errorMessage", ""))
        self.assertLess(elapsed, 4.0, "the caller must not wait for the whole 5 s sleep")
        self.assertGreaterEqual(elapsed, 0.9)
        log = InvocationLog.from_b64(resp["LogResult"])
        self.assertIsNotNone(log.start, log.text)
        # The next invoke works (a replacement environment).
        resp2, body2 = self.invoke(name, {"seconds": 0})
        self.assertNotIn("FunctionError", resp2, body2)
        self.assertEqual(json.loads(body2)["slept"], 0)

    def test_memory_limit_kills_function(self):
        name = unique_name("memhog")
        self.create_function(name, python_zip("memhog"), handler="memhog.lambda_handler",
                             MemorySize=128, Timeout=30)
        resp, body = self.invoke(name, {"mb": 400})
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp.get("FunctionError"), "Unhandled", body[:500])
        err = json.loads(body)
        # AWS: the kernel kills the runtime -> Runtime.ExitError ("Runtime exited with error:
        # signal: killed"). A Python MemoryError would mean no kernel-enforced limit.
        self.assertEqual(err.get("errorType"), "Runtime.ExitError", err)
        self.assertTrue(self.serval.healthy())
        self.assertEqual(self.invoke_json(self.echo, {"still": "serving"}), {"still": "serving"})
        # The same function recovers in a new environment with a small allocation.
        self.assertEqual(self.invoke_json(name, {"mb": 16}), {"allocated_mb": 16})

    def test_response_over_6mb(self):
        name = unique_name("bigresp")
        self.create_function(name, python_zip("bigresponse"), handler="bigresponse.lambda_handler",
                             MemorySize=512, Timeout=30)
        resp, body = self.invoke(name, {"mb": 7})
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp.get("FunctionError"), "Unhandled")
        self.assertLess(len(body), 100000)
        err = json.loads(body)
        self.assertEqual(err.get("errorType"), "Function.ResponseSizeTooLarge", err)
        # Just under the limit works.
        resp, body = self.invoke(name, {"mb": 5})
        self.assertNotIn("FunctionError", resp, body[:300])
        self.assertEqual(len(json.loads(body)), 5 * 1024 * 1024)


class BrokenRuntimeTest(ServalTestCase):
    """A runtime that crashes, hangs in init, or writes garbage never takes serval down."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.echo = unique_name("echo")
        cls.lam.create_function(FunctionName=cls.echo, Runtime="python3.12",
                                Role="arn:aws:iam::000000000000:role/r",
                                Handler="echo.lambda_handler",
                                Code={"ZipFile": python_zip("echo")})

    def assert_still_serving(self):
        self.assertTrue(self.serval.healthy())
        self.assertEqual(self.invoke_json(self.echo, {"alive": True}), {"alive": True})

    def test_crashing_runtime(self):
        name = unique_name("crash")
        self.create_function(name, provided_zip("crash.sh"), runtime="provided.al2023",
                             handler="unused", Timeout=3)
        kind, code = self.assert_errored(name)
        if kind == "function":
            self.assertTrue(code.startswith("Runtime."), code)  # AWS: Runtime.ExitError
        kind, code = self.assert_errored(name)  # and again: no stuck state
        self.assert_still_serving()

    def test_missing_bootstrap_is_invalid_entrypoint(self):
        name = unique_name("nobootstrap")
        self.create_function(name, make_zip({"not-bootstrap.sh": "#!/bin/sh\n"}),
                             runtime="provided.al2023", handler="unused")
        for _ in range(2):  # no stuck state either
            resp, body = self.invoke(name, {})
            self.assertEqual(resp.get("FunctionError"), "Unhandled", body)
            error = json.loads(body)
            self.assertEqual(error["errorType"], "Runtime.InvalidEntrypoint")
            self.assertIn("No such file or directory", error["errorMessage"])
        self.assert_still_serving()

    def test_garbage_runtime(self):
        name = unique_name("garbage")
        self.create_function(name, provided_zip("garbage.py"), runtime="provided.al2",
                             handler="unused", Timeout=3)
        self.assert_errored(name)
        self.assert_errored(name)
        self.assert_still_serving()

    def test_hanging_init(self):
        name = unique_name("hang")
        marker = f"serval-e2e-marker-{uuid.uuid4().hex}"
        self.create_function(name, provided_zip("hang_init.sh"), runtime="provided.al2023",
                             handler="unused", Timeout=2,
                             Environment={"Variables": {"E2E_MARKER": marker}})
        # AWS bounds init by 10 s and then the invoke by the function timeout.
        self.assert_errored(name, max_seconds=25.0)
        self.assert_still_serving()
        # The hung environment (sh and its `sleep 600` child) must be gone, not orphaned.
        deadline = time.monotonic() + 5
        while processes_referencing(marker) and time.monotonic() < deadline:
            time.sleep(0.2)
        self.assertEqual(processes_referencing(marker), [])


if __name__ == "__main__":
    unittest.main()
