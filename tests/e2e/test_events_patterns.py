"""EventBridge events: custom event buses, PutEvents matched against rule event patterns and
delivered to functions (input shaping included), per-entry errors, TestEventPattern, S3's
EventBridgeConfiguration, an event acknowledged by PutEvents surviving kill -9, and bad input,
with boto3 and the AWS CLI."""

import json
import shutil
import time
import urllib.error
import urllib.request
import uuid

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import ClientError

from serval_harness import (ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, ServalProcess, function_arn,
                            unique_name)
from test_async import AsyncBase, logged_events

BUS_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/"
RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/"


class EventsCase(AsyncBase):
    EXTRA_ARGS = ()

    def setUp(self):
        super().setUp()
        self.events = self.serval.client("events")

    def error(self, call, **kw):
        with self.assertRaises(ClientError) as ctx:
            call(**kw)
        return ctx.exception.response["Error"]

    def rule_to(self, name, pattern, function, bus=None, **target):
        kw = {"EventBusName": bus} if bus else {}
        self.events.put_rule(Name=name, EventPattern=json.dumps(pattern), **kw)
        out = self.events.put_targets(Rule=name, Targets=[dict(Id="t", Arn=function_arn(function),
                                                               **target)], **kw)
        self.assertEqual(out["FailedEntryCount"], 0, out)

    def put(self, *entries):
        out = self.events.put_events(Entries=list(entries))
        return out

    def entry(self, detail, source="app.orders", detail_type="Order", **kw):
        return dict(Source=source, DetailType=detail_type, Detail=json.dumps(detail), **kw)

    def seen(self, function, count, timeout=30):
        return self.wait_for(lambda: len(logged_events(self.serval.data_dir, function)) >= count
                             and logged_events(self.serval.data_dir, function),
                             f"{count} events for {function}", timeout=timeout)


class BusTest(EventsCase):
    def test_create_describe_list_delete(self):
        name = unique_name("bus")
        # Debian's botocore (1.29) predates Description on event buses.
        members = self.events.meta.service_model.operation_model(
            "CreateEventBus").input_shape.members
        described = "Description" in members
        out = self.events.create_event_bus(Name=name, **({"Description": "orders"}
                                                         if described else {}))
        self.assertEqual(out["EventBusArn"], BUS_ARN + name)
        got = self.events.describe_event_bus(Name=name)
        self.assertEqual((got["Name"], got["Arn"]), (name, BUS_ARN + name))
        if described:
            self.assertEqual((out["Description"], got["Description"]), ("orders", "orders"))
            self.assertIn("CreationTime", got)
        self.assertEqual(self.events.describe_event_bus(Name=BUS_ARN + name)["Name"], name)
        default = self.events.describe_event_bus()
        self.assertEqual((default["Name"], default["Arn"]), ("default", BUS_ARN + "default"))
        names = [b["Name"] for b in self.events.list_event_buses()["EventBuses"]]
        self.assertEqual(names, sorted(["default", name]))
        self.assertEqual([b["Name"] for b in self.events.list_event_buses(
            NamePrefix=name)["EventBuses"]], [name])
        err = self.error(self.events.create_event_bus, Name=name)
        self.assertEqual((err["Code"], err["Message"]),
                         ("ResourceAlreadyExistsException", f"Event bus {name} already exists."))
        err = self.error(self.events.create_event_bus, Name="default")
        self.assertEqual(err["Code"], "ResourceAlreadyExistsException")
        err = self.error(self.events.delete_event_bus, Name="default")
        self.assertEqual((err["Code"], err["Message"]),
                         ("ValidationException", "Cannot delete event bus default."))
        self.events.delete_event_bus(Name=name)
        err = self.error(self.events.describe_event_bus, Name=name)
        self.assertEqual((err["Code"], err["Message"]),
                         ("ResourceNotFoundException", f"Event bus {name} does not exist."))

    def test_list_pages_with_limit_and_the_cli(self):
        for i in range(3):
            self.events.create_event_bus(Name=f"page-{i}")
        first = self.events.list_event_buses(NamePrefix="page-", Limit=2)
        self.assertEqual([b["Name"] for b in first["EventBuses"]], ["page-0", "page-1"])
        second = self.events.list_event_buses(NamePrefix="page-", Limit=2,
                                              NextToken=first["NextToken"])
        self.assertEqual([b["Name"] for b in second["EventBuses"]], ["page-2"])
        self.assertNotIn("NextToken", second)
        listed = self.serval.cli_json("events", "list-event-buses", "--name-prefix", "page-")
        self.assertEqual(len(listed["EventBuses"]), 3)

    def test_buses_and_their_rules_survive_a_restart(self):
        self.events.create_event_bus(Name="kept")
        self.events.put_rule(Name="r", EventBusName="kept", EventPattern='{"source":["a"]}')
        self.serval.stop()
        self.serval.start()
        events = self.serval.client("events")
        self.assertEqual(events.describe_event_bus(Name="kept")["Name"], "kept")
        rule = events.describe_rule(Name="r", EventBusName="kept")
        self.assertEqual((rule["Arn"], rule["EventBusName"]), (RULE_ARN + "kept/r", "kept"))


