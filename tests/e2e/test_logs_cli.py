"""CloudWatch Logs through the AWS CLI (issue 14 part 7): v1 on PATH for create-log-group,
create-log-stream, put-log-events, get-log-events, filter-log-events --filter-pattern (which the
CLI auto-paginates), describe-log-groups and describe-log-streams, put-retention-policy, an
error's exit status and text; and Debian's v2 (/usr/bin/aws) for `aws logs tail` of a group written
with PutLogEvents, with and without --follow (ref 2.7).

moto 5.2.1 lacks (marked `deviates`): sorting FilterLogEvents by timestamp across streams (it
groups them by stream).
"""

import json
import os
import subprocess
import threading
import time
import unittest
import uuid

from logs_case import LogsCase, now_ms, stop_follower
from serval_harness import REGION

AWS_V2 = "/usr/bin/aws"


class LogsCliTest(LogsCase):

    def test_cli_v1_round_trip(self):
        group = self.group_name("cli")
        self.addCleanup(self.delete_group_quietly, group)
        self.serval.cli("logs", "create-log-group", "--log-group-name", group, "--tags", "team=cli")
        self.serval.cli("logs", "create-log-stream", "--log-group-name", group,
                 "--log-stream-name", "one")
        self.serval.cli("logs", "create-log-stream", "--log-group-name", group,
                 "--log-stream-name", "two")
        now = now_ms()
        out = self.serval.cli_json("logs", "put-log-events", "--log-group-name", group,
                            "--log-stream-name", "one", "--log-events",
                            f"timestamp={now - 3000},message=ERROR first problem",
                            f"timestamp={now - 1000},message=INFO fine")
        self.assertTrue(out["nextSequenceToken"])
        events_file = os.path.join(self.serval.tmp_root, f"events-{uuid.uuid4().hex}.json")
        with open(events_file, "w") as f:
            json.dump([{"timestamp": now - 2000, "message": "ERROR second problem"},
                       {"timestamp": now - 500, "message": "WARN almost"}], f)
        self.serval.cli("logs", "put-log-events", "--log-group-name", group, "--log-stream-name", "two",
                 "--log-events", f"file://{events_file}")

        got = self.serval.cli_json("logs", "get-log-events", "--log-group-name", group,
                            "--log-stream-name", "one", "--start-from-head")
        self.assertEqual([e["message"] for e in got["events"]],
                         ["ERROR first problem", "INFO fine"])
        self.assertTrue(got["nextForwardToken"] and got["nextBackwardToken"])

        filtered = self.serval.cli_json("logs", "filter-log-events", "--log-group-name", group,
                                 "--filter-pattern", "ERROR")
        self.assertCountEqual([e["message"] for e in filtered["events"]],
                              ["ERROR first problem", "ERROR second problem"])
        with self.deviates("moto: events grouped by stream, not sorted by timestamp"):
            self.assertEqual([e["message"] for e in filtered["events"]],
                             ["ERROR first problem", "ERROR second problem"])
        self.assertEqual({e["logStreamName"] for e in filtered["events"]}, {"one", "two"})
        phrase = self.serval.cli_json("logs", "filter-log-events", "--log-group-name", group,
                               "--filter-pattern", '"second problem"', "--start-time",
                               str(now - 2000), "--end-time", str(now - 2000))
        self.assertEqual([e["message"] for e in phrase["events"]], ["ERROR second problem"])
        # The CLI follows nextToken itself: one output with every event, pages of 1.
        paged = self.serval.cli_json("logs", "filter-log-events", "--log-group-name", group,
                              "--page-size", "1")
        self.assertEqual(len(paged["events"]), 4)

        groups = self.serval.cli_json("logs", "describe-log-groups", "--log-group-name-prefix", group)
        self.assertEqual([g["logGroupName"] for g in groups["logGroups"]], [group])
        streams = self.serval.cli_json("logs", "describe-log-streams", "--log-group-name", group,
                                "--order-by", "LastEventTime", "--descending", "--max-items", "1")
        self.assertEqual([s["logStreamName"] for s in streams["logStreams"]], ["two"])
        self.serval.cli("logs", "put-retention-policy", "--log-group-name", group,
                 "--retention-in-days", "30")
        groups = self.serval.cli_json("logs", "describe-log-groups", "--log-group-name-prefix", group)
        self.assertEqual(groups["logGroups"][0]["retentionInDays"], 30)
        self.assertEqual(self.serval.cli_json("logs", "list-tags-log-group", "--log-group-name",
                                       group)["tags"], {"team": "cli"})

        missing = self.serval.cli("logs", "describe-log-streams", "--log-group-name",
                           self.group_name("missing"), check=False)
        self.assertNotEqual(missing.returncode, 0)
        self.assertIn("ResourceNotFoundException", missing.stderr)
        self.assertIn("The specified log group does not exist.", missing.stderr)
        self.serval.cli("logs", "delete-log-group", "--log-group-name", group)
        self.assertEqual(self.serval.cli_json("logs", "describe-log-groups", "--log-group-name-prefix",
                                       group)["logGroups"], [])

    def aws_v2(self, *args):
        return [AWS_V2, "--endpoint-url", self.serval.endpoint, "--region", REGION,
                *[str(a) for a in args]]

    def test_cli_v2_logs_tail(self):
        group = self.create_group()
        self.create_stream(group, "app")
        marker = uuid.uuid4().hex[:8]
        self.put(group, "app", [(now_ms() - 2000, f"existing {marker}")])
        done = subprocess.run(self.aws_v2("logs", "tail", group, "--format", "short"),
                              capture_output=True, text=True, timeout=60,
                              env=self.serval.cli_env())
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertIn(f"existing {marker}", done.stdout)
        # Default (detailed) format names the stream; --filter-pattern goes to FilterLogEvents.
        done = subprocess.run(self.aws_v2("logs", "tail", group, "--filter-pattern", "nomatch"),
                              capture_output=True, text=True, timeout=60,
                              env=self.serval.cli_env())
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertNotIn(marker, done.stdout)

        proc = subprocess.Popen(self.aws_v2("logs", "tail", group, "--follow"),
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, env=self.serval.cli_env())
        lines, seen = [], threading.Event()

        def reader():
            for raw in iter(proc.stdout.readline, b""):
                lines.append(raw.decode(errors="replace"))
                if f"later {marker}" in lines[-1]:
                    seen.set()

        threading.Thread(target=reader, daemon=True).start()
        try:
            deadline = time.monotonic() + 20
            while not any(f"existing {marker}" in x for x in lines):
                self.assertLess(time.monotonic(), deadline, "".join(lines))
                self.assertIsNone(proc.poll(), "".join(lines))
                time.sleep(0.1)
            self.put(group, "app", [(now_ms(), f"later {marker}")])
            self.assertTrue(seen.wait(12), "".join(lines))
            time.sleep(6)
        finally:
            stop_follower(proc)
        text = "".join(lines)
        self.assertEqual(text.count(f"later {marker}"), 1, text)
        self.assertEqual(text.count(f"existing {marker}"), 1, text)
        self.assertIn(" app ", text)  # detailed format: timestamp, stream, message


if __name__ == "__main__":
    unittest.main()
