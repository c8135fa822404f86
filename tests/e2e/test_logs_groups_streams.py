"""CloudWatch Logs log groups and streams through boto3 (issue 14 parts 1, 6 and 7): Create/
Delete/DescribeLogGroups (tags, name rules, prefix, substring pattern, limit, pagination, the two
ARNs, creationTime, storedBytes, retentionInDays only when set), Create/Delete/DescribeLogStreams
(orderBy, descending, prefix, limit, pagination, the event timestamps), retention policies and
both tag APIs. Expectations: ref 2.1 and 2.2 (see logs_case.py).

moto 5.2.1 lacks (marked `deviates`): the 512-character name limit and the name character rules
for groups; DescribeLogGroups' `logGroupArn`; refusing a limit over 50 and ordering by
LastEventTime together with a prefix; rejecting retention values outside the allowed set;
stream names with ':' or '*'.
"""

import time
import unittest

from logs_case import (
    BAD_TOKEN, GROUP_EXISTS, NAME_TOO_LONG, NO_GROUP, NO_STREAM, PREFIX_AND_PATTERN, RETENTION_DAYS,
    STREAM_EXISTS, LogsCase, group_arn, limit_message, now_ms)
from serval_harness import ACCOUNT, REGION


class LogGroupsTest(LogsCase):

    def test_create_describe_delete(self):
        t0 = now_ms()
        name = self.create_group(tags={"team": "blue", "cost-center": "42"})
        t1 = now_ms()
        group = self.describe_group(name)
        self.assertIsNotNone(group, f"{name} not listed")
        # ref 2.2: `arn` ends in ':*', `logGroupArn` does not.
        self.assertEqual(group["arn"], f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}:*")
        with self.deviates("moto: no logGroupArn"):
            self.assertEqual(group["logGroupArn"], group_arn(name))
        self.assertIsInstance(group["creationTime"], int)
        self.assertGreaterEqual(group["creationTime"], t0 - 2000)
        self.assertLessEqual(group["creationTime"], t1 + 2000)
        self.assertEqual(group["storedBytes"], 0)
        self.assertNotIn("retentionInDays", group)
        self.assertEqual(group["metricFilterCount"], 0)
        self.assertEqual(self.logs.list_tags_log_group(logGroupName=name)["tags"],
                         {"team": "blue", "cost-center": "42"})

        self.logs_error("create_log_group", "ResourceAlreadyExistsException", GROUP_EXISTS,
                        logGroupName=name)
        self.logs.delete_log_group(logGroupName=name)
        self.assertIsNone(self.describe_group(name))
        self.logs_error("delete_log_group", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=name)
        # Deleted names can be created again.
        self.logs.create_log_group(logGroupName=name)
        self.assertIsNotNone(self.describe_group(name))
        with self.deviates("moto: a deleted group's tags come back with its name"):
            self.assertEqual(self.logs.list_tags_log_group(logGroupName=name)["tags"], {})

    def test_group_names(self):
        base = f"ok.{int(time.time() * 1e6)}"
        # Every allowed character ([\.\-_/#A-Za-z0-9]+), and exactly 512 characters.
        for name in (f"/a.b-c_d/E#F9/{base}", base + "x" * (512 - len(base))):
            with self.subTest(name=name[:40]):
                self.create_group(name)
                self.assertIsNotNone(self.describe_group(name))
        with self.deviates("moto: no 512-character limit for log group names"):
            self.logs_error("create_log_group", "InvalidParameterException", NAME_TOO_LONG,
                            logGroupName="a" * 513)
        for bad in ("has space", "colon:inside", "star*", "caf\u00e9", "quote\"", "semi;colon",
                    "back\\slash", "tab\tname"):
            self.addCleanup(self.delete_group_quietly, bad + base)  # if it was created
            with self.subTest(bad=bad), self.deviates("moto: no name character rules"):
                self.logs_error("create_log_group", "InvalidParameterException",
                                logGroupName=bad + base)
                self.assertIsNone(self.describe_group(bad + base))
        # Empty: botocore refuses it itself, so it is sent unvalidated.
        self.addCleanup(self.delete_group_quietly, "")
        with self.deviates("moto: accepts an empty name"):
            self.logs_error("create_log_group", "InvalidParameterException",
                            client=self.logs_novalidate, logGroupName="")

    def test_prefix_and_pattern(self):
        u = f"/serval-e2e/pp{int(time.time() * 1e6)}"
        names = [f"{u}/alpha", f"{u}/alphabet", f"{u}/beta", f"{u}/gamma-alpha"]
        for n in names:
            self.create_group(n)
        by_prefix = [g["logGroupName"] for g in self.describe_groups(logGroupNamePrefix=f"{u}/alpha")]
        self.assertEqual(by_prefix, [f"{u}/alpha", f"{u}/alphabet"])
        self.assertEqual([g["logGroupName"] for g in self.describe_groups(logGroupNamePrefix=u)],
                         names, "groups are listed by name")
        # The pattern is a case-sensitive substring (ref 2.2).
        with self.deviates("moto: logGroupNamePattern is ignored"):
            self.pattern_checks(u)
        with self.deviates("moto: accepts a prefix and a pattern together"):
            self.logs_error("describe_log_groups", "InvalidParameterException",
                            PREFIX_AND_PATTERN, logGroupNamePrefix=u, logGroupNamePattern="alpha")
        # Named groups only, by name or ARN; an unknown one is simply not listed.
        by_identifier = [g["logGroupName"] for g in self.describe_groups(logGroupIdentifiers=[
            f"{u}/beta", f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{u}/alpha:*", f"{u}/missing"])]
        self.assertEqual(by_identifier, [f"{u}/alpha", f"{u}/beta"])
        self.logs_error("describe_log_groups", "InvalidParameterException",
                        logGroupIdentifiers=[f"{u}/beta"], logGroupNamePrefix=u)

    def pattern_checks(self, u):
        by_pattern = [g["logGroupName"]
                      for g in self.describe_groups(logGroupNamePattern=u[1:] + "/alph")]
        self.assertEqual(by_pattern, [f"{u}/alpha", f"{u}/alphabet"])
        by_pattern = [g["logGroupName"] for g in self.describe_groups(logGroupNamePattern=u[3:])
                      if g["logGroupName"].endswith("alpha")]
        self.assertEqual(by_pattern, [f"{u}/alpha", f"{u}/gamma-alpha"])
        self.assertEqual(self.describe_groups(logGroupNamePattern=u[1:] + "/ALPHA"), [])
        for g in self.describe_groups(logGroupNamePattern=u[1:]):
            self.assertEqual(g["arn"], f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:"
                                       f"{g['logGroupName']}:*")
            self.assertIsInstance(g["creationTime"], int)

    def test_limit_and_pagination(self):
        u = f"/serval-e2e/page{int(time.time() * 1e6)}/"
        names = [f"{u}{i:02d}" for i in range(7)]
        for n in names:
            self.create_group(n)
        first = self.logs.describe_log_groups(logGroupNamePrefix=u, limit=3)
        self.assertEqual([g["logGroupName"] for g in first["logGroups"]], names[:3])
        self.assertTrue(first.get("nextToken"), first)
        second = self.logs.describe_log_groups(logGroupNamePrefix=u, limit=3,
                                               nextToken=first["nextToken"])
        self.assertEqual([g["logGroupName"] for g in second["logGroups"]], names[3:6])
        pages = list(self.logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=u, PaginationConfig={"PageSize": 2}))
        seen = [g["logGroupName"] for p in pages for g in p["logGroups"]]
        self.assertEqual(seen, names)
        self.assertGreaterEqual(len(pages), 4)
        self.assertTrue(all(len(p["logGroups"]) <= 2 for p in pages))
        self.assertNotIn("nextToken", pages[-1])
        # limit=1 through every page: each group once.
        seen = [g["logGroupName"] for p in self.logs.get_paginator("describe_log_groups").paginate(
            logGroupNamePrefix=u, PaginationConfig={"PageSize": 1}) for g in p["logGroups"]]
        self.assertEqual(seen, names)
        # 1-50 (ref 2.2); botocore checks only the minimum, so 0 goes unvalidated.
        self.assertEqual(len(self.logs.describe_log_groups(logGroupNamePrefix=u,
                                                           limit=50)["logGroups"]), 7)
        with self.deviates("moto: accepts limit 51"):
            self.logs_error("describe_log_groups", "InvalidParameterException",
                            limit_message(51, 50), logGroupNamePrefix=u, limit=51)
        with self.deviates("moto: accepts limit 0"):
            self.logs_error("describe_log_groups", "InvalidParameterException",
                            client=self.logs_novalidate, logGroupNamePrefix=u, limit=0)
        # The text is recorded for GetLogEvents' token only; assumed to be the same here.
        with self.deviates("moto: accepts a garbled nextToken"):
            self.logs_error("describe_log_groups", "InvalidParameterException", BAD_TOKEN,
                            logGroupNamePrefix=u, nextToken="garbage")

    def test_retention(self):
        name = self.create_group()
        for days in RETENTION_DAYS:
            self.logs.put_retention_policy(logGroupName=name, retentionInDays=days)
            self.assertEqual(self.describe_group(name)["retentionInDays"], days)
        for bad in (2, 4, 10, 366, 3654, 0, -1):
            with self.subTest(days=bad), self.deviates("moto: any retention value is accepted"):
                self.logs_error("put_retention_policy", "InvalidParameterException",
                                client=self.logs_novalidate, logGroupName=name,
                                retentionInDays=bad)
                self.assertEqual(self.describe_group(name)["retentionInDays"], 3653)
        self.logs.delete_retention_policy(logGroupName=name)
        self.assertNotIn("retentionInDays", self.describe_group(name))
        # Deleting it twice is fine; a missing group is not.
        self.logs.delete_retention_policy(logGroupName=name)
        missing = self.group_name("missing")
        self.logs_error("put_retention_policy", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=missing, retentionInDays=7)
        self.logs_error("delete_retention_policy", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=missing)

    def test_tags_both_apis(self):
        name = self.create_group(tags={"a": "1"})
        arn = group_arn(name)
        self.logs.tag_log_group(logGroupName=name, tags={"b": "2", "c": "3"})
        self.assertEqual(self.logs.list_tags_log_group(logGroupName=name)["tags"],
                         {"a": "1", "b": "2", "c": "3"})
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"a": "1", "b": "2", "c": "3"})
        self.logs.tag_resource(resourceArn=arn, tags={"a": "changed", "d": "4"})
        self.assertEqual(self.logs.list_tags_log_group(logGroupName=name)["tags"],
                         {"a": "changed", "b": "2", "c": "3", "d": "4"})
        self.logs.untag_log_group(logGroupName=name, tags=["b"])
        self.logs.untag_resource(resourceArn=arn, tagKeys=["c", "not-there"])
        self.assertEqual(self.logs.list_tags_for_resource(resourceArn=arn)["tags"],
                         {"a": "changed", "d": "4"})
        self.assertEqual(self.logs.list_tags_log_group(logGroupName=name)["tags"],
                         {"a": "changed", "d": "4"})
        missing = self.group_name("missing")
        self.logs_error("list_tags_log_group", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=missing)
        self.logs_error("tag_log_group", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=missing, tags={"x": "y"})
        with self.deviates("moto: TagResource/ListTagsForResource accept a missing group"):
            self.logs_error("list_tags_for_resource", "ResourceNotFoundException",
                            resourceArn=group_arn(missing))
            self.logs_error("tag_resource", "ResourceNotFoundException",
                            resourceArn=group_arn(missing), tags={"x": "y"})