class RuleOnBusTest(EventsCase):
    def test_rules_are_per_bus(self):
        self.events.create_event_bus(Name="b1")
        arn = self.events.put_rule(Name="r", EventBusName="b1",
                                   EventPattern='{"source":["x"]}')["RuleArn"]
        self.assertEqual(arn, RULE_ARN + "b1/r")
        self.assertEqual(self.events.list_rules(EventBusName="b1")["Rules"][0]["Arn"], arn)
        self.assertEqual(self.events.list_rules()["Rules"], [])
        err = self.error(self.events.describe_rule, Name="r")
        self.assertEqual((err["Code"], err["Message"]),
                         ("ResourceNotFoundException", "Rule r does not exist on EventBus default."))
        err = self.error(self.events.put_rule, Name="s", EventBusName="b1",
                         ScheduleExpression="rate(5 minutes)")
        self.assertEqual((err["Code"], err["Message"]),
                         ("ValidationException",
                          "ScheduleExpression is supported only on the default event bus."))
        err = self.error(self.events.put_rule, Name="r", EventBusName="nope",
                         EventPattern='{"source":["x"]}')
        self.assertEqual((err["Code"], err["Message"]),
                         ("ResourceNotFoundException", "Event bus nope does not exist."))
        self.events.delete_rule(Name="r", EventBusName="b1")
        self.assertEqual(self.events.list_rules(EventBusName="b1")["Rules"], [])

    def test_invalid_patterns_are_refused_with_awss_reason(self):
        for pattern, reason in [
                ('{"source":"x"}', '"source" must be an object or an array'),
                ('{"source":[]}', "Empty arrays are not allowed"),
                ('{"n":[{"numeric":[">",5,">",6]}]}', "Bad numeric range operator: >"),
                ('{"s":[{"nope":1}]}', "Unrecognized match type nope"),
                ('["x"]', "Filter is not an object")]:
            err = self.error(self.events.put_rule, Name="bad", EventPattern=pattern)
            self.assertEqual((err["Code"], err["Message"]),
                             ("InvalidEventPatternException",
                              "Event pattern is not valid. Reason: " + reason), pattern)


