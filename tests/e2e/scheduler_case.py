"""Shared by the scheduler blueprint's suites (test_scheduler_blueprint.py,
test_scheduler_week.py): reading a function's log as it grows, moving the simulated clock, and
creating tagged EC2 and RDS instance records."""

from __future__ import annotations

import time

POST_FUNCTION = "enterprise_scheduler_function"
POST_RULE = "enterprise_scheduler_schedule"
SCHEDULER_FUNCTION = "instance_scheduler"
SCHEDULER_RULE = "instance_scheduler_schedule"


class LogReader:
    """A function's log as it grows: each call returns what was logged since the last, whole
    invocations at a time. Thread-compatible."""

    def __init__(self, logs, function):
        self.logs = logs
        self.group = f"/aws/lambda/{function}"
        self.tokens = {}  # stream -> nextForwardToken
        self.partial = {}  # stream -> lines of an invocation whose END is not read yet

    def _streams(self):
        streams, kw = [], {}
        while True:
            page = self.logs.describe_log_streams(logGroupName=self.group, **kw)
            streams += [s["logStreamName"] for s in page["logStreams"]]
            if not page.get("nextToken"):
                return streams
            kw = {"nextToken": page["nextToken"]}

    def _stream_lines(self, stream):
        lines = []
        while True:
            kw = ({"nextToken": self.tokens[stream]} if stream in self.tokens
                  else {"startFromHead": True})
            page = self.logs.get_log_events(logGroupName=self.group, logStreamName=stream, **kw)
            lines += [event["message"].rstrip("\n") for event in page["events"]]
            done = self.tokens.get(stream) == page["nextForwardToken"] or not page["events"]
            self.tokens[stream] = page["nextForwardToken"]
            if done:
                return lines

    def new_runs(self):
        """The invocations whose END was logged since the last call: (request id, the lines
        between START and END)."""
        try:
            streams = self._streams()
        except self.logs.exceptions.ResourceNotFoundException:
            return []  # nothing logged yet
        runs = []
        for stream in sorted(streams):
            for line in self._stream_lines(stream):
                if line.startswith("START RequestId: "):
                    self.partial[stream] = []
                elif line.startswith("END RequestId: "):
                    runs.append((line.split()[2], self.partial.pop(stream, [])))
                elif not line.startswith("REPORT RequestId: ") and stream in self.partial:
                    self.partial[stream].append(line)
        return runs

    def wait_for(self, done, what, timeout=60, serval=None):
        """Reads invocations until done(all read by this call) is true; returns them."""
        deadline = time.monotonic() + timeout
        runs = []
        while True:
            runs += self.new_runs()
            if done(runs):
                return runs
            if time.monotonic() > deadline:
                raise AssertionError(f"no {what} in {timeout}s; read: {runs[-5:]}"
                                     + ("\n" + serval.log_tail(3000) if serval else ""))
            time.sleep(0.02)


def advance_clock(serval, seconds):
    """Moves `serval up --simulated-clock`'s clock (docs/scheduling.md)."""
    status, _, body = serval.raw("POST", f"/_serval/clock/advance?seconds={seconds}", sign=False)
    assert status == 200, (status, body)


def run_instances(ec2, count, tags=None, state="running", instance_type="t3.micro"):
    """`count` instance records with `tags` ({key: value}), left `state` (running or stopped);
    their ids in launch order."""
    kw = {}
    if tags:
        kw["TagSpecifications"] = [{"ResourceType": "instance", "Tags": [
            {"Key": key, "Value": value} for key, value in tags.items()]}]
    ids = [i["InstanceId"] for i in ec2.run_instances(
        ImageId="ami-12345678", InstanceType=instance_type, MinCount=count, MaxCount=count,
        **kw)["Instances"]]
    ec2.get_waiter("instance_running").wait(InstanceIds=ids, WaiterConfig={"Delay": 1})
    if state == "stopped":
        ec2.stop_instances(InstanceIds=ids)
        ec2.get_waiter("instance_stopped").wait(InstanceIds=ids, WaiterConfig={"Delay": 1})
    return ids


def instance_states(ec2, ids):
    """{instance id: state name} of `ids`."""
    out = {}
    for page in ec2.get_paginator("describe_instances").paginate(InstanceIds=list(ids)):
        for reservation in page["Reservations"]:
            for instance in reservation["Instances"]:
                out[instance["InstanceId"]] = instance["State"]["Name"]
    return out
