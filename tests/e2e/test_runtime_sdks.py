"""Issue 9: functions reach Serval through whatever AWS SDK they have, without configuration.

* Debian 12's own /usr/bin/python3 with its python3-boto3 (botocore 1.29, which ignores
  AWS_ENDPOINT_URL), and a botocore 1.29 vendored in a function's zip;
* the AWS SDK for JavaScript v3 bundled in a function's zip, current (reads AWS_ENDPOINT_URL) and
  3.300 and 3.405 (do not);
* LD_LIBRARY_PATH as AWS sets it, so a library in the zip's lib/ loads by soname;
* a Node runtime without its own dependency (aws-lambda-ric) is reported at startup and in the
  function's error, with the command that installs it.
"""

import io
import json
import os
import shutil
import subprocess
import tempfile
import unittest
import zipfile

from serval_harness import (
    E2E_DIR, FIXTURES_DIR, REPO_ROOT, ServalTestCase, fixture_text, node_zip, python_zip, unique_name)

DEBIAN_PYTHON = "/usr/bin/python3"
DEBIAN_DIST_PACKAGES = "/usr/lib/python3/dist-packages"
CURRENT_JS_SDK = os.path.join(E2E_DIR, "js", "node_modules")

def js_sdk_fixture(version):
    return os.path.join(FIXTURES_DIR, "node", f"sdk-v{version}", "node_modules")

# Port 9 (discard) refuses connections: a client sent there proves its explicit endpoint won.
EXPLICIT_ENDPOINT = "http://127.0.0.1:9"


def zip_with_trees(files: dict, trees, keep=lambda relative: True) -> bytes:
    """files {arcname: text} plus every file under each (directory, arc prefix) of `trees` whose
    path relative to the directory passes `keep`."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, text in files.items():
            zf.writestr(name, text)
        for directory, prefix in trees:
            for root, _, names in os.walk(directory):
                for name in names:
                    path = os.path.join(root, name)
                    relative = os.path.relpath(path, directory)
                    if keep(relative):
                        zf.write(path, os.path.join(prefix, relative))
    return buf.getvalue()


def require_dir(testcase, path, how):
    if not os.path.isdir(path):
        testcase.fail(f"{path} is missing; {how} (tests/e2e/run.sh does it)")


class SdkCallerMixin:
    """Runs the sdk_caller fixture and checks that its call came back from this Serval."""

    def invoke_sdk_caller(self, zip_bytes, **create):
        name = unique_name("sdkcaller")
        created = self.create_function(name, zip_bytes, Timeout=60, MemorySize=512, **create)
        resp, body = self.invoke(name, {})
        self.assertNotIn("FunctionError", resp, body)
        out = json.loads(body)
        # GetFunction of itself answered with this function's own code hash: Serval answered.
        self.assertEqual(out["code_sha256"], created["CodeSha256"], out)
        return out


class DebianPythonBoto3Test(SdkCallerMixin, ServalTestCase):
    """Every python3.x function runs on Debian's interpreter, as on a fresh Debian 12."""

    SERVAL_ARGS = ("--python", DEBIAN_PYTHON)

    def test_debian_boto3_calls_serval_without_configuration(self):
        out = self.invoke_sdk_caller(python_zip("sdk_caller"), handler="sdk_caller.lambda_handler")
        self.assertTrue(out["executable"].startswith(DEBIAN_PYTHON), out)
        self.assertTrue(out["botocore_version"].startswith("1.29."), out)
        self.assertTrue(out["botocore_file"].startswith(DEBIAN_DIST_PACKAGES + "/"), out)
        self.assertEqual(out["endpoint"], out["configured_endpoint"])
        self.assertEqual(out["explicit_endpoint"], EXPLICIT_ENDPOINT)


class PythonVendoredBotocoreTest(SdkCallerMixin, ServalTestCase):

    def test_botocore_vendored_in_the_zip_calls_serval(self):
        # Debian's boto3 1.26 / botocore 1.29 (and the urllib3 1.26 it needs) inside the zip, run
        # by the machine's default python3, which has a newer botocore of its own.
        def keep(relative):
            parts = relative.split(os.sep)
            if "__pycache__" in parts:
                return False
            # botocore/data: the lambda model and the top-level files only.
            return not (parts[:2] == ["botocore", "data"] and len(parts) > 3
                        and parts[2] != "lambda")

        zip_bytes = zip_with_trees(
            {"sdk_caller.py": fixture_text("python", "sdk_caller.py")},
            [(os.path.join(DEBIAN_DIST_PACKAGES, package), package)
             for package in ("boto3", "botocore", "urllib3")],
            keep)
        out = self.invoke_sdk_caller(zip_bytes, handler="sdk_caller.lambda_handler")
        self.assertTrue(out["botocore_version"].startswith("1.29."), out)
        self.assertFalse(out["botocore_file"].startswith(DEBIAN_DIST_PACKAGES), out)
        self.assertEqual(out["endpoint"], out["configured_endpoint"])
        self.assertEqual(out["explicit_endpoint"], EXPLICIT_ENDPOINT)


