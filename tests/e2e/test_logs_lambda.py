"""Functions' own log groups through the CloudWatch Logs API (issue 14 parts 1 and 7; serval
only: skipped when the endpoint is not serval, e.g. moto_server, which runs no functions here).

A function's group /aws/lambda/NAME exists as soon as CreateFunction returns; its START, END and
REPORT lines (1 ms billing granularity) and its own output are readable with FilterLogEvents, with
the request ids the invokes returned; DescribeLogStreams orderBy LastEventTime names the newest
stream; `aws logs tail` (Debian's AWS CLI v2 at /usr/bin/aws; the CLI v1 on PATH has no `tail`,
ref 2.7) prints existing lines and, with --follow, a line written after it started within its 5 s
poll; and deleting the function keeps its group, as AWS does.
"""

import re
import subprocess
import threading
import time
import unittest
import uuid

from logs_case import LogsCase, stop_follower
from serval_harness import REGION, InvocationLog, python_zip, unique_name

AWS_V2 = "/usr/bin/aws"


class FunctionLogGroupTest(LogsCase):

    def setUp(self):
        self.skip_unless_serval("functions' log groups")

    def printer(self):
        name = unique_name("logfn")
        self.create_function(name, python_zip("printer"), handler="printer.lambda_handler")
        return name, f"/aws/lambda/{name}"

    def invoke_printer(self, name, marker):
        resp, body = self.invoke(name, {"marker": marker})
        self.assertNotIn("FunctionError", resp, body)
        rid = resp["ResponseMetadata"]["RequestId"]
        return rid

    def wait_events(self, group, pattern, count, timeout=15):
        """FilterLogEvents with `pattern` once it returns `count` events (then once more after a
        moment, so that extra ones show)."""
        deadline = time.monotonic() + timeout
        while True:
            events, _ = self.filter_all(group, filterPattern=pattern)
            if len(events) >= count:
                time.sleep(0.5)
                return self.filter_all(group, filterPattern=pattern)[0]
            if time.monotonic() > deadline:
                self.fail(f"{len(events)} of {count} {pattern!r} events after {timeout}s: "
                          f"{events}")
            time.sleep(0.2)

    def test_group_exists_before_any_invoke(self):
        t0 = int(time.time() * 1000)
        name, group = self.printer()
        found = self.describe_group(group)
        self.assertIsNotNone(found, f"{group} not listed right after CreateFunction")
        self.assertGreaterEqual(found["creationTime"], t0 - 2000)
        self.assertEqual(found["arn"], f"arn:aws:logs:{REGION}:000000000000:log-group:{group}:*")
        self.assertIn(group, [g["logGroupName"]
                              for g in self.describe_groups(logGroupNamePrefix="/aws/lambda/")])
        self.assertEqual(self.filter_all(group)[0], [])

    def test_report_start_end_and_output_lines(self):
        name, group = self.printer()
        n = 3
        markers = [f"mark-{uuid.uuid4().hex[:8]}" for _ in range(n)]
        rids = [self.invoke_printer(name, m) for m in markers]

        reports = self.wait_events(group, "REPORT", n)
        self.assertEqual(len(reports), n, [e["message"] for e in reports])
        seen = []
        for e in reports:
            m = InvocationLog.REPORT_RE.search(e["message"])
            self.assertIsNotNone(m, repr(e["message"]))
            seen.append(m.group("id"))
            self.assertGreaterEqual(int(m.group("billed")), 1)
            # 1 ms granularity: billed = ceil(duration), the duration being printed rounded to
            # 0.01 ms.
            billed, duration = int(m.group("billed")), float(m.group("duration"))
            self.assertGreaterEqual(billed, duration - 0.005, e["message"])
            self.assertLess(billed, max(1.0, duration) + 1.005, e["message"])
            self.assertEqual(m.group("memory"), "128")
            self.assertIn("Max Memory Used: ", e["message"])
            self.assertRegex(e["message"], r"\tBilled Duration: \d+ ms\t")
        self.assertEqual(sorted(seen), sorted(rids))

        starts = self.wait_events(group, '"START RequestId"', n)
        self.assertEqual(sorted(re.search(r"START RequestId: (\S+)", e["message"]).group(1)
                                for e in starts), sorted(rids))
        for e in starts:
            self.assertRegex(e["message"], r"^START RequestId: \S+ Version: \$LATEST")
        ends = self.wait_events(group, '"END RequestId"', n)
        self.assertEqual(sorted(e["message"].split()[2] for e in ends), sorted(rids))
        printed = self.wait_events(group, '"printed-line"', n)
        self.assertEqual([e["message"].split()[1] for e in printed], markers)
        for marker in markers:
            self.assertEqual(len(self.wait_events(group, f'"stderr-line {marker}"', 1)), 1)
        # Per invocation: START, output, END, REPORT in that order within its stream.
        everything = self.filter_all(group)[0]
        for rid, marker in zip(rids, markers):
            texts = [e["message"] for e in everything]
            i_start = next(i for i, t in enumerate(texts) if t.startswith(f"START RequestId: {rid}"))
            i_out = next(i for i, t in enumerate(texts) if f"printed-line {marker}" in t)
            i_end = next(i for i, t in enumerate(texts) if t.startswith(f"END RequestId: {rid}"))
            i_rep = next(i for i, t in enumerate(texts) if t.startswith(f"REPORT RequestId: {rid}"))
            self.assertLess(i_start, i_out)
            self.assertLess(i_out, i_end)
            self.assertLess(i_end, i_rep)

    def test_newest_stream_and_stream_names(self):
        name, group = self.printer()
        rid = None
        for i in range(2):
            rid = self.invoke_printer(name, f"newest-{i}")
        reports = self.wait_events(group, "REPORT", 2)
        last_stream = next(e["logStreamName"] for e in reports if rid in e["message"])
        newest = self.logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime",
                                                descending=True, limit=1)["logStreams"]
        self.assertEqual([s["logStreamName"] for s in newest], [last_stream])
        self.assertRegex(last_stream, r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\][0-9a-f]{32}$")
        s = newest[0]
        self.assertLessEqual(s["firstEventTimestamp"], s["lastEventTimestamp"])
        self.assertEqual(s["lastEventTimestamp"],
                         max(e["timestamp"] for e in self.filter_all(
                             group, logStreamNames=[last_stream])[0]))
        # GetLogEvents reads the same stream.
        messages = self.get_messages(group, last_stream)
        self.assertTrue(any(m.startswith(f"REPORT RequestId: {rid}") for m in messages))

    def aws_v2(self, *args):
        return [AWS_V2, "--endpoint-url", self.serval.endpoint, "--region", REGION,
                *[str(a) for a in args]]

    def test_aws_logs_tail(self):
        name, group = self.printer()
        marker = f"tail-{uuid.uuid4().hex[:8]}"
        rid = self.invoke_printer(name, marker)
        self.wait_events(group, "REPORT", 1)
        done = subprocess.run(self.aws_v2("logs", "tail", group), capture_output=True, text=True,
                              timeout=60, env=self.serval.cli_env())
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"printed-line {marker}", done.stdout)
        self.assertIn(f"REPORT RequestId: {rid}", done.stdout)
        self.assertEqual(done.stdout.count(f"printed-line {marker}"), 1, done.stdout)

    def test_aws_logs_tail_follow_shows_new_lines(self):
        name, group = self.printer()
        self.invoke_printer(name, "before-follow")
        proc = subprocess.Popen(self.aws_v2("logs", "tail", group, "--follow"),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=self.serval.cli_env())
        lines, marker = [], f"follow-{uuid.uuid4().hex[:8]}"
        seen_before, seen_after = threading.Event(), threading.Event()

        def reader():
            for raw in iter(proc.stdout.readline, b""):
                line = raw.decode(errors="replace")
                lines.append(line)
                if "printed-line before-follow" in line:
                    seen_before.set()
                if f"printed-line {marker}" in line:
                    seen_after.set()

        t = threading.Thread(target=reader, daemon=True)
        t.start()
        try:
            self.assertTrue(seen_before.wait(20), "tail --follow did not print the existing "
                            "lines:\n" + "".join(lines))
            self.assertIsNone(proc.poll(), "".join(lines))
            t0 = time.monotonic()
            self.invoke_printer(name, marker)
            self.assertTrue(seen_after.wait(12), "tail --follow did not print the new line "
                            "within 12 s:\n" + "".join(lines))
            self.assertLess(time.monotonic() - t0, 12.5)
            time.sleep(6)  # one more poll: nothing printed twice (it de-duplicates on eventId)
        finally:
            stop_follower(proc)
        text = "".join(lines)
        self.assertEqual(text.count(f"printed-line {marker}"), 1, text)
        self.assertEqual(text.count("printed-line before-follow"), 1, text)
        self.assertNotIn("Traceback", text)

    def test_deleting_the_function_keeps_its_group(self):
        name, group = self.printer()
        rid = self.invoke_printer(name, "kept-after-delete")
        self.wait_events(group, "REPORT", 1)
        self.lam.delete_function(FunctionName=name)
        self.assertIsNotNone(self.describe_group(group))
        self.assertIn(f"REPORT RequestId: {rid}",
                      "\n".join(e["message"] for e in self.filter_all(group)[0]))
        # Creating it again reuses the group.
        self.create_function(name, python_zip("printer"), handler="printer.lambda_handler")
        self.assertIsNotNone(self.describe_group(group))
        self.logs.delete_log_group(logGroupName=group)


if __name__ == "__main__":
    unittest.main()
