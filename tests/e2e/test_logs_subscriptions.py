"""CloudWatch Logs subscription filters with a Lambda destination (issue 14 parts 2, 6 and 7).

SubscriptionFiltersApiTest (runs against any endpoint): Put/Describe/DeleteSubscriptionFilter,
same name = update, a third filter refused, missing group/filter, and the destination checks:
the function must exist and let CloudWatch Logs (logs.amazonaws.com or logs.REGION.amazonaws.com,
SourceArn matching the group when given) invoke it (ref 2.6).

SubscriptionDeliveryTest (serval only): a forwarder function (fixtures/python/logs_forwarder.py)
records every delivery into S3; it receives a CONTROL_MESSAGE when the filter is created, then
{"awslogs": {"data": base64(gzip(JSON))}} DATA_MESSAGEs with owner, logGroup, logStream,
subscriptionFilters and only the matching logEvents, whose ids are FilterLogEvents' eventIds, in
order per stream; subscribed to its own group it does not feed itself forever; and events written
before a kill -9 are delivered after the restart.

moto 5.2.1 lacks (marked `deviates`): the permission check (it accepts a function that does not let
CloudWatch Logs invoke it), AWS's AccessDeniedException for another account's function,
updating `distribution` and filterNamePrefix; it does not deliver (the delivery class is skipped
there).
"""

import contextlib
import json
import time
import unittest
import uuid

from logs_case import (
    CROSS_ACCOUNT, LIMIT_EXCEEDED, NO_FILTER, NO_GROUP, NO_LAMBDA_PERMISSION, LogsCase, group_arn,
    now_ms)
from serval_harness import (
    ACCOUNT, EXTERNAL_ENDPOINT, REGION, ROLE, endpoint_is_serval, function_arn, python_zip,
    unique_name)