class NodeSdkV3Test(SdkCallerMixin, ServalTestCase):

    @staticmethod
    def sdk_zip(node_modules):
        # Node loads only dist-cjs; leave the ESM and type builds out of the zip.
        def keep(relative):
            parts = relative.split(os.sep)
            return "dist-es" not in parts and "dist-types" not in parts

        return zip_with_trees({"index.js": fixture_text("node", "sdk_caller.js")},
                              [(node_modules, "node_modules")], keep)

    def check_sdk(self, node_modules, version_prefix):
        out = self.invoke_sdk_caller(self.sdk_zip(node_modules), runtime="nodejs20.x",
                                     handler="index.handler")
        self.assertTrue(out["sdk_version"].startswith(version_prefix), out)
        self.assertEqual(out["explicit_error"], "ECONNREFUSED", out)

    def test_current_sdk_v3_calls_serval_without_configuration(self):
        require_dir(self, CURRENT_JS_SDK, "run `npm ci` in tests/e2e/js")
        self.check_sdk(CURRENT_JS_SDK, "3.")

    def test_sdk_v3_from_before_aws_endpoint_url_calls_serval(self):
        # 3.300: @aws-sdk/middleware-endpoint; 3.405: @smithy/middleware-endpoint 2.0.11.
        for version in ("3.300.0", "3.405.0"):
            with self.subTest(version=version):
                node_modules = js_sdk_fixture(version[:-2])
                require_dir(self, node_modules, f"run `npm ci` in {os.path.dirname(node_modules)}")
                self.check_sdk(node_modules, version)


class LibraryPathTest(ServalTestCase):

    @classmethod
    def setUpClass(cls):
        cls.build_dir = tempfile.mkdtemp(prefix="serval-probe-")
        cls.addClassCleanup(shutil.rmtree, cls.build_dir, True)
        cls.library = os.path.join(cls.build_dir, "libservalprobe.so")
        subprocess.run(["cc", "-shared", "-fPIC", "-Wl,-soname,libservalprobe.so", "-o",
                        cls.library, os.path.join(FIXTURES_DIR, "native", "probe.c")],
                       check=True, timeout=120)
        super().setUpClass()

    def probe_zip(self):
        with open(self.library, "rb") as f:
            return python_zip("native_probe", {"lib/libservalprobe.so": f.read()})

    def test_packaged_library_loads_by_soname(self):
        name = unique_name("ldpath")
        self.create_function(name, self.probe_zip(), handler="native_probe.lambda_handler")
        out = self.invoke_json(name, {})
        self.assertEqual(out["probe"], 42, out)
        entries = out["ld_library_path"].split(":")
        self.assertIn(out["task_root"] + "/lib", entries)
        self.assertIn(out["task_root"], entries)
        self.assertIn("/opt/lib", entries)

    def test_function_may_replace_it(self):
        # LD_LIBRARY_PATH is not reserved on AWS: the function's own value is the only one, for
        # the program and for the dynamic loader alike (so the library is not found).
        name = unique_name("ldown")
        self.create_function(name, self.probe_zip(), handler="native_probe.lambda_handler",
                             Environment={"Variables": {"LD_LIBRARY_PATH": "/nonexistent"}})
        out = self.invoke_json(name, {})
        self.assertEqual(out["ld_library_path"], "/nonexistent")
        self.assertIn("libservalprobe.so", str(out["probe"]), out)


class NodeRuntimeWithoutDependenciesTest(ServalTestCase):
    """Serval pointed at a runtimes dir whose node/ has no node_modules (a plain cmake build)."""

    @classmethod
    def setUpClass(cls):
        cls.runtimes_dir = tempfile.mkdtemp(prefix="serval-runtimes-")
        os.chmod(cls.runtimes_dir, 0o755)  # environments run as uids of their own
        cls.addClassCleanup(shutil.rmtree, cls.runtimes_dir, True)
        source = os.path.join(REPO_ROOT, "runtimes")
        shutil.copytree(os.path.join(source, "python"), os.path.join(cls.runtimes_dir, "python"))
        shutil.copytree(os.path.join(source, "node"), os.path.join(cls.runtimes_dir, "node"),
                        ignore=shutil.ignore_patterns("node_modules"))
        cls.node_dir = os.path.join(cls.runtimes_dir, "node")
        cls.install = f"npm ci --ignore-scripts --omit=dev --prefix {cls.node_dir}"
        cls.SERVAL_ARGS = ("--runtimes-dir", cls.runtimes_dir)
        super().setUpClass()

    def test_startup_names_the_missing_dependency_and_its_install_command(self):
        warnings = [line for line in self.serval.log_text().splitlines()
                    if line.startswith("WARNING:") and "aws-lambda-ric" in line]
        self.assertEqual(len(warnings), 1, self.serval.log_tail())
        self.assertIn(self.install, warnings[0])

    def test_node_function_error_names_it_too(self):
        name = unique_name("nodeless")
        self.create_function(name, node_zip("async_echo"), runtime="nodejs20.x",
                             handler="index.handler")
        resp, body = self.invoke(name, {})
        self.assertEqual(resp.get("FunctionError"), "Unhandled", body)
        error = json.loads(body)
        self.assertEqual(error["errorType"], "Runtime.InvalidEntrypoint", error)
        self.assertIn("aws-lambda-ric", error["errorMessage"])
        self.assertIn(self.install, error["errorMessage"])

    def test_python_functions_still_run(self):
        name = unique_name("pyfine")
        self.create_function(name, python_zip("echo"))
        self.assertEqual(self.invoke_json(name, {"ok": 1}), {"ok": 1})


if __name__ == "__main__":
    unittest.main()
