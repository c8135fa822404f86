"""Issue 2 item 6: runtimes - python3.9..3.13, nodejs20.x/18.x, provided.* with a C++ handler."""

import json
import unittest

from serval_harness import (
    InvocationLog, ServalTestCase, cpp_echo_zip, make_zip, node_zip, python_zip, unique_name)


class PythonRuntimeTest(ServalTestCase):

    def test_every_python3_identifier_runs(self):
        for runtime in ("python3.9", "python3.10", "python3.11", "python3.12", "python3.13"):
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

    def test_nodejs18_identifier(self):
        name = unique_name("node18")
        self.create_function(name, node_zip("async_echo"), runtime="nodejs18.x",
                             handler="index.handler")
        self.assertEqual(self.invoke_json(name, {"v": 18}), {"v": 18})

    def test_node_warm_reuse_is_fast_path(self):
        name = unique_name("nodewarm")
        self.create_function(name, node_zip("async_echo"), runtime="nodejs20.x",
                             handler="index.handler")
        self.invoke_json(name, {"i": 0})
        resp, body = self.invoke(name, {"i": 1}, tail=True)
        self.assertEqual(json.loads(body), {"i": 1})
        self.assertIsNone(InvocationLog.from_b64(resp["LogResult"]).init_duration)


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
        for runtime in ("provided", "provided.al2"):
            with self.subTest(runtime=runtime):
                name = unique_name(runtime.replace(".", ""))
                self.create_function(name, zip_bytes, runtime=runtime, handler="echo")
                self.assertEqual(self.invoke_json(name, {"rt": runtime}), {"rt": runtime})

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
