"""Issue 2 item 8: bad input gets a 4xx AWS-shaped error and writes nothing.

Error codes: for model constraint violations (name pattern/length, MemorySize/Timeout range)
real AWS answers 400 `ValidationException` ("1 validation error detected: Value '127' at
'memorySize' failed to satisfy constraint: Member must have value greater than or equal to 128");
Lambda-specific checks (runtime, zip contents) answer 400 `InvalidParameterValueException`
(e.g. "Could not unzip uploaded file. Please check your file, then try to upload again.").
Emulators differ on which of the two they use, so both are accepted; the status must be 400.

boto3 validates some of these client side (MemorySize min 128, Timeout min 1, name length), so
requests go through a client with parameter_validation=False to reach the server.
"""

import json
import os
import shutil
import tempfile
import unittest
import uuid

from botocore.exceptions import ClientError, ConnectionClosedError

from serval_harness import (
    ROLE, ServalTestCase, fixture_text, make_zip, python_zip, unique_name)

VALIDATION = ("ValidationException", "InvalidParameterValueException")


class BadCreateTest(ServalTestCase):

    def setUp(self):
        self.before = self.list_function_names()

    def tearDown(self):
        # Whatever a test tried, nothing was created.
        self.assertEqual(self.list_function_names(), self.before)

    def bad_create(self, codes=VALIDATION, statuses=400, **overrides):
        params = dict(FunctionName=unique_name("bad"), Runtime="python3.12", Role=ROLE,
                      Handler="echo.lambda_handler", Code={"ZipFile": python_zip("echo")})
        params.update(overrides)
        with self.assertRaises(ClientError) as ctx:
            self.lam_novalidate.create_function(**params)
        err = self.assert_aws_error(ctx, codes, statuses)
        with self.assertRaises(ClientError):
            self.lam.get_function(FunctionName=params["FunctionName"])
        return err

    def test_invalid_function_names(self):
        for bad in ("bad name", "bad!name", "dot.name", "na\u00efve", "semi;colon", "a" * 65,
                    "x" * 141):
            with self.subTest(name=bad):
                params = dict(FunctionName=bad, Runtime="python3.12", Role=ROLE,
                              Handler="echo.lambda_handler", Code={"ZipFile": python_zip("echo")})
                with self.assertRaises(ClientError) as ctx:
                    self.lam_novalidate.create_function(**params)
                self.assert_aws_error(ctx, VALIDATION, 400)

    def test_name_of_64_chars_is_accepted(self):
        # The boundary: 64 is fine, 65 is not (test_invalid_function_names).
        name = ("n64-" + uuid.uuid4().hex * 2)[:64]
        self.assertEqual(len(name), 64)
        self.create_function(name, cleanup=False)
        self.assertEqual(self.invoke_json(name, {"ok": 1}), {"ok": 1})
        self.lam.delete_function(FunctionName=name)

    def test_unknown_runtime(self):
        for rt in ("python2.7x", "cobol1.0", "", "nodejs99.x"):
            with self.subTest(runtime=rt):
                self.bad_create(Runtime=rt)

    def test_role_that_is_not_an_iam_role_arn(self):
        for role in ("not-an-arn", "arn:aws:iam::000000000000:user/bob",
                     "arn:aws:iam::0000:role/short-account"):
            with self.subTest(role=role):
                self.bad_create(codes=("ValidationException",), Role=role)

    def test_missing_runtime_or_handler(self):
        # AWS: "Runtime and Handler are mandatory parameters for functions created with
        # deployment packages." (InvalidParameterValueException)
        params = dict(FunctionName=unique_name("bad"), Role=ROLE,
                      Code={"ZipFile": python_zip("echo")}, Handler="echo.lambda_handler")
        with self.assertRaises(ClientError) as ctx:
            self.lam_novalidate.create_function(**params)
        self.assert_aws_error(ctx, VALIDATION, 400)
        params = dict(FunctionName=unique_name("bad"), Role=ROLE, Runtime="python3.12",
                      Code={"ZipFile": python_zip("echo")})
        with self.assertRaises(ClientError) as ctx:
            self.lam_novalidate.create_function(**params)
        self.assert_aws_error(ctx, VALIDATION, 400)

    def test_memory_out_of_range(self):
        for mem in (127, 10241, 0, -1):
            with self.subTest(memory=mem):
                self.bad_create(MemorySize=mem)

    def test_memory_bounds_accepted(self):
        for mem in (128, 10240):
            with self.subTest(memory=mem):
                name = unique_name("mem")
                self.create_function(name, MemorySize=mem, cleanup=False)
                self.assertEqual(
                    self.lam.get_function_configuration(FunctionName=name)["MemorySize"], mem)
                self.lam.delete_function(FunctionName=name)

    def test_timeout_out_of_range(self):
        for t in (0, 901, -5):
            with self.subTest(timeout=t):
                self.bad_create(Timeout=t)

    def test_timeout_bounds_accepted(self):
        for t in (1, 900):
            with self.subTest(timeout=t):
                name = unique_name("to")
                self.create_function(name, Timeout=t, cleanup=False)
                self.assertEqual(
                    self.lam.get_function_configuration(FunctionName=name)["Timeout"], t)
                self.lam.delete_function(FunctionName=name)

    def test_zip_that_is_not_a_zip(self):
        for data in (b"this is not a zip file", b"PK\x03\x04garbage-after-magic" * 10, b""):
            with self.subTest(data=data[:20]):
                self.bad_create(Code={"ZipFile": data})

    def test_zip_with_parent_path(self):
        target = f"serval-e2e-evil-{uuid.uuid4().hex}"
        zip_bytes = make_zip({
            "echo.py": fixture_text("python", "echo.py"),
            "../" + target: "escaped",
            "sub/../../../../../../../../../../tmp/" + target: "escaped",
        })
        self.bad_create(Code={"ZipFile": zip_bytes})
        self.assertFalse(os.path.exists(os.path.join("/tmp", target)))
        self.assert_nothing_named(target)

    def test_zip_with_absolute_path(self):
        target = f"/tmp/serval-e2e-abs-{uuid.uuid4().hex}"
        zip_bytes = make_zip({"echo.py": fixture_text("python", "echo.py"), target: "escaped"})
        self.bad_create(Code={"ZipFile": zip_bytes})
        self.assertFalse(os.path.exists(target))
        self.assert_nothing_named(os.path.basename(target))

    def test_zip_with_escaping_symlink(self):
        outside = tempfile.mkdtemp(prefix="serval-e2e-outside-")
        self.addCleanup(shutil.rmtree, outside, True)
        cases = {
            "absolute": make_zip([("echo.py", fixture_text("python", "echo.py")),
                                  ("link", "/etc/passwd", None, "symlink")]),
            "relative": make_zip([("echo.py", fixture_text("python", "echo.py")),
                                  ("link", "../../../../../../../../../../etc", None, "symlink")]),
            # Classic zip-slip through a symlinked directory: the second entry writes outside.
            "write-through": make_zip([("echo.py", fixture_text("python", "echo.py")),
                                       ("escape", outside, None, "symlink"),
                                       ("escape/pwned.txt", "pwned")]),
        }
        for label, zip_bytes in cases.items():
            with self.subTest(case=label):
                self.bad_create(Code={"ZipFile": zip_bytes})
        self.assertEqual(os.listdir(outside), [], "a zip entry was written through a symlink")

    def test_zip_over_50mb(self):
        # 52 MiB of incompressible data: the zip is > 50 MB, its base64 (~73 MB) is over the
        # 70167211-byte request limit AWS reports ("Request must be smaller than 70167211 bytes
        # for the CreateFunction operation", RequestEntityTooLargeException, 413).
        zip_bytes = make_zip({"echo.py": fixture_text("python", "echo.py"),
                              "blob.bin": os.urandom(52 * 1024 * 1024)})
        self.assertGreater(len(zip_bytes), 50 * 1024 * 1024)
        try:
            self._bad_create_big(zip_bytes)
        except ConnectionClosedError as e:
            # botocore (urllib3 2.x) reads an early response even after a broken pipe, so a
            # server that answers 413 before closing is fine; one that just hangs up is not.
            self.fail(f"serval closed the connection without an HTTP response: {e}")
        self.assertTrue(self.serval.healthy())

    def _bad_create_big(self, zip_bytes):
        self.bad_create(codes=("RequestEntityTooLargeException", "RequestTooLargeException",
                               "InvalidParameterValueException", "ValidationException"),
                        statuses=(400, 413), Code={"ZipFile": zip_bytes})

    def test_malformed_json_bodies(self):
        bodies = [
            b'{"FunctionName": "x-malformed", "Runtime": ',
            b"not json at all",
            b"[1, 2, 3]",
            b'{"FunctionName": 17, "Runtime": "python3.12", "Role": "r", '
            b'"Handler": "echo.lambda_handler", "Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}',
            b'{"FunctionName": "x-badcode", "Runtime": "python3.12", "Role": "r", '
            b'"Handler": "echo.lambda_handler", "Code": {"ZipFile": "***not base64***"}}',
            b'{"FunctionName": "x-badmem", "Runtime": "python3.12", "Role": "r", '
            b'"Handler": "echo.lambda_handler", "MemorySize": "lots", '
            b'"Code": {"ZipFile": "UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}',
        ]
        for body in bodies:
            with self.subTest(body=body[:40]):
                status, headers, resp_body = self.serval.raw(
                    "POST", "/2015-03-31/functions", body,
                    {"Content-Type": "application/json"})
                self.assertEqual(status, 400, resp_body)
                self.assertTrue(headers.get("x-amzn-errortype"), headers)
                doc = json.loads(resp_body)
                self.assertTrue(doc.get("message") or doc.get("Message"), doc)

    def test_duplicate_create(self):
        name = unique_name("dup")
        first_zip = python_zip("echo")
        self.create_function(name, first_zip, cleanup=False)
        self.before = self.list_function_names()
        try:
            with self.assertRaises(ClientError) as ctx:
                self.lam.create_function(
                    FunctionName=name, Runtime="python3.12", Role=ROLE,
                    Handler="echo.lambda_handler",
                    Code={"ZipFile": make_zip({"echo.py": fixture_text("python", "echo_v2.py")})})
            self.assert_aws_error(ctx, "ResourceConflictException", 409)
            # The original function is untouched.
            self.assertEqual(self.invoke_json(name, {"same": True}), {"same": True})
        finally:
            self.lam.delete_function(FunctionName=name)
            self.before = self.list_function_names()

    def assert_nothing_named(self, needle):
        for root in (self.serval.tmp_root, tempfile.gettempdir()):
            for dirpath, dirnames, filenames in os.walk(root):
                self.assertNotIn(needle, filenames + dirnames, dirpath)


