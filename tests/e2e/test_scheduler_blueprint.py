"""Issue 16, part 3: the seed's enterprise scheduler (post 1) deployed with `serval deploy
blueprints/scheduler` as a user would, and its documented behaviour end to end against EC2
instance records: on-now starts, off-now stops, both at once untouched with its message,
`disable` honoured, outside the window untouched, untagged instances never listed, a malformed
tag failing the run with the post's message; the rule runs it every 10 minutes. Also: the
function is the seed's text with only the lost lines restored; the better scheduler beside it
reads its own tag, and a redeploy can hand the post's tag over to it.

The post's function reads the real clock (datetime.utcnow), so its tags are written relative to
the real time; Serval runs with --simulated-clock only so that the test can make the rule fire.
The functions run under the interpreter running these tests (`--python`): under Debian's
/usr/bin/python3 they use Debian's boto3 1.26."""

import datetime
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

from scheduler_case import (POST_FUNCTION, POST_RULE, SCHEDULER_FUNCTION, SCHEDULER_RULE,
                            LogReader, advance_clock, instance_states, run_instances)
from serval_harness import ACCOUNT, REGION, REPO_ROOT, ServalTestCase

SEED = "/work/shared/seeds/000_526fbaea2f9979c1.txt"
SEED_CODE_LINES = (37, 117)  # the post's function in the seed, inclusive
BLUEPRINT_DIR = os.path.join(REPO_ROOT, "blueprints", "scheduler")
ALL_DAYS = "mon,tue,wed,thu,fri,sat,sun"
TAG = "EntScheduler"
INSTANCE_TYPE = "t3.micro"


def utc_now():
    return datetime.datetime.now(datetime.timezone.utc)


def hhmm(minutes_ago):
    return (utc_now() - datetime.timedelta(minutes=minutes_ago)).strftime("%H%M")


def post_tag(on_ago, off_ago, on_days=ALL_DAYS, off_days=ALL_DAYS, extra=""):
    """A schedule in the post's syntax, its on and off times `on_ago` and `off_ago` minutes
    before now (UTC, like the function)."""
    return f"{on_days};{hhmm(on_ago)};{off_days};{hhmm(off_ago)};{extra}"


def wait_until_window_fits():
    """The post's window does not cross midnight (a known weak spot): tags set up to 3 hours in
    the past need today's date to be theirs, so wait out the first minutes of a UTC day."""
    now = utc_now()
    if now.hour * 60 + now.minute < 15:
        time.sleep((15 - now.minute) * 60 - now.second)


class SchedulerBlueprintCase(ServalTestCase):
    SERVAL_ARGS = ("--python", sys.executable, "--simulated-clock", "--instance-transition-ms",
                   "0")
    DEPLOY_ARGS = ()

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        wait_until_window_fits()
        cls.deployed = cls.serval_deploy("scheduler", *cls.DEPLOY_ARGS, check=True)
        cls.ec2 = cls.serval.client("ec2")
        cls.events = cls.serval.client("events")
        cls.logs = cls.serval.client("logs")
        cls.post_log = LogReader(cls.logs, POST_FUNCTION)

    def tagged(self, count, tags, state):
        """Instances with `tags`, whose schedule tags are removed when the test ends (the post's
        function would otherwise act on them in later tests)."""
        ids = run_instances(self.ec2, count, tags, state, INSTANCE_TYPE)
        if tags:
            self.addCleanup(self.ec2.delete_tags, Resources=ids,
                            Tags=[{"Key": key} for key in tags])
        return ids

    def run_post(self):
        """Invokes the post's function once; (the invoke's response, its log lines between START
        and END)."""
        response = self.lam.invoke(FunctionName=POST_FUNCTION, Payload=b"{}")
        request_id = response["ResponseMetadata"]["RequestId"]
        runs = self.post_log.wait_for(lambda got: request_id in dict(got), "END line")
        return response, dict(runs)[request_id]


