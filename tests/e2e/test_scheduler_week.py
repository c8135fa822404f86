"""Issue 16, part 4: the better scheduler (blueprints/scheduler/instance_scheduler.py) over a
simulated week of its rule firing every 10 minutes (`serval up --simulated-clock`, the clock
moved with POST /_serval/clock/advance), with 100 EC2 instances and some RDS DB instances whose
schedules include overnight periods, several time zones (the deployment's own and per tag)
across Europe's daylight-saving change, malformed tags, disabled ones, tags changed mid-week, an
instance started by hand outside its hours, a dry run, a repeated event, and ticks missed while
Serval was stopped (restarts on the same data dir with a later --simulated-clock-start), then
the autumn change seven months on.

Every start and stop the function logs, and every instance's state after each run that acts, is
checked against an oracle written here from what each tag means (spelt out by hand below, not
parsed), which finds the schedule's events by walking the UTC minutes and reading each one's
wall clock, instead of converting wall times to instants as the function does."""

import bisect
import datetime
import json
import re
import subprocess
import sys
import unittest
import zoneinfo

from scheduler_case import (SCHEDULER_FUNCTION, LogReader, advance_clock, instance_states,
                            run_instances)
from serval_harness import REPO_ROOT, SERVAL_BIN, ServalProcess

UTC = datetime.timezone.utc
MINUTE = datetime.timedelta(minutes=1)
TICK = datetime.timedelta(minutes=10)
DEFAULT_ZONE = "America/New_York"  # the deployment's TimeZone
WEEKDAYS, EVERY_DAY = {0, 1, 2, 3, 4}, set(range(7))
MON, TUE, WED, THU, FRI, SAT, SUN = range(7)
RUNNING, STOPPED = "running", "stopped"


class Meaning:
    """What a tag means: on and off events as ({weekdays}, (hour, minute)), in `zone` (None:
    the deployment's); or disabled; or malformed (reported every run, never acted on)."""

    def __init__(self, on=None, off=None, zone=None, disabled=False, malformed=False):
        self.on, self.off, self.zone = on, off, zone
        self.disabled, self.malformed = disabled, malformed


SCHEDULES = {
    # The post's own examples, in the deployment's zone.
    "mon,tue,wed,thu,fri,sat,sun;0830;mon,tue,wed,thu,fri,sat,sun;1700;":
        Meaning(on=(EVERY_DAY, (8, 30)), off=(EVERY_DAY, (17, 0))),
    "mon;0700;fri;1800;": Meaning(on=({MON}, (7, 0)), off=({FRI}, (18, 0))),
    "wed,thu,fri;2100;thu,fri,sat;0500;": Meaning(on=({WED, THU, FRI}, (21, 0)),
                                                  off=({THU, FRI, SAT}, (5, 0))),
    "wed,thu,fri;2100;thu,fri,sat;0500;disable;": Meaning(disabled=True),
    # Ranges, overnight every night, a range through the weekend, HH:MM, no trailing ';'.
    "mon-fri;0800;mon-fri;1800;": Meaning(on=(WEEKDAYS, (8, 0)), off=(WEEKDAYS, (18, 0))),
    "Mon-Sun;2200;mon-sun;0600;UTC": Meaning(on=(EVERY_DAY, (22, 0)), off=(EVERY_DAY, (6, 0)),
                                             zone="UTC"),
    "fri-mon;1830;sat-tue;07:15;UTC;": Meaning(on=({FRI, SAT, SUN, MON}, (18, 30)),
                                               off=({SAT, SUN, MON, TUE}, (7, 15)), zone="UTC"),
    # Time zones: Europe's clocks go forward on Sunday 29 March 2026 at 01:00 UTC (02:00 local
    # in Berlin, which does not exist that day) and back on 25 October (02:00-03:00 twice).
    "mon-fri;0800;mon-fri;1800;Europe/Berlin;": Meaning(
        on=(WEEKDAYS, (8, 0)), off=(WEEKDAYS, (18, 0)), zone="Europe/Berlin"),
    "sat,sun;0230;sat,sun;0330;Europe/Berlin": Meaning(
        on=({SAT, SUN}, (2, 30)), off=({SAT, SUN}, (3, 30)), zone="Europe/Berlin"),
    "mon-sun;0100;mon-sun;0215;Europe/Berlin": Meaning(
        on=(EVERY_DAY, (1, 0)), off=(EVERY_DAY, (2, 15)), zone="Europe/Berlin"),
    "mon-sun;0210;mon-sun;0300;Europe/London": Meaning(
        on=(EVERY_DAY, (2, 10)), off=(EVERY_DAY, (3, 0)), zone="Europe/London"),
    "mon-fri;0900;mon-fri;1730;": Meaning(on=(WEEKDAYS, (9, 0)), off=(WEEKDAYS, (17, 30))),
    "mon-fri;1000;mon-fri;1900;Asia/Kolkata;": Meaning(
        on=(WEEKDAYS, (10, 0)), off=(WEEKDAYS, (19, 0)), zone="Asia/Kolkata"),
    "sun;2330;mon;0030;Australia/Sydney": Meaning(
        on=({SUN}, (23, 30)), off=({MON}, (0, 30)), zone="Australia/Sydney"),
    # Only stops (started by hand it is stopped again at the next run), and on and off at once
    # (no event at all: never acted on).
    ";;mon-sun;1910;": Meaning(off=(EVERY_DAY, (19, 10))),
    "tue;1200;tue;1200;": Meaning(on=({TUE}, (12, 0)), off=({TUE}, (12, 0))),
    # Malformed: each is reported and skipped, every run.
    "mon-fri;0800;mon-fri": Meaning(malformed=True),
    "mon-fri;2500;mon-fri;1800;": Meaning(malformed=True),
    "mon-fri;0800;mon-fri;1800;Mars/Olympus_Mons;": Meaning(malformed=True),
    "someday;0800;mon-fri;1800;": Meaning(malformed=True),
}
# Tags moved to mid-week (CreateTags on the instances holding the first), and what they mean.
RETAGGED = {"mon-fri;0800;mon-fri;1800;": "mon-fri;1300;mon-fri;1500;Europe/Berlin;"}
SCHEDULES["mon-fri;1300;mon-fri;1500;Europe/Berlin;"] = Meaning(
    on=(WEEKDAYS, (13, 0)), off=(WEEKDAYS, (15, 0)), zone="Europe/Berlin")