class DeliveryTest(EventsCase):
    def test_pattern_table_on_default_and_custom_buses(self):
        orders, big, shipping, custom = (self.recorder() for _ in range(4))
        self.events.create_event_bus(Name="shop")
        self.rule_to("orders", {"source": ["app.orders"]}, orders)
        self.rule_to("big", {"source": ["app.orders"],
                             "detail": {"total": [{"numeric": [">=", 100]}]}}, big)
        self.rule_to("ship", {"detail-type": [{"prefix": "Ship"}],
                              "detail": {"$or": [{"carrier": ["ups"]},
                                                 {"express": [{"exists": True}]}]}}, shipping)
        self.rule_to("shop", {"source": [{"anything-but": "app.ignored"}]}, custom, bus="shop")
        out = self.put(self.entry({"n": 1, "total": 50}),
                       self.entry({"n": 2, "total": 150.0}),
                       self.entry({"n": 3, "carrier": "ups"}, source="app.ship",
                                  detail_type="Shipment"),
                       self.entry({"n": 4, "express": None}, source="app.ship",
                                  detail_type="ShipNow"),
                       self.entry({"n": 5, "carrier": "dhl"}, source="app.ship",
                                  detail_type="Shipment"),
                       self.entry({"n": 6}, EventBusName="shop"),
                       self.entry({"n": 7}, source="app.ignored", EventBusName=BUS_ARN + "shop"))
        self.assertEqual(out["FailedEntryCount"], 0, out)
        ids = [e["EventId"] for e in out["Entries"]]
        self.assertEqual(len(set(ids)), 7)
        expected = {orders: [1, 2], big: [2], shipping: [3, 4], custom: [6]}
        for function, numbers in expected.items():
            got = self.seen(function, len(numbers))
            time.sleep(0.5)
            got = logged_events(self.serval.data_dir, function)
            self.assertEqual(sorted(e["detail"]["n"] for e in got), numbers, function)
        envelope = next(e for e in logged_events(self.serval.data_dir, big))
        self.assertEqual(list(envelope), ["version", "id", "detail-type", "source", "account",
                                          "time", "region", "resources", "detail"])
        self.assertEqual((envelope["version"], envelope["id"], envelope["source"],
                          envelope["detail-type"], envelope["account"], envelope["region"],
                          envelope["resources"]),
                         ("0", ids[1], "app.orders", "Order", ACCOUNT, REGION, []))
        self.assertRegex(envelope["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")

    def test_time_resources_and_input_shaping(self):
        path, transformed, constant = (self.recorder() for _ in range(3))
        pattern = {"source": ["app.shape"]}
        self.rule_to("path", pattern, path, InputPath="$.detail")
        self.rule_to("tr", pattern, transformed, InputTransformer={
            "InputPathsMap": {"n": "$.detail.n", "src": "$.source"},
            "InputTemplate": '{"number": <n>, "from": "src=<src>", "rule": "<aws.events.rule-name>"}'})
        self.rule_to("const", pattern, constant, Input='{"fixed": true}')
        out = self.put(dict(self.entry({"n": 7, "x": [1, 2]}, source="app.shape"),
                            Time=1700000000.5, Resources=["arn:aws:s3:::b"]))
        self.assertEqual(out["FailedEntryCount"], 0)
        self.assertEqual(self.seen(path, 1)[0], {"n": 7, "x": [1, 2]})
        self.assertEqual(self.seen(transformed, 1)[0],
                         {"number": 7, "from": "src=app.shape", "rule": "tr"})
        self.assertEqual(self.seen(constant, 1)[0], {"fixed": True})

    def test_a_disabled_rule_delivers_nothing(self):
        function = self.recorder()
        self.rule_to("off", {"source": ["app.orders"]}, function)
        self.events.disable_rule(Name="off")
        self.put(self.entry({"n": 1}))
        self.events.enable_rule(Name="off")
        self.put(self.entry({"n": 2}))
        self.seen(function, 1)
        time.sleep(1)
        self.assertEqual([e["detail"]["n"] for e in logged_events(self.serval.data_dir, function)],
                         [2])

    def test_the_cli_puts_events_and_tests_patterns(self):
        function = self.recorder()
        self.rule_to("cli", {"source": ["cli.app"]}, function)
        out = self.serval.cli_json("events", "put-events", "--entries", json.dumps([{
            "Source": "cli.app", "DetailType": "t", "Detail": '{"via":"cli"}'}]))
        self.assertEqual(out["FailedEntryCount"], 0)
        self.assertEqual(self.seen(function, 1)[0]["detail"], {"via": "cli"})
        event = json.dumps({"id": "1", "account": ACCOUNT, "source": "cli.app", "time":
                            "2024-01-01T00:00:00Z", "region": REGION, "resources": [],
                            "detail-type": "t", "detail": {}})
        got = self.serval.cli_json("events", "test-event-pattern", "--event-pattern",
                                   '{"source":[{"prefix":"cli."}]}', "--event", event)
        self.assertEqual(got, {"Result": True})


class PutEventsErrorsTest(EventsCase):
    def test_per_entry_errors_and_failed_entry_count(self):
        out = self.put(self.entry({"ok": 1}),
                       {"DetailType": "t", "Detail": "{}"},
                       {"Source": "s", "Detail": "{}"},
                       {"Source": "s", "DetailType": "t"},
                       {"Source": "s", "DetailType": "t", "Detail": "[1]"},
                       {"Source": "s", "DetailType": "t", "Detail": "not json"},
                       {"Source": "s", "DetailType": "t", "Detail": '"text"'})
        self.assertEqual(out["FailedEntryCount"], 6)
        self.assertIn("EventId", out["Entries"][0])
        self.assertEqual([(e["ErrorCode"], e["ErrorMessage"]) for e in out["Entries"][1:4]], [
            ("InvalidArgument", "Parameter Source is not valid. Reason: Source is a required argument."),
            ("InvalidArgument",
             "Parameter DetailType is not valid. Reason: DetailType is a required argument."),
            ("InvalidArgument", "Parameter Detail is not valid. Reason: Detail is a required argument.")])
        self.assertEqual({(e["ErrorCode"], e["ErrorMessage"]) for e in out["Entries"][4:]},
                         {("MalformedDetail", "Detail is malformed.")})

    def test_a_rule_whose_function_is_gone_does_not_disturb_the_answer(self):
        # The target's delivery fails at once (no such function): every entry still gets its
        # own answer, exactly once, and the events after it are delivered.
        function = self.recorder()
        for rule in ("to-nobody-1", "to-nobody-2"):
            self.rule_to(rule, {"source": ["app.orders"], "detail": {"n": [1]}},
                         unique_name("gone"))
        self.rule_to("to-recorder", {"source": ["app.orders"]}, function)
        out = self.put(self.entry({"n": 1}), self.entry({"n": 2}), self.entry({"n": 3}))
        self.assertEqual(out["FailedEntryCount"], 0, out)
        self.assertEqual(len(out["Entries"]), 3)
        self.assertTrue(all("EventId" in entry for entry in out["Entries"]), out)
        self.assertEqual(sorted(e["detail"]["n"] for e in self.seen(function, 3)), [1, 2, 3])

    def test_request_level_errors(self):
        err = self.error(self.events.put_events,
                         Entries=[self.entry({"big": "x" * (256 * 1024)})])
        self.assertEqual((err["Code"], err["Message"]),
                         ("ValidationException",
                          "Total size of the entries in the request is over the limit."))
        err = self.error(self.events.put_events, Entries=[self.entry({"n": 1}, EventBusName="nope")])
        self.assertEqual((err["Code"], err["Message"]),
                         ("ResourceNotFoundException", "Event bus nope does not exist."))
        loose = self.serval.client("events", validate=False)
        with self.assertRaises(ClientError) as ctx:
            loose.put_events(Entries=[self.entry({"n": i}) for i in range(11)])
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
        self.assertIn("Member must have length less than or equal to 10",
                      ctx.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as ctx:
            loose.put_events(Entries=[])
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
        with self.assertRaises(ClientError) as ctx:
            loose.create_event_bus(Name="bad/name")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")

    def post(self, body, sign=True):
        """POST / with AWSEvents.PutEvents and `body`, SigV4-signed for events when `sign`."""
        url = self.serval.endpoint + "/"
        headers = {"X-Amz-Target": "AWSEvents.PutEvents",
                   "Content-Type": "application/x-amz-json-1.1"}
        if sign:
            request = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body,
                                                     headers=headers)
            botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                                    "events", REGION).add_auth(request)
            headers = dict(request.headers.items())
        try:
            with urllib.request.urlopen(urllib.request.Request(url, data=body, headers=headers,
                                                               method="POST"), timeout=30) as r:
                return r.status, r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()

    def test_malformed_and_unsigned_requests(self):
        status, body = self.post(b'{"Entries": [')
        self.assertEqual(status, 400, body)
        self.assertIn(b"SerializationException", body)
        status, body = self.post(b'{"Entries": "x"}')
        self.assertEqual(status, 400, body)
        self.assertIn(b"SerializationException", body)
        status, body = self.post(b'{"Entries": [17]}')
        self.assertEqual(status, 400, body)
        entries = json.dumps({"Entries": [self.entry({"n": 1})]}).encode()
        status, body = self.post(entries)
        self.assertEqual(status, 200, body)
        self.assertIn(b"EventId", body)
        status, body = self.post(entries, sign=False)
        self.assertIn(status, (400, 403), body)
        self.assertNotIn(b"EventId", body)