class PostFunctionTest(SchedulerBlueprintCase):

    def test_deploy_creates_the_posts_role_function_rule_and_permission(self):
        out = self.deployed.stdout
        for line in ("Role ent_scheduler_execution_role: created",
                     f"Function {POST_FUNCTION}: created", f"Rule {POST_RULE}: created",
                     f"Role instance_scheduler_execution_role: created",
                     f"Function {SCHEDULER_FUNCTION}: created", f"Rule {SCHEDULER_RULE}: created"):
            self.assertIn(line, out)
        self.assertIn("Deployed 8 resources", out)
        config = self.lam.get_function_configuration(FunctionName=POST_FUNCTION)
        self.assertEqual((config["Handler"], config["Timeout"], config["Role"]),
                         ("enterprise_scheduler.lambda_handler", 300,
                          f"arn:aws:iam::{ACCOUNT}:role/ent_scheduler_execution_role"))
        rule = self.events.describe_rule(Name=POST_RULE)
        self.assertEqual((rule["ScheduleExpression"], rule["State"]),
                         ("rate(10 minutes)", "ENABLED"))
        targets = self.events.list_targets_by_rule(Rule=POST_RULE)["Targets"]
        self.assertEqual([t["Arn"] for t in targets], [config["FunctionArn"]])
        policy = json.loads(self.lam.get_policy(FunctionName=POST_FUNCTION)["Policy"])
        [statement] = policy["Statement"]
        self.assertEqual(statement["Principal"], {"Service": "events.amazonaws.com"})
        self.assertEqual(statement["Condition"]["ArnLike"]["AWS:SourceArn"], rule["Arn"])
        # The post's least privilege: the three EC2 actions and logs, nothing else.
        iam = self.serval.client("iam")
        document = iam.get_role_policy(RoleName="ent_scheduler_execution_role",
                                       PolicyName="ent_scheduler_policy")["PolicyDocument"]
        actions = sorted(a for s in document["Statement"] for a in s["Action"])
        self.assertEqual(actions, ["ec2:DescribeInstances", "ec2:StartInstances",
                                   "ec2:StopInstances", "logs:CreateLogGroup",
                                   "logs:CreateLogStream", "logs:PutLogEvents"])
        again = self.serval_deploy("scheduler", *self.DEPLOY_ARGS, check=True)
        self.assertIn("0 created, 0 updated, 8 unchanged", again.stdout)

    def test_the_function_is_the_seeds_text_with_the_lost_lines_restored(self):
        with open(SEED, encoding="utf-8") as f:
            seed = f.read().split("\n")[SEED_CODE_LINES[0] - 1:SEED_CODE_LINES[1]]
        with open(os.path.join(BLUEPRINT_DIR, "enterprise_scheduler.py"), encoding="utf-8") as f:
            ours = f.read().split("\n")
        added, at = [], 0
        for line in ours:
            # `now =` lost its right-hand side: the restored line begins with the seed's.
            if at < len(seed) and (line == seed[at] or seed[at].endswith(" =")
                                   and line.startswith(seed[at] + " ")):
                at += 1
            else:
                added.append(line.strip())
        self.assertEqual(at, len(seed), f"seed line {SEED_CODE_LINES[0] + at} is not kept")
        code_added = [line for line in added if line and not line.startswith("#")]
        self.assertEqual(sorted(code_added), sorted([
            "try:", "else:", "else:", "try:", "else:", "else:",
            "processed_instances.append(parse_schedule(instance_hold))",
            "if instance_hold['disabled']==False:", "instance_hold['instance'].stop()",
            "instance_hold['instance'].start()", "else:"]))

    def test_acceptance_scenario(self):
        # Each instance is named by the case it exercises.
        today = utc_now().strftime("%a").lower()
        other_days = ",".join(d for d in ALL_DAYS.split(",") if d != today)
        cases = {
            "on now": ("stopped", post_tag(3, 180)),
            "off now": ("running", post_tag(180, 3)),
            "both now": ("running", post_tag(3, 3)),
            "disabled": ("stopped", post_tag(3, 180, extra="disable;")),
            "outside the window": ("stopped", post_tag(60, 120)),
            "another day": ("stopped", post_tag(3, 180, other_days, other_days)),
        }
        ids = {name: self.tagged(1, {TAG: tag}, state)[0] for name, (state, tag) in
               cases.items()}
        untagged = self.tagged(1, {}, "stopped")[0]
        other_key = self.tagged(1, {"Schedule": post_tag(3, 180)}, "stopped")[0]
        response, lines = self.run_post()
        self.assertNotIn("FunctionError", response)
        self.assertEqual(response["StatusCode"], 200)
        kind = INSTANCE_TYPE
        expected = {
            f"Turning instance on: {ids['on now']} {kind}",
            f"Turning instance off: {ids['off now']} {kind}",
            "Both on and off actions specified for this time window. Doing nothing.",
            f"Schedule disabled: {ids['disabled']} {kind}",
            f"No action on instance: {ids['outside the window']} {kind}",
            f"No action on instance: {ids['another day']} {kind}",
        }
        self.assertEqual(set(lines), expected)
        self.assertEqual(len(lines), 6, lines)
        self.assertFalse([line for line in lines if untagged in line or other_key in line])
        states = instance_states(self.ec2, list(ids.values()) + [untagged, other_key])
        self.assertEqual({name: states[i] for name, i in ids.items()}, {
            "on now": "running", "off now": "stopped", "both now": "running",
            "disabled": "stopped", "outside the window": "stopped", "another day": "stopped"})
        self.assertEqual((states[untagged], states[other_key]), ("stopped", "stopped"))

    def test_a_malformed_tag_fails_the_run_with_the_posts_message(self):
        [waiting] = self.tagged(1, {TAG: post_tag(3, 180)}, "stopped")
        [bad] = self.tagged(1, {TAG: "mon;0800;"}, "running")
        for tag, message in [
                ("mon;0800;", "Schedule string improperly formed. Fewer than 4 tokens specified."),
                ("a;b;c;d;e;f;g", "Schedule string improperly formed. Greater than 5 tokens "
                                  "specified."),
                (f"{ALL_DAYS};8h30;{ALL_DAYS};1700;",
                 "Time string for the on action improperly formed. Ensure in HHMM format."),
                # The post says "on" for the off time too; its message is kept.
                (f"{ALL_DAYS};0800;{ALL_DAYS};5pm;",
                 "Time string for the on action improperly formed. Ensure in HHMM format.")]:
            self.ec2.create_tags(Resources=[bad], Tags=[{"Key": TAG, "Value": tag}])
            response, lines = self.run_post()
            self.assertEqual(response.get("FunctionError"), "Unhandled", tag)
            self.assertIn(message, "\n".join(lines), tag)
            # The run stops before it acts on any instance.
            self.assertFalse([line for line in lines if line.startswith("Turning")], lines)
        self.assertEqual(instance_states(self.ec2, [waiting, bad]),
                         {waiting: "stopped", bad: "running"})

    def test_the_rule_runs_it_every_10_minutes(self):
        [waiting] = self.tagged(1, {TAG: post_tag(2, 180)}, "stopped")
        self.post_log.new_runs()
        advance_clock(self.serval, 600)
        self.post_log.wait_for(
            lambda got: any(f"Turning instance on: {waiting} {INSTANCE_TYPE}" in lines
                            for _, lines in got),
            "run fired by the rule", serval=self.serval)
        self.assertEqual(instance_states(self.ec2, [waiting]), {waiting: "running"})

    def test_the_readme_walkthrough_with_both_clis(self):
        for binary in ("aws", "/usr/bin/aws"):
            cmd = [binary, "--endpoint-url", self.serval.endpoint, "--region", REGION,
                   "--output", "json"]

            def cli(*args):
                done = subprocess.run(cmd + list(args), env=self.serval.cli_env(),
                                      capture_output=True, text=True, timeout=120)
                self.assertEqual(done.returncode, 0, f"{binary} {args}: {done.stderr}")
                return json.loads(done.stdout) if done.stdout.strip() else None

            tag = post_tag(3, 180)
            [instance] = cli("ec2", "run-instances", "--image-id", "ami-12345678",
                             "--instance-type", "t2.micro", "--tag-specifications",
                             json.dumps([{"ResourceType": "instance",
                                          "Tags": [{"Key": TAG, "Value": tag}]}]))[
                                 "Instances"]
            instance_id = instance["InstanceId"]
            self.addCleanup(self.ec2.delete_tags, Resources=[instance_id], Tags=[{"Key": TAG}])
            cli("ec2", "wait", "instance-running", "--instance-ids", instance_id)
            cli("ec2", "stop-instances", "--instance-ids", instance_id)
            cli("ec2", "wait", "instance-stopped", "--instance-ids", instance_id)
            with tempfile.TemporaryDirectory() as tmp:
                cli("lambda", "invoke", "--function-name", POST_FUNCTION, f"{tmp}/out.json")
            cli("ec2", "wait", "instance-running", "--instance-ids", instance_id)
            state = cli("ec2", "describe-instances", "--instance-ids", instance_id, "--query",
                        "Reservations[0].Instances[0].State.Name")
            self.assertEqual(state, "running", binary)