EC2_COUNT, DB_COUNT, UNTAGGED = 100, 8, 5
START = datetime.datetime(2026, 3, 23, 0, 0, 20, tzinfo=UTC)  # a Monday
# Serval is stopped after the run at STOP_AT and started again at RESTART_AT (the rule's runs in
# between are missed); then stopped at SECOND_STOP_AT and started again at AUTUMN_AT.
STOP_AT = datetime.datetime(2026, 3, 25, 10, 0, tzinfo=UTC)
RESTART_AT = datetime.datetime(2026, 3, 25, 19, 3, tzinfo=UTC)
RETAG_AT = datetime.datetime(2026, 3, 26, 11, 0, tzinfo=UTC)
BY_HAND_AT = datetime.datetime(2026, 3, 27, 23, 0, tzinfo=UTC)
DRY_RUN_AT = datetime.datetime(2026, 3, 28, 7, 3, tzinfo=UTC)
SECOND_STOP_AT = datetime.datetime(2026, 3, 30, 6, 0, tzinfo=UTC)
AUTUMN_AT = datetime.datetime(2026, 10, 24, 20, 5, tzinfo=UTC)
END = datetime.datetime(2026, 10, 26, 6, 0, tzinfo=UTC)

ACTION = re.compile(r"^(Starting|Stopping|Would start|Would stop) (\S+) \((ec2|rds)\): ")


def millis(instant):
    return int(instant.timestamp() * 1000)


def iso(instant):
    return instant.strftime("%Y-%m-%dT%H:%M:%SZ")


class Oracle:
    """The state each schedule wants at an instant, from its events found minute by minute."""

    SPANS = [(START - datetime.timedelta(days=9), SECOND_STOP_AT + TICK),
             (AUTUMN_AT - datetime.timedelta(days=9), END + TICK)]

    def __init__(self):
        self.walls = {}  # zone -> [(utc minute, [wall clock minutes that happen then])]
        self.events = {}  # tag -> sorted [(utc minute, state)]

    def _walls(self, zone_name):
        if zone_name not in self.walls:
            zone, out = zoneinfo.ZoneInfo(zone_name), []
            for first, last in self.SPANS:
                minute = first.replace(second=0)
                previous = (minute - MINUTE).astimezone(zone).replace(tzinfo=None)
                while minute <= last:
                    local = minute.astimezone(zone)
                    wall = local.replace(tzinfo=None, fold=0)
                    if local.fold == 1:
                        happening = []  # the second time round of a repeated wall time
                    else:
                        # Normally one minute; after the clock jumps forward, every wall time
                        # it skipped happens now.
                        happening, skipped = [wall], wall - MINUTE
                        while skipped > previous:
                            happening.append(skipped)
                            skipped -= MINUTE
                    out.append((minute, happening))
                    previous = max(previous, wall)
                    minute += MINUTE
            self.walls[zone_name] = out
        return self.walls[zone_name]

    def _events(self, tag):
        if tag not in self.events:
            meaning = SCHEDULES[tag]
            found = []
            for minute, walls in self._walls(meaning.zone or DEFAULT_ZONE):
                states = {state for wall in walls
                          for spec, state in ((meaning.on, RUNNING), (meaning.off, STOPPED))
                          if spec and wall.weekday() in spec[0]
                          and (wall.hour, wall.minute) == spec[1]}
                if len(states) == 1:
                    found.append((minute, states.pop()))
            self.events[tag] = found
        return self.events[tag]

    def wanted(self, tag, instant):
        """RUNNING, STOPPED or None (no opinion: disabled, malformed, no event yet)."""
        meaning = SCHEDULES[tag]
        if meaning.disabled or meaning.malformed:
            return None
        events = self._events(tag)
        at = bisect.bisect_right(events, (instant, "~"))
        return events[at - 1][1] if at else None


