"""CloudWatch Logs retention enforced in the background (issue 14 part 1), on the simulated
clock: a group's PutRetentionPolicy makes events older than the retention invisible at once and
deletes the streams whose newest event expired; other groups keep theirs; a group without a
policy keeps everything; DeleteRetentionPolicy keeps what remains."""

from __future__ import annotations

import json
import unittest

from serval_harness import ServalProcess, unique_name

DAY_SECONDS = 24 * 3600


class LogsRetentionTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.serval = ServalProcess(extra_args=["--simulated-clock"]).start()
        cls.logs = cls.serval.client("logs")

    @classmethod
    def tearDownClass(cls):
        cls.serval.kill()
        cls.serval.cleanup()

    def advance(self, seconds) -> int:
        status, _, body = self.serval.raw("POST", f"/_serval/clock/advance?seconds={seconds}",
                                          sign=False)
        self.assertEqual(status, 200, body)
        return json.loads(body)["now"]

    def group_with_stream(self, stream, timestamp, message):
        group = unique_name("/retention/g")
        self.logs.create_log_group(logGroupName=group)
        self.logs.create_log_stream(logGroupName=group, logStreamName=stream)
        self.logs.put_log_events(logGroupName=group, logStreamName=stream,
                                 logEvents=[{"timestamp": timestamp, "message": message}])
        return group

    def streams(self, group):
        return [s["logStreamName"]
                for s in self.logs.describe_log_streams(logGroupName=group)["logStreams"]]

    def messages(self, group):
        return [e["message"] for e in self.logs.filter_log_events(logGroupName=group)["events"]]

    def test_expired_streams_go_and_others_stay(self):
        now = self.advance(0)
        kept_policy = self.group_with_stream("old", now, "old event")
        self.logs.create_log_stream(logGroupName=kept_policy, logStreamName="fresh")
        no_policy = self.group_with_stream("old", now, "kept forever")
        self.logs.put_retention_policy(logGroupName=kept_policy, retentionInDays=1)

        now = self.advance(2 * DAY_SECONDS)
        self.logs.put_log_events(logGroupName=kept_policy, logStreamName="fresh",
                                 logEvents=[{"timestamp": now, "message": "new event"}])
        # The old event is past the retention: not returned, and its stream is deleted by the
        # sweep the clock's move ran.
        self.assertEqual(self.messages(kept_policy), ["new event"])
        self.assertEqual(self.streams(kept_policy), ["fresh"])
        self.assertEqual(self.messages(no_policy), ["kept forever"])
        self.assertEqual(self.streams(no_policy), ["old"])

        self.logs.delete_retention_policy(logGroupName=kept_policy)
        self.advance(400 * DAY_SECONDS)
        self.assertEqual(self.messages(kept_policy), ["new event"])
        self.assertEqual(self.streams(kept_policy), ["fresh"])

    def test_get_log_events_hides_expired_events(self):
        now = self.advance(0)
        group = self.group_with_stream("s", now, "first")
        self.logs.put_retention_policy(logGroupName=group, retentionInDays=3)
        now = self.advance(2 * DAY_SECONDS)
        self.logs.put_log_events(logGroupName=group, logStreamName="s",
                                 logEvents=[{"timestamp": now, "message": "second"}])
        self.advance(2 * DAY_SECONDS)
        # "first" is 4 days old, past the 3 days; "second" 2 days: the stream stays.
        got = self.logs.get_log_events(logGroupName=group, logStreamName="s",
                                       startFromHead=True)
        self.assertEqual([e["message"] for e in got["events"]], ["second"])
        self.assertEqual(self.streams(group), ["s"])


if __name__ == "__main__":
    unittest.main()