class SubscriptionFiltersApiTest(LogsCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if not endpoint_is_serval(cls.serval.endpoint):
            # A peer such as moto_server wants the functions' role to exist in its IAM.
            iam = cls.serval.client("iam")
            with contextlib.suppress(iam.exceptions.EntityAlreadyExistsException):
                iam.create_role(RoleName=ROLE.rsplit("/", 1)[1],
                                AssumeRolePolicyDocument=json.dumps({
                                    "Version": "2012-10-17", "Statement": [{
                                        "Effect": "Allow", "Action": "sts:AssumeRole",
                                        "Principal": {"Service": "lambda.amazonaws.com"}}]}))

    def destination(self, **permission):
        """A function CloudWatch Logs may invoke when `permission` (add_permission's Principal,
        SourceArn, ...) is given."""
        name = unique_name("dest")
        self.create_function(name)
        if permission:
            self.lam.add_permission(FunctionName=name, StatementId="logs",
                                    Action="lambda:InvokeFunction", **permission)
        return function_arn(name)

    def test_put_describe_update_delete(self):
        group = self.create_group()
        dest = self.destination(Principal="logs.amazonaws.com")
        self.assertEqual(self.filters(group), [])
        t0 = now_ms()
        self.logs.put_subscription_filter(logGroupName=group, filterName="first",
                                          filterPattern="ERROR", destinationArn=dest)
        [f] = self.filters(group)
        self.assertEqual({k: f[k] for k in ("filterName", "logGroupName", "filterPattern",
                                            "destinationArn")},
                         {"filterName": "first", "logGroupName": group, "filterPattern": "ERROR",
                          "destinationArn": dest})
        self.assertEqual(f["distribution"], "ByLogStream")
        self.assertGreaterEqual(f["creationTime"], t0 - 2000)
        self.assertNotIn("roleArn", f)
        # The same name updates it.
        self.logs.put_subscription_filter(logGroupName=group, filterName="first",
                                          filterPattern="", destinationArn=dest,
                                          distribution="Random")
        [f] = self.filters(group)
        self.assertEqual((f["filterName"], f["filterPattern"]), ("first", ""))
        with self.deviates("moto: distribution is not updated"):
            self.assertEqual(f["distribution"], "Random")
        # Two per group; the third is refused [recorded].
        self.logs.put_subscription_filter(logGroupName=group, filterName="second",
                                          filterPattern='{ $.level = "error" }',
                                          destinationArn=dest)
        self.assertEqual([x["filterName"] for x in self.filters(group)], ["first", "second"])
        self.logs_error("put_subscription_filter", "LimitExceededException", LIMIT_EXCEEDED,
                        logGroupName=group, filterName="third", filterPattern="",
                        destinationArn=dest)
        with self.deviates("moto: filterNamePrefix is ignored"):
            self.assertEqual([x["filterName"]
                              for x in self.filters(group, filterNamePrefix="sec")], ["second"])
        self.assertEqual(len(self.filters(group)), 2)
        # Delete.
        self.logs.delete_subscription_filter(logGroupName=group, filterName="first")
        self.assertEqual([x["filterName"] for x in self.filters(group)], ["second"])
        self.logs_error("delete_subscription_filter", "ResourceNotFoundException", NO_FILTER,
                        logGroupName=group, filterName="first")
        # Now a new one fits again.
        self.logs.put_subscription_filter(logGroupName=group, filterName="third",
                                          filterPattern="", destinationArn=dest)
        self.assertEqual([x["filterName"] for x in self.filters(group)], ["second", "third"])
        # Deleting the group deletes its filters.
        self.logs.delete_log_group(logGroupName=group)
        self.logs_error("describe_subscription_filters", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=group)

    def test_missing_group(self):
        dest = self.destination(Principal="logs.amazonaws.com")
        missing = self.group_name("missing")
        self.logs_error("describe_subscription_filters", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=missing)
        self.logs_error("delete_subscription_filter", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=missing, filterName="f")
        # [assumed] with a valid destination (AWS was recorded only with a foreign one).
        self.logs_error("put_subscription_filter", "ResourceNotFoundException", NO_GROUP,
                        logGroupName=missing, filterName="f", filterPattern="",
                        destinationArn=dest)

    def test_destination_must_exist_and_allow_logs(self):
        group = self.create_group()

        def refused(dest, code="InvalidParameterException", message=NO_LAMBDA_PERMISSION):
            self.logs_error("put_subscription_filter", code, message, logGroupName=group,
                            filterName="f", filterPattern="", destinationArn=dest)
            self.assertEqual(self.filters(group), [])

        # A function of this account that does not exist [reported; moto's text too].
        refused(function_arn(unique_name("nosuchfn")))
        # Another account's function that does not exist [recorded].
        with self.deviates("moto: its own text for another account's function"):
            refused("arn:aws:lambda:us-east-1:123456789012:function:not-existing",
                    "AccessDeniedException", CROSS_ACCOUNT)
        with self.deviates("moto: no permission check"):
            # No permission at all, a permission for another service, one for another group.
            refused(self.destination())
            refused(self.destination(Principal="s3.amazonaws.com"))
            refused(self.destination(Principal="logs.amazonaws.com",
                                     SourceArn=group_arn(self.group_name("other")) + ":*"))
        # Accepted: either principal form, with or without a SourceArn naming this group.
        for permission in ({"Principal": "logs.amazonaws.com"},
                           {"Principal": f"logs.{REGION}.amazonaws.com"},
                           {"Principal": f"logs.{REGION}.amazonaws.com",
                            "SourceArn": group_arn(group) + ":*", "SourceAccount": ACCOUNT}):
            with self.subTest(permission=permission):
                dest = self.destination(**permission)
                self.logs.put_subscription_filter(logGroupName=group, filterName="f",
                                                  filterPattern="", destinationArn=dest)
                self.assertEqual([x["destinationArn"] for x in self.filters(group)], [dest])


class SubscriptionDeliveryTest(LogsCase):
    """Delivery to a real forwarder function (serval only)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.s3 = cls.serval.client("s3")

    def setUp(self):
        self.skip_unless_serval("subscription delivery runs functions")
        self.bucket = f"fwd-{uuid.uuid4().hex[:12]}"
        self.s3.create_bucket(Bucket=self.bucket)

    def forwarder(self, name=None):
        """The recording forwarder, which CloudWatch Logs may invoke."""
        name = name or unique_name("fwd")
        self.create_function(name, python_zip("logs_forwarder"),
                             handler="logs_forwarder.lambda_handler", Timeout=30,
                             Environment={"Variables": {"RECORD_BUCKET": self.bucket}})
        self.lam.add_permission(FunctionName=name, StatementId="logs",
                                Action="lambda:InvokeFunction",
                                Principal=f"logs.{REGION}.amazonaws.com")
        return name

    def deliveries(self):
        """Every recorded delivery so far, in the order the forwarder received them."""
        out = []
        for item in self.s3.list_objects_v2(Bucket=self.bucket).get("Contents", []):
            out.append(json.loads(self.s3.get_object(Bucket=self.bucket,
                                                     Key=item["Key"])["Body"].read()))
        return sorted(out, key=lambda r: r["received_ns"])

    def wait_for(self, what, predicate, timeout=30):
        deadline = time.monotonic() + timeout
        while True:
            got = self.deliveries()
            if predicate(got):
                return got
            if time.monotonic() > deadline:
                self.fail(f"{what}: not delivered within {timeout}s; got "
                          f"{json.dumps([d['payload'] for d in got])[:3000]}\n"
                          + self.serval.log_tail(3000))
            time.sleep(0.25)

    @staticmethod
    def data_events(deliveries):
        return [(d["payload"]["logStream"], e) for d in deliveries
                if d["payload"]["messageType"] == "DATA_MESSAGE"
                for e in d["payload"]["logEvents"]]

    def subscribe(self, group, forwarder, name="fwd", pattern=""):
        self.logs.put_subscription_filter(logGroupName=group, filterName=name,
                                          filterPattern=pattern,
                                          destinationArn=function_arn(forwarder))
        # A CONTROL_MESSAGE first, before anything is written (issue 14 part 2).
        got = self.wait_for("CONTROL_MESSAGE", lambda ds: any(
            d["payload"]["messageType"] == "CONTROL_MESSAGE" for d in ds))
        control = [d for d in got if d["payload"]["messageType"] == "CONTROL_MESSAGE"]
        self.assertEqual(control[0]["event_keys"], ["awslogs"])
        self.assertEqual(control[0]["awslogs_keys"], ["data"])
        return control

    def check_data_message(self, d, group, filter_name):
        p = d["payload"]
        self.assertEqual(d["event_keys"], ["awslogs"])
        self.assertEqual(d["awslogs_keys"], ["data"])
        self.assertEqual(set(p), {"messageType", "owner", "logGroup", "logStream",
                                  "subscriptionFilters", "logEvents"}, p)
        self.assertEqual(p["owner"], ACCOUNT)
        self.assertEqual(p["logGroup"], group)
        self.assertEqual(p["subscriptionFilters"], [filter_name])
        self.assertTrue(p["logEvents"], "a DATA_MESSAGE without events")
        for e in p["logEvents"]:
            self.assertEqual(set(e), {"id", "timestamp", "message"}, e)
            self.assertRegex(e["id"], r"^\d+$")
            self.assertIsInstance(e["timestamp"], int)
        # In order within a delivery.
        stamps = [e["timestamp"] for e in p["logEvents"]]
        self.assertEqual(stamps, sorted(stamps))

    def test_function_log_lines_are_delivered_with_filter_event_ids(self):
        src = unique_name("src")
        self.create_function(src, python_zip("printer"), handler="printer.lambda_handler")
        group = f"/aws/lambda/{src}"
        fwd = self.forwarder()
        control = self.subscribe(group, fwd, "reports", "REPORT")
        self.assertLessEqual(len(control), 1, "one CONTROL_MESSAGE per filter creation")
        rids = []
        for i in range(3):
            resp, body = self.invoke(src, {"marker": f"delivered-{i}"})
            self.assertNotIn("FunctionError", resp, body)
            rids.append(resp["ResponseMetadata"]["RequestId"])
        got = self.wait_for("3 REPORT lines", lambda ds: len(self.data_events(ds)) >= 3)
        time.sleep(2)  # anything extra would show now
        got = self.deliveries()
        data = [d for d in got if d["payload"]["messageType"] == "DATA_MESSAGE"]
        streams = {s["logStreamName"] for s in self.describe_streams(group)}
        for d in data:
            self.check_data_message(d, group, "reports")
            self.assertIn(d["payload"]["logStream"], streams)
        events = self.data_events(got)
        # Only the matching lines, each once, the three invocations'.
        self.assertEqual(len(events), 3, [e["message"] for _, e in events])
        self.assertTrue(all(e["message"].startswith("REPORT RequestId: ") for _, e in events))
        self.assertEqual(sorted(e["message"].split()[2] for _, e in events), sorted(rids))
        # ids are FilterLogEvents' eventIds.
        filtered = {(e["logStreamName"], e["timestamp"], e["message"]): e["eventId"]
                    for e in self.filter_all(group, filterPattern="REPORT")[0]}
        for stream, e in events:
            self.assertEqual(filtered.get((stream, e["timestamp"], e["message"])), e["id"], e)

    def test_order_per_stream_and_pattern(self):
        group = self.create_group()
        for s in ("s1", "s2"):
            self.create_stream(group, s)
        fwd = self.forwarder()
        self.subscribe(group, fwd, "odd-only", "odd")
        base = now_ms() - 60_000
        expected = {"s1": [], "s2": []}
        for batch in range(5):
            for s in ("s1", "s2"):
                events = []
                for k in range(20):
                    n = batch * 20 + k
                    parity = "odd" if n % 2 else "even"
                    events.append((base + n * 10, f"{s} #{n:03d} {parity}"))
                    if n % 2:
                        expected[s].append(f"{s} #{n:03d} {parity}")
                self.put(group, s, events)
        got = self.wait_for("100 odd events", lambda ds: len(self.data_events(ds)) >= 100)
        time.sleep(2)
        got = self.deliveries()
        for d in got:
            if d["payload"]["messageType"] == "DATA_MESSAGE":
                self.check_data_message(d, group, "odd-only")
        per_stream = {"s1": [], "s2": []}
        for stream, e in self.data_events(got):
            per_stream[stream].append(e["message"])
        self.assertEqual(per_stream, expected)

    def test_forwarder_subscribed_to_its_own_group_does_not_loop(self):
        # AWS accepts such a filter and then invokes the forwarder forever (each delivery logs
        # START/END/REPORT lines that make the next). Serval detects the loop, directly or
        # through another group's filter, and refuses the filter saying why.
        name = unique_name("selffwd")
        fwd = self.forwarder(name)
        group = f"/aws/lambda/{fwd}"
        self.logs_error("put_subscription_filter", "InvalidParameterException",
                        message_contains="forever", logGroupName=group, filterName="self",
                        filterPattern="", destinationArn=function_arn(fwd))
        self.assertEqual(self.filters(group), [])
        # A cycle through two groups: fwd's group -> other, then other's group -> fwd.
        other = self.forwarder(unique_name("otherfwd"))
        self.logs.put_subscription_filter(logGroupName=group, filterName="to-other",
                                          filterPattern="", destinationArn=function_arn(other))
        self.logs_error("put_subscription_filter", "InvalidParameterException",
                        message_contains="forever", logGroupName=f"/aws/lambda/{other}",
                        filterName="back", filterPattern="", destinationArn=function_arn(fwd))
        # The accepted filter delivers a bounded number of times.
        self.invoke(fwd, {"hello": "self"})

        def invocations():
            return len(self.filter_all(f"/aws/lambda/{other}",
                                       filterPattern='"START RequestId"')[0])

        time.sleep(6)
        first = invocations()
        time.sleep(4)
        self.assertEqual(first, invocations(), "deliveries keep invoking")
        self.assertLessEqual(first, 4)

    def test_events_written_before_kill_9_are_delivered(self):
        if EXTERNAL_ENDPOINT:
            self.skipTest("kills serval")
        group = self.create_group(cleanup=False)
        stream = self.create_stream(group)
        fwd = self.forwarder()
        self.subscribe(group, fwd)
        marker = f"before-kill-{uuid.uuid4().hex[:8]}"
        self.put(group, stream, [(now_ms() - 1000 + i, f"{marker} {i}") for i in range(5)])
        self.serval.kill()  # SIGKILL, at once after the 200
        self.serval.start()
        cls = type(self)
        cls.logs = self.serval.client("logs")
        cls.logs_novalidate = self.serval.client("logs", validate=False)
        cls.lam = self.serval.client()
        cls.s3 = self.serval.client("s3")
        got = self.wait_for("events written before kill -9", lambda ds: {
            e["message"] for _, e in self.data_events(ds)} >= {f"{marker} {i}" for i in range(5)},
            timeout=45)
        messages = [e["message"] for _, e in self.data_events(got) if marker in e["message"]]
        # At least once, in order.
        first_seen = list(dict.fromkeys(messages))
        self.assertEqual(first_seen, [f"{marker} {i}" for i in range(5)])
        with contextlib.suppress(Exception):
            self.logs.delete_log_group(logGroupName=group)


if __name__ == "__main__":
    unittest.main()