class SimulatedWeekTest(unittest.TestCase):
    maxDiff = 4000

    def start_serval(self, at, data_dir=None):
        self.serval = ServalProcess(data_dir=data_dir, extra_args=[
            "--python", sys.executable, "--simulated-clock-start", str(millis(at)),
            "--instance-transition-ms", "0"])
        self.addCleanup(self.serval.cleanup)
        self.addCleanup(self.serval.kill)
        self.serval.start()
        self.ec2 = self.serval.client("ec2")
        self.rds = self.serval.client("rds")
        self.lam = self.serval.client()
        self.log = LogReader(self.serval.client("logs"), SCHEDULER_FUNCTION)
        self.log.tokens, self.log.partial = self.read_tokens, {}

    def setUp(self):
        self.read_tokens = {}
        self.oracle = Oracle()
        self.model = {}  # resource id -> (kind, state), as the oracle expects it
        self.tags = {}  # resource id -> tag value
        self.checked_runs = 0

    # -- setting up ------------------------------------------------------------------------

    def deploy(self):
        done = subprocess.run(
            [SERVAL_BIN, "deploy", "blueprints/scheduler", "--endpoint-url", self.serval.endpoint,
             "--parameter", f"TimeZone={DEFAULT_ZONE}",
             # The post's function has nothing to do here (no EntScheduler tags).
             "--parameter", "PostSchedulerState=DISABLED"],
            cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, env=self.serval.cli_env())
        self.assertEqual(done.returncode, 0, done.stderr)
        # One run at a time, in the order the rule fires them.
        self.lam.put_function_concurrency(FunctionName=SCHEDULER_FUNCTION,
                                          ReservedConcurrentExecutions=1)

    def create_resources(self):
        tags = [tag for tag in SCHEDULES if tag not in RETAGGED.values()]
        for n in range(EC2_COUNT):
            tag, state = tags[n % len(tags)], (RUNNING, STOPPED)[n // len(tags) % 2]
            [instance] = run_instances(self.ec2, 1, {"InstanceSchedule": tag, "n": str(n)},
                                       state)
            self.model[instance], self.tags[instance] = ("ec2", state), tag
        self.untagged = run_instances(self.ec2, UNTAGGED, {"Name": "not scheduled"}, STOPPED)
        for n in range(DB_COUNT):
            name, tag = f"db-{n}", tags[(3 * n) % len(tags)]
            self.rds.create_db_instance(
                DBInstanceIdentifier=name, DBInstanceClass="db.t3.micro", Engine="postgres",
                MasterUsername="scheduler", MasterUserPassword="not-a-secret-1",
                AllocatedStorage=20, Tags=[{"Key": "InstanceSchedule", "Value": tag}])
            self.model[name], self.tags[name] = ("rds", RUNNING), tag

    # -- the oracle's view ------------------------------------------------------------------

    def expected_actions(self, instant):
        """{(verb, id)} the function should take at `instant`, given the model."""
        actions = set()
        for resource, (kind, state) in self.model.items():
            wanted = self.oracle.wanted(self.tags[resource], instant)
            if wanted and wanted != state:
                actions.add(("start" if wanted == RUNNING else "stop", resource))
        return actions

    def malformed(self):
        return {r for r in self.model if SCHEDULES[self.tags[r]].malformed}

    def actual_states(self):
        states = {i: ("ec2", s) for i, s in instance_states(
            self.ec2, [r for r, (kind, _) in self.model.items() if kind == "ec2"]).items()}
        for page in self.rds.get_paginator("describe_db_instances").paginate():
            for db in page["DBInstances"]:
                status = db["DBInstanceStatus"]
                states[db["DBInstanceIdentifier"]] = ("rds", RUNNING if status == "available"
                                                      else status)
        return states

    def check_run(self, lines, instant, dry_run=False):
        """One run's log: its summary is for `instant`, its actions the oracle's (applied to
        the model unless `dry_run`)."""
        summary = json.loads(lines[-1])
        self.assertEqual((summary["time"], summary["dry_run"]), (iso(instant), dry_run), lines)
        done = set()
        for line in lines[:-1]:
            match = ACTION.match(line)
            if match:
                verb = match.group(1).split()[-1].lower().replace("starting", "start").replace(
                    "stopping", "stop")
                self.assertEqual(match.group(1).startswith("Would"), dry_run, line)
                done.add((verb, match.group(2)))
        expected = self.expected_actions(instant)
        self.assertEqual(done, expected, f"run at {iso(instant)}")
        self.assertEqual((summary["start"], summary["stop"]),
                         (sum(v == "start" for v, _ in expected),
                          sum(v == "stop" for v, _ in expected)), summary)
        malformed = self.malformed()
        self.assertEqual(summary["errors"], len(malformed), summary)
        details = {e["id"] for e in summary["error_details"]}
        self.assertLessEqual(details, malformed, summary)
        self.assertEqual(len(details), min(len(malformed), 20), summary)
        self.assertEqual(summary["resources"], len(self.model), summary)
        if not dry_run:
            for verb, resource in expected:
                self.model[resource] = (self.model[resource][0],
                                        RUNNING if verb == "start" else STOPPED)
        self.checked_runs += 1
        return expected

    def check_states(self, when):
        actual = self.actual_states()
        self.assertEqual({r: actual[r] for r in self.model}, self.model, when)
        untouched = instance_states(self.ec2, self.untagged)
        self.assertEqual(set(untouched.values()), {STOPPED}, "an untagged instance was touched")

    # -- time ---------------------------------------------------------------------------------

    def next_run(self):
        [(_, lines)] = self.log.wait_for(lambda runs: runs, "scheduled run", serval=self.serval)
        self.assertTrue(lines and lines[-1].startswith("{"), lines)
        return lines

    def tick_until(self, last_tick, until):
        """Advances the clock a tick at a time while the next tick is not after `until`,
        checking each run the rule fires; returns the last tick."""
        while last_tick + TICK <= until:
            advance_clock(self.serval, 600)
            last_tick += TICK
            if self.check_run(self.next_run(), last_tick):
                self.check_states(iso(last_tick))
        return last_tick

    def restart(self, at):
        self.serval.stop()
        self.read_tokens = self.log.tokens
        self.start_serval(at, data_dir=self.serval.data_dir)
        self.check_states(f"after the restart at {iso(at)}")

    def first_tick_after(self, anchor, at):
        """The rule's first fire time after `at` (rate counts from its minute of creation)."""
        ticks = (at - anchor) // TICK + 1
        return anchor + ticks * TICK

    # -- the week -----------------------------------------------------------------------------

    def test_a_week_of_runs_matches_the_oracle(self):
        self.start_serval(START)
        self.deploy()
        self.create_resources()
        anchor = START.replace(second=0)
        self.check_states("before the first run")
        last = self.tick_until(anchor, STOP_AT)

        # Stopped for nine hours: the morning's and evening's runs are missed; the first run
        # after the restart converges.
        self.restart(RESTART_AT)
        last = self.first_tick_after(anchor, RESTART_AT) - TICK
        last = self.tick_until(last, RETAG_AT)

        # Owners change a schedule: the next run follows the new one.
        for resource, tag in list(self.tags.items()):
            if tag in RETAGGED and self.model[resource][0] == "ec2":
                self.ec2.create_tags(Resources=[resource], Tags=[
                    {"Key": "InstanceSchedule", "Value": RETAGGED[tag]}])
                self.tags[resource] = RETAGGED[tag]
        last = self.tick_until(last, BY_HAND_AT)

        # Someone starts every stopped instance by hand: the next run stops again those whose
        # schedule wants them stopped, and only those.
        stopped = [r for r, (kind, state) in self.model.items()
                   if kind == "ec2" and state == STOPPED]
        self.ec2.start_instances(InstanceIds=stopped)
        for resource in stopped:
            self.model[resource] = ("ec2", RUNNING)
        last = self.tick_until(last, DRY_RUN_AT)

        # A dry run (between two ticks) reports what a run then would do and changes nothing;
        # the same event delivered twice acts once.
        before = self.actual_states()
        between = last + datetime.timedelta(minutes=3)
        for dry_run in (True, False, False):
            out = self.lam.invoke(FunctionName=SCHEDULER_FUNCTION, Payload=json.dumps(
                {"time": iso(between), "dry_run": dry_run}))
            self.assertNotIn("FunctionError", out)
            self.check_run(self.next_run(), between, dry_run=dry_run)
            if dry_run:
                self.assertEqual(self.actual_states(), before)
        self.check_states("after the runs between ticks")
        last = self.tick_until(last, SECOND_STOP_AT)

        # Seven months later, across the autumn change.
        self.restart(AUTUMN_AT)
        last = self.first_tick_after(anchor, AUTUMN_AT) - TICK
        last = self.tick_until(last, END)
        self.check_states("at the end")
        self.assertGreater(self.checked_runs, 1000)
        self.serval.stop()


if __name__ == "__main__":
    unittest.main()