class LogStreamsTest(LogsCase):

    def test_create_describe_delete(self):
        group = self.create_group()
        t0 = now_ms()
        stream = self.create_stream(group, "2024/01/01/[$LATEST]0123456789abcdef")
        t1 = now_ms()
        streams = self.logs.describe_log_streams(logGroupName=group)["logStreams"]
        self.assertEqual(len(streams), 1, streams)
        s = streams[0]
        self.assertEqual(s["logStreamName"], stream)
        self.assertEqual(s["arn"], f"{group_arn(group)}:log-stream:{stream}")
        self.assertGreaterEqual(s["creationTime"], t0 - 2000)
        self.assertLessEqual(s["creationTime"], t1 + 2000)
        self.assertEqual(s["storedBytes"], 0)
        for absent in ("firstEventTimestamp", "lastEventTimestamp", "lastIngestionTime"):
            self.assertNotIn(absent, s)

        response = self.logs_error("create_log_stream", "ResourceAlreadyExistsException",
                                   logGroupName=group, logStreamName=stream)
        with self.deviates("moto: says 'log group' for an existing stream"):
            self.assert_logs_error(response, "ResourceAlreadyExistsException", STREAM_EXISTS)
        self.logs_error("create_log_stream", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=self.group_name("missing"), logStreamName="s")
        self.logs_error("describe_log_streams", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=self.group_name("missing"))
        with self.deviates("moto: no stream name length limit"):
            self.logs_error("create_log_stream", "InvalidParameterException", NAME_TOO_LONG,
                            logGroupName=group, logStreamName="s" * 513)
        for bad in ("with:colon", "with*star"):
            with self.subTest(bad=bad), self.deviates("moto: stream names with ':' or '*'"):
                self.logs_error("create_log_stream", "InvalidParameterException",
                                logGroupName=group, logStreamName=bad)
                self.assertNotIn(bad, [x["logStreamName"] for x in self.describe_streams(group)])
        # 512 characters are fine.
        self.create_stream(group, "s" * 512)

        self.logs.delete_log_stream(logGroupName=group, logStreamName=stream)
        names = [x["logStreamName"] for x in self.describe_streams(group)]
        self.assertNotIn(stream, names)
        self.assertIn("s" * 512, names)
        response = self.logs_error("delete_log_stream", "ResourceNotFoundException",
                                   logGroupName=group, logStreamName=stream)
        with self.deviates("moto: says 'log group' for a missing stream"):
            self.assert_logs_error(response, "ResourceNotFoundException", NO_STREAM)
        self.logs_error("delete_log_stream", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=self.group_name("missing"), logStreamName=stream)
        # Deleting the group deletes its streams.
        self.logs.delete_log_group(logGroupName=group)
        self.logs_error("describe_log_streams", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=group)

    def test_event_timestamps(self):
        group = self.create_group()
        stream = self.create_stream(group)
        now = now_ms()
        t_put0 = now_ms()
        self.put(group, stream, [(now - 5000, "first"), (now - 3000, "second")])
        self.put(group, stream, [(now - 4000, "older than the last, a separate batch")])
        t_put1 = now_ms()
        s = self.logs.describe_log_streams(logGroupName=group)["logStreams"][0]
        self.assertEqual(s["firstEventTimestamp"], now - 5000)
        self.assertEqual(s["lastEventTimestamp"], now - 3000)
        self.assertGreaterEqual(s["lastIngestionTime"], t_put0 - 2000)
        self.assertLessEqual(s["lastIngestionTime"], t_put1 + 2000)
        with self.deviates("moto: counts a stream's storedBytes"):
            self.assertEqual(s["storedBytes"], 0, "always 0 for streams (ref 2.2)")

    def test_order_prefix_limit_pagination(self):
        group = self.create_group()
        names = ["app-a", "app-b", "app-c", "web-1", "web-2"]
        for n in names:
            self.create_stream(group, n)
        now = now_ms()
        # Last event times: app-b < web-1 < app-c < web-2 < app-a.
        for i, n in enumerate(["app-b", "web-1", "app-c", "web-2", "app-a"]):
            self.put(group, n, [(now - 10_000 + i * 1000, f"event of {n}")])

        def listed(**kw):
            return [s["logStreamName"] for s in self.describe_streams(group, **kw)]

        self.assertEqual(listed(), names)
        self.assertEqual(listed(orderBy="LogStreamName"), names)
        self.assertEqual(listed(descending=True), names[::-1])
        self.assertEqual(listed(orderBy="LastEventTime"),
                         ["app-b", "web-1", "app-c", "web-2", "app-a"])
        self.assertEqual(listed(orderBy="LastEventTime", descending=True),
                         ["app-a", "web-2", "app-c", "web-1", "app-b"])
        latest = self.logs.describe_log_streams(logGroupName=group, orderBy="LastEventTime",
                                                descending=True, limit=1)
        self.assertEqual([s["logStreamName"] for s in latest["logStreams"]], ["app-a"])
        self.assertTrue(latest.get("nextToken"))
        self.assertEqual(listed(logStreamNamePrefix="app-"), ["app-a", "app-b", "app-c"])
        self.assertEqual(listed(logStreamNamePrefix="web-", descending=True), ["web-2", "web-1"])
        self.assertEqual(listed(logStreamNamePrefix="nothing"), [])
        # A prefix cannot be combined with orderBy LastEventTime (ref 2.2).
        with self.deviates("moto: accepts a prefix with orderBy LastEventTime"):
            self.logs_error("describe_log_streams", "InvalidParameterException",
                            logGroupName=group, logStreamNamePrefix="app-",
                            orderBy="LastEventTime")

        pages = list(self.logs.get_paginator("describe_log_streams").paginate(
            logGroupName=group, PaginationConfig={"PageSize": 2}))
        self.assertEqual([s["logStreamName"] for p in pages for s in p["logStreams"]], names)
        self.assertGreaterEqual(len(pages), 3)
        self.assertNotIn("nextToken", pages[-1])
        pages = list(self.logs.get_paginator("describe_log_streams").paginate(
            logGroupName=group, orderBy="LastEventTime", descending=True,
            PaginationConfig={"PageSize": 2}))
        self.assertEqual([s["logStreamName"] for p in pages for s in p["logStreams"]],
                         ["app-a", "web-2", "app-c", "web-1", "app-b"])
        with self.deviates("moto: accepts limit 51"):
            self.logs_error("describe_log_streams", "InvalidParameterException",
                            limit_message(51, 50), logGroupName=group, limit=51)
        with self.deviates("moto: accepts limit 0"):
            self.logs_error("describe_log_streams", "InvalidParameterException",
                            client=self.logs_novalidate, logGroupName=group, limit=0)


if __name__ == "__main__":
    unittest.main()
