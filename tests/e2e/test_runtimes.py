"""Issue 2 item 6: runtimes - python3.9..3.14, nodejs18.x..24.x, provided.* with a C++ handler."""

import json
import time
import unittest

from botocore.exceptions import ClientError

from serval_harness import (
    InvocationLog, ServalTestCase, cpp_echo_zip, make_zip, node_zip, python_zip, unique_name)


class PythonRuntimeTest(ServalTestCase):

    def test_every_python3_identifier_runs(self):
        for runtime in ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13",
                        "python3.14"):
            with self.subTest(runtime=runtime):
                name = unique_name(runtime.replace(".", ""))
                created = self.create_function(name, python_zip("echo"), runtime=runtime)
                self.assertEqual(created["Runtime"], runtime)
                self.assertEqual(self.invoke_json(name, {"rt": runtime}), {"rt": runtime})

    def test_handler_in_subpackage_module(self):
        # handler "pkg/mod.fn" style is not required; "file.function" with a nested file is:
        name = unique_name("pyhandler")
        zip_bytes = make_zip({
            "app.py": "import helper\n\ndef handle(event, context):\n"
                      "    return {'double': helper.double(event['n'])}\n",
            "helper.py": "def double(n):\n    return 2 * n\n",
        })
        self.create_function(name, zip_bytes, handler="app.handle")
        self.assertEqual(self.invoke_json(name, {"n": 21}), {"double": 42})

    def test_missing_handler_is_a_function_error(self):
        name = unique_name("nohandler")
        self.create_function(name, python_zip("echo"), handler="echo.does_not_exist")
        resp, body = self.invoke(name, {})
        self.assertEqual(resp.get("FunctionError"), "Unhandled", body)
        err = json.loads(body)
        self.assertIn("errorType", err)
        self.assertIn("errorMessage", err)
        self.assertTrue(self.serval.healthy())


class NodeRuntimeTest(ServalTestCase):

    def test_async_handler(self):
        name = unique_name("nodeasync")
        self.create_function(name, node_zip("async_echo"), runtime="nodejs20.x",
                             handler="index.handler")
        payload = {"node": "async", "list": [1, 2, {"x": None}]}
        resp, body = self.invoke(name, payload, tail=True)
        self.assertNotIn("FunctionError", resp, body)
        self.assertEqual(json.loads(body), payload)
        log = InvocationLog.from_b64(resp["LogResult"])
        self.assertIsNotNone(log.report, log.text)
        self.assertIsNotNone(log.init_duration, log.text)

    def test_callback_handler(self):
        name = unique_name("nodecb")
        self.create_function(name, node_zip("callback"), runtime="nodejs20.x",
                             handler="index.handler")
        out = self.invoke_json(name, {"k": "v"})
        self.assertEqual(out, {"style": "callback", "got": {"k": "v"}, "fn": name})

    def test_thrown_error(self):
        name = unique_name("nodethrow")
        self.create_function(name, node_zip("thrower"), runtime="nodejs20.x",
                             handler="index.handler")
        resp, body = self.invoke(name, {})
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp.get("FunctionError"), "Unhandled", body)
        err = json.loads(body)
        self.assertEqual(err["errorType"], "Error")
        self.assertEqual(err["errorMessage"], "boom from node")
        # The Node RIC names the stack "trace" (not "stackTrace").
        self.assertTrue(err.get("trace") or err.get("stackTrace"), err)

    def test_every_nodejs_identifier_runs(self):
        for runtime in ("nodejs18.x", "nodejs22.x", "nodejs24.x"):
            with self.subTest(runtime=runtime):
                name = unique_name(runtime.replace(".", ""))
                self.create_function(name, node_zip("async_echo"), runtime=runtime,
                                     handler="index.handler")
                self.assertEqual(self.invoke_json(name, {"v": runtime}), {"v": runtime})

    def test_node_warm_reuse_is_fast_path(self):
        name = unique_name("nodewarm")
        self.create_function(name, node_zip("async_echo"), runtime="nodejs20.x",
                             handler="index.handler")
        self.invoke_json(name, {"i": 0})
        resp, body = self.invoke(name, {"i": 1}, tail=True)
        self.assertEqual(json.loads(body), {"i": 1})
        self.assertIsNone(InvocationLog.from_b64(resp["LogResult"]).init_duration)


