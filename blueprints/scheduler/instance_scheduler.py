"""The better scheduler: the post's tag grammar (a superset, tag_schedule.py), state-based.

Every run puts each tagged EC2 instance and RDS DB instance in the state its schedule wants at
the run's instant: the event's `time` (EventBridge's scheduled minute), else the clock. A late,
missed or repeated run therefore changes nothing that an on-time run would not. A tag that is
not a schedule is reported and skipped; the others still run. The run's last line in the log is
a JSON summary. Configuration (environment): SCHEDULE_TAG (default InstanceSchedule), TIMEZONE
(the zone of tags that name none, default UTC), DRY_RUN (true: report, change nothing; an
event's `"dry_run": true` does the same for one run).
"""

import datetime
import json
import os
import time

import boto3
from botocore.exceptions import ClientError

import tag_schedule
from tag_schedule import RUNNING, STOPPED

SCHEDULE_TAG = os.environ.get('SCHEDULE_TAG', 'InstanceSchedule')
TIMEZONE = os.environ.get('TIMEZONE', 'UTC')
DRY_RUN = os.environ.get('DRY_RUN', 'false').lower() == 'true'
# Instance ids per StartInstances/StopInstances call.
EC2_BATCH = 100
# Error details kept in the summary (all are in the log lines before it).
SUMMARY_ERRORS = 20

# Each kind's states: what the resource is, or is becoming (a state not listed is busy with
# something else), and whether it is still on its way there.
EC2_STATES = {'running': (RUNNING, False), 'pending': (RUNNING, True),
              'stopped': (STOPPED, False), 'stopping': (STOPPED, True)}
RDS_STATES = {'available': (RUNNING, False), 'starting': (RUNNING, True),
              'stopped': (STOPPED, False), 'stopping': (STOPPED, True)}

# The summary's count, the log line's verb and its dry-run form for each state wanted.
VERBS = {RUNNING: ('start', 'Starting', 'Would start'), STOPPED: ('stop', 'Stopping', 'Would stop')}

ec2 = boto3.client('ec2')
rds = boto3.client('rds')


class Resource:
    """One scheduled EC2 or RDS instance as listed."""

    def __init__(self, kind, resource_id, state, tag):
        self.kind, self.id, self.state, self.tag = kind, resource_id, state, tag


def ec2_instances():
    pages = ec2.get_paginator('describe_instances').paginate(
        Filters=[{'Name': 'tag-key', 'Values': [SCHEDULE_TAG]}])
    for page in pages:
        for reservation in page['Reservations']:
            for instance in reservation['Instances']:
                tags = {tag['Key']: tag['Value'] for tag in instance.get('Tags', [])}
                yield Resource('ec2', instance['InstanceId'], instance['State']['Name'],
                               tags[SCHEDULE_TAG])


def db_instances():
    # DescribeDBInstances has no tag filter; its TagList carries the tags.
    for page in rds.get_paginator('describe_db_instances').paginate():
        for db in page['DBInstances']:
            tags = {tag['Key']: tag['Value'] for tag in db.get('TagList', [])}
            if SCHEDULE_TAG in tags:
                yield Resource('rds', db['DBInstanceIdentifier'], db['DBInstanceStatus'],
                               tags[SCHEDULE_TAG])


def run_instant(event):
    """When this run is: the scheduled event's minute, else now (both in UTC)."""
    if isinstance(event, dict) and isinstance(event.get('time'), str):
        return datetime.datetime.strptime(event['time'], '%Y-%m-%dT%H:%M:%SZ').replace(
            tzinfo=tag_schedule.UTC)
    return datetime.datetime.now(tag_schedule.UTC)


def iso(instant):
    return instant.strftime('%Y-%m-%dT%H:%M:%SZ')