class TestEventPatternTest(EventsCase):
    EVENT = {"id": "e1", "account": ACCOUNT, "source": "com.shop", "time": "2024-01-01T00:00:00Z",
             "region": REGION, "resources": ["arn:aws:s3:::b"], "detail-type": "Order Placed",
             "detail": {"total": 120.5, "items": [{"sku": "a1", "qty": 2}, {"sku": "b2", "qty": 1}],
                        "ip": "10.1.2.3", "path": "in/x/report.csv", "note": None}}

    def test_pattern_table(self):
        rows = [
            ({"source": ["com.shop"]}, True),
            ({"source": ["com.other"]}, False),
            ({"detail-type": [{"equals-ignore-case": "order placed"}]}, True),
            ({"detail": {"total": [{"numeric": [">", 100, "<=", 120.5]}]}}, True),
            ({"detail": {"total": [{"numeric": ["<", 100]}]}}, False),
            ({"detail": {"items": {"sku": ["b2"], "qty": [1]}}}, True),
            ({"detail": {"items": {"sku": ["b2"], "qty": [2]}}}, False),
            ({"detail": {"ip": [{"cidr": "10.1.0.0/16"}]}}, True),
            ({"detail": {"path": [{"wildcard": "in/*/*.csv"}]}}, True),
            ({"detail": {"path": [{"suffix": ".json"}]}}, False),
            ({"detail": {"note": [None]}}, True),
            ({"detail": {"missing": [{"exists": False}]}}, True),
            ({"detail": {"note": [{"exists": False}]}}, False),
            ({"resources": [{"prefix": "arn:aws:s3"}]}, True),
            ({"$or": [{"source": ["x"]}, {"detail": {"total": [120.5]}}]}, True),
            ({"source": [{"anything-but": {"prefix": "com."}}]}, False),
        ]
        for pattern, expected in rows:
            got = self.events.test_event_pattern(EventPattern=json.dumps(pattern),
                                                 Event=json.dumps(self.EVENT))
            self.assertEqual(got["Result"], expected, pattern)

    def test_invalid_pattern_and_event(self):
        err = self.error(self.events.test_event_pattern, EventPattern='{"a":[{"prefix":1}]}',
                         Event=json.dumps(self.EVENT))
        self.assertEqual((err["Code"], err["Message"]),
                         ("InvalidEventPatternException",
                          "Event pattern is not valid. Reason: prefix match pattern must be a string"))
        err = self.error(self.events.test_event_pattern, EventPattern='{"a":["b"]}',
                         Event="plain string")
        self.assertEqual((err["Code"], err["Message"]),
                         ("ValidationException", "Parameter Event is not valid."))