class BadUpdateTest(ServalTestCase):
    """Rejected updates leave the function exactly as it was."""

    def setUp(self):
        self.name = unique_name("target")
        self.zip = python_zip("echo")
        self.create_function(self.name, self.zip, MemorySize=256, Timeout=5, Description="orig",
                             Environment={"Variables": {"V": "1"}})
        self.orig = self.lam.get_function_configuration(FunctionName=self.name)

    def assert_unchanged(self):
        cfg = self.lam.get_function_configuration(FunctionName=self.name)
        for key in ("CodeSha256", "CodeSize", "MemorySize", "Timeout", "Description",
                    "Environment", "Runtime", "Handler", "LastModified"):
            self.assertEqual(cfg.get(key), self.orig.get(key), key)
        self.assertEqual(self.invoke_json(self.name, {"still": "works"}), {"still": "works"})

    def test_bad_configuration_updates(self):
        for bad in ({"MemorySize": 127}, {"MemorySize": 10241}, {"Timeout": 0},
                    {"Timeout": 901}, {"Runtime": "cobol1.0"}, {"Role": "r"}):
            with self.subTest(update=bad):
                with self.assertRaises(ClientError) as ctx:
                    self.lam_novalidate.update_function_configuration(FunctionName=self.name,
                                                                      **bad)
                self.assert_aws_error(ctx, VALIDATION, 400)
                self.assert_unchanged()

    def test_bad_code_updates(self):
        evil = make_zip({"echo.py": fixture_text("python", "echo.py"),
                         f"../serval-e2e-evil-{uuid.uuid4().hex}": "x"})
        for label, data in (("not-a-zip", b"nope"), ("parent-path", evil)):
            with self.subTest(case=label):
                with self.assertRaises(ClientError) as ctx:
                    self.lam.update_function_code(FunctionName=self.name, ZipFile=data)
                self.assert_aws_error(ctx, VALIDATION, 400)
                self.assert_unchanged()

    def test_malformed_update_body(self):
        status, headers, body = self.serval.raw(
            "PUT", f"/2015-03-31/functions/{self.name}/configuration", b'{"Timeout": ',
            {"Content-Type": "application/json"})
        self.assertEqual(status, 400, body)
        self.assertTrue(headers.get("x-amzn-errortype"), headers)
        self.assert_unchanged()


if __name__ == "__main__":
    unittest.main()