class Run:
    """One run's decisions and what came of them. Thread-compatible."""

    def __init__(self, now, dry_run, default_zone):
        self.now, self.dry_run, self.default_zone = now, dry_run, default_zone
        self.counts = {'resources': 0, 'start': 0, 'stop': 0, 'in_state': 0, 'busy': 0,
                       'unscheduled': 0, 'errors': 0}
        self.error_details = []
        # (kind, state wanted) -> ids to act on
        self.actions = {}

    def error(self, resource, message):
        print('Skipping %s (%s): %s' % (resource.id, resource.kind, message))
        self.counts['errors'] += 1
        if len(self.error_details) < SUMMARY_ERRORS:
            self.error_details.append({'id': resource.id, 'kind': resource.kind,
                                       'error': message})

    def consider(self, resource, states):
        self.counts['resources'] += 1
        try:
            schedule = tag_schedule.parse(resource.tag, self.default_zone)
        except tag_schedule.ScheduleError as e:
            self.error(resource, 'tag %s=%s: %s' % (SCHEDULE_TAG, json.dumps(resource.tag), e))
            return
        wanted, since = schedule.wanted_state(self.now)
        if wanted is None:
            self.counts['unscheduled'] += 1
            return
        if resource.state not in states:
            self.counts['busy'] += 1  # terminated, being created, ...: nothing to schedule now
            return
        state, moving = states[resource.state]
        if state == wanted:
            self.counts['in_state'] += 1
        elif moving:
            self.counts['busy'] += 1  # the next run finds it settled
        else:
            count, doing, would = VERBS[wanted]
            print('%s %s (%s): %s wants it %s since %s' % (
                would if self.dry_run else doing, resource.id, resource.kind,
                json.dumps(resource.tag), wanted, iso(since)))
            self.actions.setdefault((resource.kind, wanted), []).append(resource)

    def apply(self):
        """Makes the changes decided (none in a dry run); counts those made or, in a dry run,
        decided."""
        for (kind, wanted), resources in sorted(self.actions.items()):
            failed = 0 if self.dry_run else ACTORS[kind](self, wanted, resources)
            self.counts[VERBS[wanted][0]] += len(resources) - failed

    def summary(self, started_at):
        out = {'time': iso(self.now), 'dry_run': self.dry_run, 'tag': SCHEDULE_TAG}
        out.update(self.counts)
        out['error_details'] = self.error_details
        out['duration_ms'] = round((time.monotonic() - started_at) * 1000)
        return out


def ec2_act(run, wanted, resources):
    """Starts or stops the instances, a batch per call; how many failed."""
    call = ec2.start_instances if wanted == RUNNING else ec2.stop_instances
    failed = 0
    for first in range(0, len(resources), EC2_BATCH):
        batch = resources[first:first + EC2_BATCH]
        try:
            call(InstanceIds=[resource.id for resource in batch])
        except ClientError:
            # One instance that cannot (IncorrectInstanceState, gone) fails the whole call: the
            # others go one at a time.
            for resource in batch:
                try:
                    call(InstanceIds=[resource.id])
                except ClientError as e:
                    run.error(resource, str(e))
                    failed += 1
    return failed


def rds_act(run, wanted, resources):
    """Starts or stops the DB instances, one per call (RDS takes one); how many failed."""
    call = rds.start_db_instance if wanted == RUNNING else rds.stop_db_instance
    failed = 0
    for resource in resources:
        try:
            call(DBInstanceIdentifier=resource.id)
        except ClientError as e:
            run.error(resource, str(e))
            failed += 1
    return failed


ACTORS = {'ec2': ec2_act, 'rds': rds_act}


def lambda_handler(event, context):
    started_at = time.monotonic()
    dry_run = DRY_RUN or (isinstance(event, dict) and event.get('dry_run') is True)
    run = Run(run_instant(event), dry_run, tag_schedule.zone_named(TIMEZONE))
    for resource in ec2_instances():
        run.consider(resource, EC2_STATES)
    for resource in db_instances():
        run.consider(resource, RDS_STATES)
    run.apply()
    summary = run.summary(started_at)
    print(json.dumps(summary, separators=(',', ':')))
    return summary
