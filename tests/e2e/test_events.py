"""Issue 4: EventBridge schedule rules firing Lambda functions, with the AWS CLI and boto3, on a
simulated clock (--simulated-clock; time moves only when the test says so)."""

import json
import os
import time
import unittest

from botocore.exceptions import ClientError

from serval_harness import (
    ACCOUNT, REGION, ROLE, ServalProcess, function_arn, make_zip, unique_name)
from test_async import RECORDER, AsyncBase, logged_events

RULE_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/"


class EventsBase(AsyncBase):

    def setUp(self):
        super().setUp()
        self.events = self.serval.client("events")

    def rule(self, name, expression, **kw):
        arn = self.events.put_rule(Name=name, ScheduleExpression=expression, **kw)["RuleArn"]
        self.assertEqual(arn, RULE_ARN + name)
        return arn

    def target(self, rule, fn, **kw):
        out = self.events.put_targets(Rule=rule, Targets=[dict(Id="t1", Arn=function_arn(fn), **kw)])
        self.assertEqual(out["FailedEntryCount"], 0, out)

    def received(self, fn, count):
        return self.wait_for(lambda: len(logged_events(self.serval.data_dir, fn)) >= count and
                             logged_events(self.serval.data_dir, fn), f"{count} deliveries")


class SeedConstantInputTest(EventsBase):
    """The "Simply Serverless" post: a scheduled rule passing constant JSON to a function."""
    # rate() fire times are whole minutes from the rule's creation minute: the clock starts 10 s
    # past a minute, so "61 s later" holds exactly one fire (not two, as it did when the rule
    # happened to be created in the last second of a minute).
    EXTRA_ARGS = ("--simulated-clock-start", str((int(time.time()) // 60) * 60_000 + 10_000))

    def test_cli_put_rule_and_put_targets_from_a_file(self):
        fn = self.recorder()
        constant = {"key1": "value1", "key2": {"nested": [1, 2, 3]}, "flag": True}
        self.serval.cli("events", "put-rule", "--name", "testjson",
                        "--schedule-expression", "rate(1 minute)")
        self.serval.cli("lambda", "add-permission", "--function-name", fn, "--statement-id",
                        "events", "--action", "lambda:InvokeFunction", "--principal",
                        "events.amazonaws.com", "--source-arn", RULE_ARN + "testjson")
        targetfile = os.path.join(self.serval.tmp_root, "targetfile")
        with open(targetfile, "w") as f:
            json.dump([{"Id": "1", "Arn": function_arn(fn), "Input": json.dumps(constant)}], f)
        out = self.serval.cli_json("events", "put-targets", "--rule", "testjson",
                                   "--targets", "file://" + targetfile)
        self.assertEqual(out["FailedEntryCount"], 0)
        time.sleep(0.5)
        self.assertEqual(logged_events(self.serval.data_dir, fn), [], "fired before its time")
        self.advance(61)
        self.assertEqual(self.received(fn, 1), [constant])
        self.advance(60)
        self.assertEqual(self.received(fn, 2), [constant, constant])


class InputModesTest(EventsBase):

    def test_scheduled_event_input_path_and_transformer(self):
        plain, path, shaped = self.recorder(), self.recorder(), self.recorder()
        self.rule("modes", "cron(0/5 * * * ? *)")
        self.events.put_targets(Rule="modes", Targets=[
            {"Id": "plain", "Arn": function_arn(plain)},
            {"Id": "path", "Arn": function_arn(path), "InputPath": "$.resources"},
            {"Id": "shaped", "Arn": function_arn(shaped), "InputTransformer": {
                "InputPathsMap": {"when": "$.time", "kind": "$.detail-type"},
                "InputTemplate": '{"at": <when>, "what": "a <kind>", "fixed": 1}'}},
        ])
        self.advance(5 * 60)
        event = self.received(plain, 1)[0]
        self.assertEqual(event["detail-type"], "Scheduled Event")
        self.assertEqual(event["source"], "aws.events")
        self.assertEqual((event["account"], event["region"]), (ACCOUNT, REGION))
        self.assertEqual(event["resources"], [RULE_ARN + "modes"])
        self.assertEqual(event["detail"], {})
        self.assertRegex(event["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d[05]:00Z$")
        self.assertEqual(self.received(path, 1), [[RULE_ARN + "modes"]])
        self.assertEqual(self.received(shaped, 1),
                         [{"at": event["time"], "what": "a Scheduled Event", "fixed": 1}])

    def test_every_fire_of_a_cron_schedule_and_disable_enable(self):
        fn = self.recorder()
        self.rule("every5", "cron(0/5 * * * ? *)")
        self.target("every5", fn, Input='{"n": 1}')
        self.advance(10 * 60)
        self.assertEqual(len(self.received(fn, 2)), 2)
        status, _, body = self.serval.raw("GET", "/_serval/stats", sign=False)
        stats = json.loads(body)["scheduler"]
        self.assertEqual((status, stats["fires"], stats["rules_scheduled"]), (200, 2, 1))
        self.events.disable_rule(Name="every5")
        self.assertEqual(self.events.describe_rule(Name="every5")["State"], "DISABLED")
        self.advance(15 * 60)
        time.sleep(0.5)
        self.assertEqual(len(logged_events(self.serval.data_dir, fn)), 2)
        self.events.enable_rule(Name="every5")
        self.advance(5 * 60)
        self.assertEqual(len(self.received(fn, 3)), 3)


class RulesApiTest(EventsBase):
    EXTRA_ARGS = ()

    def test_describe_list_and_delete(self):
        fn = self.recorder()
        self.rule("api-a", "rate(5 minutes)", Description="first", State="DISABLED")
        self.rule("api-b", "cron(0 10 * * ? *)")
        self.rule("other", "rate(1 hour)")
        described = self.events.describe_rule(Name="api-a")
        self.assertEqual((described["ScheduleExpression"], described["State"],
                          described["Description"], described["EventBusName"]),
                         ("rate(5 minutes)", "DISABLED", "first", "default"))
        self.assertEqual([r["Name"] for r in self.events.list_rules(NamePrefix="api-")["Rules"]],
                         ["api-a", "api-b"])
        page = self.events.list_rules(Limit=1)
        self.assertEqual(len(page["Rules"]), 1)
        rest = self.events.list_rules(NextToken=page["NextToken"])["Rules"]
        self.assertEqual([r["Name"] for r in rest], ["api-b", "other"])

        self.events.tag_resource(ResourceARN=RULE_ARN + "api-b",
                                 Tags=[{"Key": "team", "Value": "ops"}, {"Key": "x", "Value": "1"}])
        self.events.untag_resource(ResourceARN=RULE_ARN + "api-b", TagKeys=["x"])
        self.assertEqual(self.events.list_tags_for_resource(ResourceARN=RULE_ARN + "api-b")["Tags"],
                         [{"Key": "team", "Value": "ops"}])
        with self.assertRaises(self.events.exceptions.ResourceNotFoundException):
            self.events.list_tags_for_resource(ResourceARN=RULE_ARN + "nope")

        self.target("api-a", fn, Input='{"x": 1}')
        targets = self.events.list_targets_by_rule(Rule="api-a")["Targets"]
        self.assertEqual(targets, [{"Id": "t1", "Arn": function_arn(fn), "Input": '{"x": 1}'}])
        self.assertEqual(self.events.list_rule_names_by_target(TargetArn=function_arn(fn))
                         ["RuleNames"], ["api-a"])
        with self.assertRaises(ClientError) as ctx:
            self.events.delete_rule(Name="api-a")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
        self.events.remove_targets(Rule="api-a", Ids=["t1"])
        self.events.delete_rule(Name="api-a")
        with self.assertRaises(self.events.exceptions.ResourceNotFoundException):
            self.events.describe_rule(Name="api-a")

    def test_bus_tags(self):
        arn = self.events.create_event_bus(Name="tagged-bus", Tags=[
            {"Key": "team", "Value": "web"}])["EventBusArn"]
        self.assertEqual(self.events.list_tags_for_resource(ResourceARN=arn)["Tags"],
                         [{"Key": "team", "Value": "web"}])
        self.events.tag_resource(ResourceARN=arn, Tags=[{"Key": "tier", "Value": "1"}])
        self.events.untag_resource(ResourceARN=arn, TagKeys=["team"])
        self.assertEqual(self.events.list_tags_for_resource(ResourceARN=arn)["Tags"],
                         [{"Key": "tier", "Value": "1"}])
        default = arn.replace("tagged-bus", "default")
        self.assertEqual(self.events.list_tags_for_resource(ResourceARN=default)["Tags"], [])
        self.events.tag_resource(ResourceARN=default, Tags=[{"Key": "k", "Value": "v"}])
        self.assertEqual(self.events.list_tags_for_resource(ResourceARN=default)["Tags"],
                         [{"Key": "k", "Value": "v"}])
        self.assertEqual(sorted(b["Name"] for b in self.events.list_event_buses()["EventBuses"]),
                         ["default", "tagged-bus"])
        with self.assertRaises(self.events.exceptions.ResourceNotFoundException):
            self.events.list_tags_for_resource(ResourceARN=arn.replace("tagged-bus", "nope"))
        self.events.delete_event_bus(Name="tagged-bus")
        self.events.create_event_bus(Name="tagged-bus")
        self.assertEqual(self.events.list_tags_for_resource(ResourceARN=arn)["Tags"], [])

    def test_bad_requests(self):
        for expression in ("rate(1 minutes)", "rate(0 minutes)", "cron(0 10 * * * *)",
                           "cron(0 10 * *)", "every day", "rate(5 fortnights)"):
            with self.subTest(expression=expression), self.assertRaises(ClientError) as ctx:
                self.events.put_rule(Name="bad", ScheduleExpression=expression)
            self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
            self.assertIn("ScheduleExpression", ctx.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as ctx:
            self.events.put_rule(Name="bad name!", ScheduleExpression="rate(1 hour)")
        self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
        self.assertEqual(self.events.list_rules()["Rules"], [])
        with self.assertRaises(self.events.exceptions.ResourceNotFoundException):
            self.events.put_targets(Rule="missing", Targets=[{"Id": "1", "Arn": function_arn("f")}])
        self.rule("ok", "rate(1 hour)")
        # A target that is invalid refuses the whole request, as EventBridge does; nothing is put.
        good = {"Id": "good", "Arn": function_arn("f"), "Input": "{}"}
        for bad, message in (
                ({"Id": "two", "Arn": function_arn("f"), "Input": "{}", "InputPath": "$.detail"},
                 "Only one of Input, InputPath, or InputTransformer must be provided for target two."),
                ({"Id": "json", "Arn": function_arn("f"), "Input": "not json"}, None),
                ({"Id": "a b", "Arn": function_arn("f")}, "'targets.2.member.id'"),
                ({"Id": "tpl", "Arn": function_arn("f"), "InputTransformer": {
                    "InputPathsMap": {"a": "$.detail"}, "InputTemplate": "<missing>"}},
                 "InputTemplate for target tpl contains invalid placeholder missing.")):
            with self.subTest(target=bad["Id"]), self.assertRaises(ClientError) as ctx:
                self.events.put_targets(Rule="ok", Targets=[good, bad])
            self.assertEqual(ctx.exception.response["Error"]["Code"], "ValidationException")
            if message:
                self.assertIn(message, ctx.exception.response["Error"]["Message"])
        self.assertEqual(self.events.list_targets_by_rule(Rule="ok")["Targets"], [])
        # One Serval cannot deliver to is that entry's failure; the others are put.
        out = self.events.put_targets(Rule="ok", Targets=[
            {"Id": "queue", "Arn": f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"}, good])
        self.assertEqual([e["TargetId"] for e in out["FailedEntries"]], ["queue"])
        self.assertEqual([t["Id"] for t in self.events.list_targets_by_rule(Rule="ok")["Targets"]],
                         ["good"])
        # Five targets a rule; more refuses the request and puts none of it.
        self.events.put_targets(Rule="ok", Targets=[
            {"Id": f"t{i}", "Arn": function_arn("f")} for i in range(4)])
        with self.assertRaises(self.events.exceptions.LimitExceededException):
            self.events.put_targets(Rule="ok", Targets=[{"Id": "t9", "Arn": function_arn("f")}])
        # Listing by pages (Limit, NextToken), by rule and by target.
        first = self.events.list_targets_by_rule(Rule="ok", Limit=2)
        self.assertEqual([t["Id"] for t in first["Targets"]], ["good", "t0"])
        rest = self.events.list_targets_by_rule(Rule="ok", Limit=5, NextToken=first["NextToken"])
        self.assertEqual(([t["Id"] for t in rest["Targets"]], rest.get("NextToken")),
                         (["t1", "t2", "t3"], None))
        for name in ("also-1", "also-2"):
            self.rule(name, "rate(1 hour)")
            self.events.put_targets(Rule=name, Targets=[{"Id": "1", "Arn": function_arn("f")}])
        names = self.events.list_rule_names_by_target(TargetArn=function_arn("f"), Limit=2)
        self.assertEqual(names["RuleNames"], ["also-1", "also-2"])
        rest = self.events.list_rule_names_by_target(TargetArn=function_arn("f"),
                                                      NextToken=names["NextToken"])
        self.assertEqual((rest["RuleNames"], rest.get("NextToken")), (["ok"], None))


class RulesSurviveRestartTest(unittest.TestCase):

    def test_rules_and_targets_survive_restart_and_keep_firing(self):
        first = ServalProcess(extra_args=["--simulated-clock"])
        self.addCleanup(first.cleanup)
        self.addCleanup(first.kill)
        first.start()
        events = first.client("events")
        events.put_rule(Name="kept", ScheduleExpression="rate(1 minute)")
        delivery = {"RoleArn": "arn:aws:iam::000000000000:role/events",
                    "RetryPolicy": {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 600},
                    "DeadLetterConfig": {"Arn": "arn:aws:sqs:us-east-1:000000000000:dlq"}}
        events.put_targets(Rule="kept", Targets=[{"Id": "1", "Arn": function_arn("gone-fn"),
                                                  **delivery}])
        for member, value, message in [
                ("MaximumRetryAttempts", 186, "less than or equal to 185"),
                ("MaximumEventAgeInSeconds", 59, "greater than or equal to 60")]:
            with self.assertRaises(ClientError) as refused:  # botocore would refuse it first
                first.client("events", validate=False).put_targets(Rule="kept", Targets=[{
                    "Id": "2", "Arn": function_arn("gone-fn"), "RetryPolicy": {member: value}}])
            self.assertEqual(refused.exception.response["Error"]["Code"], "ValidationException")
            self.assertIn(message, refused.exception.response["Error"]["Message"])
        first.stop()
        second = ServalProcess(data_dir=first.data_dir, extra_args=["--simulated-clock"])
        self.addCleanup(second.cleanup)
        self.addCleanup(second.kill)
        second.start()
        events = second.client("events")
        self.assertEqual(events.describe_rule(Name="kept")["ScheduleExpression"], "rate(1 minute)")
        # Each target's delivery settings come back as given, after the restart too.
        self.assertEqual(events.list_targets_by_rule(Rule="kept")["Targets"],
                         [{"Id": "1", "Arn": function_arn("gone-fn"), **delivery}])
        second.stop()


class MissedFiresTest(unittest.TestCase):
    """Fire times that pass while Serval is down are skipped, not replayed (docs/scheduling.md)."""

    def start(self, start_millis, data_dir=None):
        serval = ServalProcess(data_dir=data_dir,
                               extra_args=["--simulated-clock-start", str(start_millis)])
        self.addCleanup(serval.cleanup)
        self.addCleanup(serval.kill)
        serval.start()
        return serval

    def advance(self, serval, seconds):
        status, _, body = serval.raw("POST", f"/_serval/clock/advance?seconds={seconds}",
                                     sign=False)
        self.assertEqual(status, 200, body)

    def deliveries(self, serval, fn, expected):
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            events = logged_events(serval.data_dir, fn)
            if len(events) >= expected:
                break
            time.sleep(0.1)
        time.sleep(0.5)  # and no more than that arrive
        return len(logged_events(serval.data_dir, fn))

    def test_fire_times_missed_while_down_are_skipped(self):
        start = (int(time.time()) // 60) * 60_000 + 10_000  # 10 s past a whole minute
        first = self.start(start)
        fn = unique_name("missed")
        first.client().create_function(
            FunctionName=fn, Runtime="python3.12", Role=ROLE, Handler="rec.lambda_handler",
            Code={"ZipFile": make_zip({"rec.py": RECORDER})})
        events = first.client("events")
        events.put_rule(Name="minutely", ScheduleExpression="rate(1 minute)")
        events.put_targets(Rule="minutely", Targets=[{"Id": "1", "Arn": function_arn(fn)}])
        self.advance(first, 60)
        self.assertEqual(self.deliveries(first, fn, 1), 1)
        first.stop()
        # Serval comes back ten minutes later: nine fire times passed while it was down.
        second = self.start(start + 10 * 60_000, data_dir=first.data_dir)
        self.advance(second, 30)
        self.assertEqual(self.deliveries(second, fn, 1), 1, "missed fire times were replayed")
        self.advance(second, 30)
        self.assertEqual(self.deliveries(second, fn, 2), 2)
        second.stop()


class ScheduleNextCommandTest(unittest.TestCase):

    def test_prints_fire_times_or_the_problem(self):
        import subprocess
        from serval_harness import SERVAL_BIN
        ok = subprocess.run([SERVAL_BIN, "schedule", "next", "cron(0 18 ? * MON-FRI *)",
                             "--count", "3"], capture_output=True, text=True, timeout=10)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        lines = ok.stdout.split()
        self.assertEqual(len(lines), 3)
        for line in lines:
            self.assertRegex(line, r"T18:00:00\.000Z$")
        bad = subprocess.run([SERVAL_BIN, "schedule", "next", "cron(0 18 * * * *)"],
                             capture_output=True, text=True, timeout=10)
        self.assertEqual(bad.returncode, 2)
        self.assertIn("day-of-month and day-of-week", bad.stderr)


if __name__ == "__main__":
    unittest.main()