class HandOverTest(SchedulerBlueprintCase):
    """The two schedulers read different tags; a redeploy hands the post's tag to the better
    one and disables the post's rule, so that only one acts on an instance."""

    def test_each_reads_its_own_tag_until_the_post_hands_over(self):
        [post_only] = self.tagged(1, {TAG: post_tag(3, 180)}, "stopped")
        [better_only] = self.tagged(1, {"InstanceSchedule": post_tag(3, 180)}, "stopped")
        response, lines = self.run_post()
        self.assertNotIn("FunctionError", response)
        self.assertEqual(lines, [f"Turning instance on: {post_only} {INSTANCE_TYPE}"])
        self.assertEqual(instance_states(self.ec2, [post_only, better_only]),
                         {post_only: "running", better_only: "stopped"})
        summary = json.loads(self.lam.invoke(FunctionName=SCHEDULER_FUNCTION,
                                             Payload=b"{}")["Payload"].read())
        self.assertEqual((summary["tag"], summary["resources"], summary["start"]),
                         ("InstanceSchedule", 1, 1))
        self.assertEqual(instance_states(self.ec2, [post_only, better_only]),
                         {post_only: "running", better_only: "running"})

        handed = self.serval_deploy("scheduler", "--parameter", "ScheduleTag=EntScheduler",
                                    "--parameter", "PostSchedulerState=DISABLED", check=True)
        self.assertIn(f"Rule {POST_RULE}: updated", handed.stdout)
        self.assertIn(f"Function {SCHEDULER_FUNCTION}: updated", handed.stdout)
        self.assertEqual(self.events.describe_rule(Name=POST_RULE)["State"], "DISABLED")
        self.assertEqual(self.events.describe_rule(Name=SCHEDULER_RULE)["State"], "ENABLED")
        # The post's tag now means what the better scheduler makes of it: running since 3
        # minutes ago, so nothing to do for the instance the post started.
        summary = json.loads(self.lam.invoke(FunctionName=SCHEDULER_FUNCTION,
                                             Payload=b"{}")["Payload"].read())
        self.assertEqual((summary["tag"], summary["resources"], summary["in_state"]),
                         ("EntScheduler", 1, 1))


if __name__ == "__main__":
    unittest.main()