class NodeHandlerStylesTest(ServalTestCase):
    """Every handler style through the ric and Serval's Runtime API client (rapid-client.cjs), on
    one warm environment, so that successes and errors follow each other on one connection."""

    def styles_function(self, prefix):
        name = unique_name(prefix)
        self.create_function(name, node_zip("styles"), runtime="nodejs20.x",
                             handler="index.handler", Timeout=7, MemorySize=256)
        return name

    def assert_function_error(self, name, payload, error_type, message):
        resp, body = self.invoke(name, payload)
        self.assertEqual(resp["StatusCode"], 200)
        self.assertEqual(resp.get("FunctionError"), "Unhandled", body)
        err = json.loads(body)
        self.assertEqual(err["errorType"], error_type, err)
        self.assertIn(message, err["errorMessage"], err)
        return err

    def test_every_style_on_one_environment(self):
        name = self.styles_function("nodestyles")
        out = self.invoke_json(name, {"style": "async"})
        self.assertEqual(out["style"], "async")
        self.assertGreater(out["remaining"], 0, out)
        self.assertLessEqual(out["remaining"], 7000, out)
        for round_ in range(3):  # and again, warm, in the same environment
            with self.subTest(round=round_):
                got = self.invoke_json(name, {"style": "callback"})
                self.assertEqual(got["style"], "callback")
                self.assertRegex(got["id"], r"^[0-9a-f-]{36}$")
                self.assertEqual(self.invoke_json(name, {"style": "succeed"}),
                                 {"style": "succeed", "fn": name})
                self.assertEqual(self.invoke_json(name, {"style": "done"}),
                                 {"style": "done", "memory": "256"})
                self.assertIsNone(self.invoke_json(name, {"style": "no-result"}))
                self.assertEqual(self.invoke_json(name, {"style": "wait-for-loop"}),
                                 {"timer": True})
                self.assertEqual(self.invoke_json(name, {"style": "no-wait"}), {"timer": False})
                self.assert_function_error(name, {"style": "async-reject"}, "TypeError",
                                           "rejected by an async handler")
                self.assert_function_error(name, {"style": "callback-error"}, "RangeError",
                                           "passed to the callback")
                self.assert_function_error(name, {"style": "fail"}, "Error",
                                           "passed to context.fail")
                self.assert_function_error(name, {"style": "done-error"}, "SyntaxError",
                                           "passed to context.done")
                err = self.assert_function_error(name, {"style": "throw"}, "Error",
                                                 "thrown by a plain handler")
                self.assertTrue(err.get("trace"), err)
                self.assert_function_error(name, {"style": "throw-unicode"}, "Error",
                                           "ünïcödé → 失敗")
        # None of it cost the environment: still the first one (no Init Duration).
        resp, body = self.invoke(name, {"style": "echo", "n": 1}, tail=True)
        self.assertEqual(json.loads(body), {"style": "echo", "n": 1})
        self.assertIsNone(InvocationLog.from_b64(resp["LogResult"]).init_duration)

    def test_large_multibyte_event_and_result(self):
        # Several megabytes each way, in many socket reads and writes, with characters of two
        # and three bytes split across read boundaries.
        name = self.styles_function("nodebig")
        payload = {"style": "echo", "text": "é€x" * 400_000}
        for _ in range(2):
            resp, body = self.invoke(name, payload)
            self.assertNotIn("FunctionError", resp, body[:500])
            self.assertEqual(json.loads(body), payload)

    def test_console_log_carries_the_request_id(self):
        name = self.styles_function("nodelog")
        resp, body = self.invoke(name, {"style": "log", "n": 7}, tail=True)
        self.assertEqual(json.loads(body), {"logged": 7})
        log = InvocationLog.from_b64(resp["LogResult"])
        self.assertRegex(log.text, r"\t[0-9a-f-]{36}\tINFO\tlogged by the handler 7\n")

    def test_uncaught_exception_and_unhandled_rejection_are_reported(self):
        # The ric posts the error, then exits (129 / 128); the error must not be lost to the exit,
        # and the next invoke, sent at once, gets a fresh environment (Serval may already have
        # handed it to the exiting one, which never asked for it: it runs elsewhere).
        name = self.styles_function("nodecrash")
        self.invoke_json(name, {"style": "echo"})
        self.assert_function_error(name, {"style": "uncaught"}, "Error", "uncaught in a timer")
        resp, body = self.invoke(name, {"style": "echo", "after": "uncaught"}, tail=True)
        self.assertEqual(json.loads(body), {"style": "echo", "after": "uncaught"})
        self.assertIsNotNone(InvocationLog.from_b64(resp["LogResult"]).init_duration)
        self.assert_function_error(name, {"style": "unhandled-rejection"},
                                   "Runtime.UnhandledPromiseRejection",
                                   "nobody handles this rejection")
        self.assertEqual(self.invoke_json(name, {"style": "echo", "n": 2}),
                         {"style": "echo", "n": 2})