class S3EventBridgeTest(EventsCase):
    def test_object_events_reach_rules_on_the_default_bus(self):
        s3 = self.serval.client("s3")
        bucket = f"eb-{uuid.uuid4().hex[:10]}"
        s3.create_bucket(Bucket=bucket)
        s3.put_bucket_notification_configuration(
            Bucket=bucket, NotificationConfiguration={"EventBridgeConfiguration": {}})
        self.assertIn("EventBridgeConfiguration",
                      s3.get_bucket_notification_configuration(Bucket=bucket))
        function = self.recorder()
        self.rule_to("s3", {"source": ["aws.s3"], "detail": {"bucket": {"name": [bucket]}}},
                     function)
        put = s3.put_object(Bucket=bucket, Key="dir/a b.txt", Body=b"hello")
        s3.copy_object(Bucket=bucket, Key="copy.txt", CopySource={"Bucket": bucket,
                                                                   "Key": "dir/a b.txt"})
        s3.delete_object(Bucket=bucket, Key="copy.txt")
        got = self.seen(function, 3)
        by_reason = {e["detail"]["reason"]: e for e in got}
        self.assertEqual(set(by_reason), {"PutObject", "CopyObject", "DeleteObject"})
        created = by_reason["PutObject"]
        self.assertEqual((created["source"], created["detail-type"], created["resources"]),
                         ("aws.s3", "Object Created", [f"arn:aws:s3:::{bucket}"]))
        detail = created["detail"]
        self.assertEqual((detail["version"], detail["bucket"], detail["object"]["key"],
                          detail["object"]["size"], detail["object"]["etag"]),
                         ("0", {"name": bucket}, "dir/a b.txt", 5, put["ETag"].strip('"')))
        for field in ("sequencer", ):
            self.assertTrue(detail["object"][field])
        for field in ("request-id", "requester", "source-ip-address"):
            self.assertTrue(detail[field], field)
        deleted = by_reason["DeleteObject"]
        self.assertEqual((deleted["detail-type"], deleted["detail"]["deletion-type"]),
                         ("Object Deleted", "Permanently Deleted"))


class KillNineTest(EventsCase):
    def test_an_event_acknowledged_by_put_events_is_delivered_after_kill_9(self):
        function = self.recorder()
        self.rule_to("durable", {"source": ["app.durable"]}, function)
        # The function may not run, so the events can only wait in the queue; serval dies right
        # after the last 200.
        self.lam.put_function_concurrency(FunctionName=function, ReservedConcurrentExecutions=0)
        for i in range(3):
            out = self.put(self.entry({"n": i}, source="app.durable"))
            self.assertEqual(out["FailedEntryCount"], 0)
        killed = self.serval
        killed.kill()
        self.serval = ServalProcess(data_dir=killed.data_dir)
        self.addCleanup(shutil.rmtree, killed.tmp_root, True)
        self.addCleanup(self.serval.cleanup)
        self.addCleanup(self.serval.kill)
        self.lam = self.serval.start().client()
        self.lam.delete_function_concurrency(FunctionName=function)
        got = self.seen(function, 3, timeout=60)
        self.assertEqual(sorted(e["detail"]["n"] for e in got), [0, 1, 2])
