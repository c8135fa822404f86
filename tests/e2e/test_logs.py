"""Issue 2 item 7: durable logs and `serval logs NAME [--follow]`."""

import json
import os
import re
import subprocess
import threading
import time
import unittest

from serval_harness import (
    LOG_STREAM_RE, SERVAL_BIN, InvocationLog, ServalProcess, ServalTestCase, python_zip,
    unique_name)


def serval_logs(data_dir, name, *extra, timeout=30):
    return subprocess.run([SERVAL_BIN, "logs", name, "--data-dir", data_dir, *extra],
                          capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


class LogsCommandTest(ServalTestCase):

    def _invoke_printer(self, name, marker):
        resp, body = self.invoke(name, {"marker": marker}, tail=True)
        self.assertNotIn("FunctionError", resp, body)
        return InvocationLog.from_b64(resp["LogResult"]).request_id

    def test_logs_prints_platform_lines_and_output(self):
        name = unique_name("logs")
        self.create_function(name, python_zip("printer"), handler="printer.lambda_handler")
        rid1 = self._invoke_printer(name, "first-logs-marker")
        rid2 = self._invoke_printer(name, "second-logs-marker")
        p = serval_logs(self.serval.data_dir, name)
        self.assertEqual(p.returncode, 0, p.stderr)
        out = p.stdout
        for rid in (rid1, rid2):
            self.assertRegex(out, rf"START RequestId: {rid} Version: \$LATEST")
            self.assertIn(f"END RequestId: {rid}", out)
            self.assertRegex(out, rf"REPORT RequestId: {rid}\tDuration: \d+\.\d\d ms\t"
                                  rf"Billed Duration: \d+ ms\tMemory Size: 128 MB\t"
                                  rf"Max Memory Used: \d+ MB")
        self.assertIn("printed-line first-logs-marker", out)
        self.assertIn("logged-line second-logs-marker", out)
        self.assertIn("stderr-line second-logs-marker", out)
        self.assertLess(out.index("first-logs-marker"), out.index("second-logs-marker"))

    def test_logs_only_for_that_function(self):
        a, b = unique_name("loga"), unique_name("logb")
        for n in (a, b):
            self.create_function(n, python_zip("printer"), handler="printer.lambda_handler")
        self._invoke_printer(a, "only-in-a")
        self._invoke_printer(b, "only-in-b")
        out = serval_logs(self.serval.data_dir, a).stdout
        self.assertIn("only-in-a", out)
        self.assertNotIn("only-in-b", out)

    def test_logs_unknown_function(self):
        p = serval_logs(self.serval.data_dir, unique_name("nologs"))
        # Either an error exit or empty output; it must not invent log lines.
        self.assertNotIn("START RequestId", p.stdout)

    def test_stream_name_format_in_environment(self):
        name = unique_name("stream")
        self.create_function(name, python_zip("counter"), handler="counter.lambda_handler")
        out = self.invoke_json(name, {})
        self.assertRegex(out["stream"] or "", LOG_STREAM_RE)

    def test_follow(self):
        name = unique_name("follow")
        self.create_function(name, python_zip("printer"), handler="printer.lambda_handler")
        self._invoke_printer(name, "before-follow")
        proc = subprocess.Popen([SERVAL_BIN, "logs", name, "--data-dir", self.serval.data_dir,
                                 "--follow"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL)
        lines, done = [], threading.Event()

        def reader():
            for line in iter(proc.stdout.readline, b""):
                lines.append(line.decode(errors="replace"))
                if "during-follow" in line.decode(errors="replace"):
                    done.set()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            time.sleep(0.5)
            self.assertIsNone(proc.poll(), "`serval logs --follow` exited: " + "".join(lines))
            self._invoke_printer(name, "during-follow")
            self.assertTrue(done.wait(10), "--follow did not print new output:\n" + "".join(lines))
        finally:
            proc.terminate()
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            proc.stdout.close()
        text = "".join(lines)
        self.assertIn("before-follow", text)


class LogsDurableTest(unittest.TestCase):
    """Logs survive serval stopping: `serval logs` reads them from the data dir afterwards."""

    def test_logs_after_stop_and_restart(self):
        s = ServalProcess()
        try:
            s.start()
            lam = s.client()
            name = unique_name("durable")
            lam.create_function(FunctionName=name, Runtime="python3.12",
                                Role="arn:aws:iam::000000000000:role/r",
                                Handler="printer.lambda_handler",
                                Code={"ZipFile": python_zip("printer")})
            for _ in range(100):
                if lam.get_function_configuration(FunctionName=name)["State"] == "Active":
                    break
                time.sleep(0.1)
            lam.invoke(FunctionName=name, Payload=json.dumps({"marker": "durable-marker"}))
            s.stop()
            p = serval_logs(s.data_dir, name)
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("durable-marker", p.stdout)
            self.assertIn("REPORT RequestId:", p.stdout)
        finally:
            s.kill()
            s.cleanup()


if __name__ == "__main__":
    unittest.main()