class ProvidedRuntimeTest(ServalTestCase):

    def test_cpp_echo_provided_al2023(self):
        name = unique_name("cppecho")
        zip_bytes = cpp_echo_zip()
        self.create_function(name, zip_bytes, runtime="provided.al2023", handler="echo")
        payload = {"cpp": True, "nums": [1, 2, 3], "s": "\u00fcnicode"}
        resp, body = self.invoke(name, payload, tail=True)
        self.assertEqual(resp["StatusCode"], 200)
        self.assertNotIn("FunctionError", resp, body)
        self.assertEqual(json.loads(body), payload)
        log = InvocationLog.from_b64(resp["LogResult"])
        self.assertIsNotNone(log.report, log.text)
        # Warm path.
        for i in range(5):
            self.assertEqual(self.invoke_json(name, {"i": i}), {"i": i})

    def test_cpp_echo_other_provided_identifiers(self):
        zip_bytes = cpp_echo_zip()
        for runtime in ("provided.al2",):
            with self.subTest(runtime=runtime):
                name = unique_name(runtime.replace(".", ""))
                self.create_function(name, zip_bytes, runtime=runtime, handler="echo")
                self.assertEqual(self.invoke_json(name, {"rt": runtime}), {"rt": runtime})
        # Amazon Linux 1's `provided` (and the Python and Node versions past their end of life)
        # are refused for new functions, as AWS refuses them.
        for runtime in ("provided", "python3.8", "nodejs16.x"):
            with self.subTest(runtime=runtime), self.assertRaises(ClientError) as refused:
                self.create_function(unique_name("old"), zip_bytes, runtime=runtime,
                                     handler="echo")
            self.assertEqual(refused.exception.response["Error"]["Code"],
                             "InvalidParameterValueException")
            self.assertIn(f"The runtime parameter of {runtime} is no longer supported",
                          refused.exception.response["Error"]["Message"])

    def test_missing_bootstrap_is_an_error(self):
        name = unique_name("noboot")
        try:
            self.create_function(name, make_zip({"not-bootstrap.txt": "hi"}),
                                 runtime="provided.al2023", handler="x")
        except Exception as e:  # rejecting at create time is fine too (4xx)
            status = getattr(e, "response", {}).get("ResponseMetadata", {}).get("HTTPStatusCode")
            self.assertIsNotNone(status, repr(e))
            self.assertGreaterEqual(status, 400)
            self.assertLess(status, 500)
            return
        self.assert_errored(name)
        self.assertTrue(self.serval.healthy())


if __name__ == "__main__":
    unittest.main()
