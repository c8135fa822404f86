"""EC2 instance records with boto3 (client, the `ec2.instances` resource collections and the
waiters), the AWS CLI v1 and v2 (`describe-instances --filters --query`, `aws ec2 wait`):
RunInstances with tags, DescribeInstances filters (tags, states, ids, types, zones, wildcards),
paging and reservations, Start/Stop/Reboot/Terminate with their previous and current states moving
after --instance-transition-ms, DescribeInstanceStatus, Create/Delete/DescribeTags, regions and
zones, and states on a simulated clock."""

import datetime
import json
import os
import re
import subprocess
import time
import unittest
import uuid

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from serval_harness import ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, ServalTestCase, unique_name

INSTANCE_ID = re.compile(r"^i-[0-9a-f]{17}$")
RESERVATION_ID = re.compile(r"^r-[0-9a-f]{17}$")
IMAGE = "ami-0abcdef1234567890"
TRANSITION_MS = 400
FAST_WAIT = {"Delay": 1, "MaxAttempts": 20}
CLI_V2 = "/usr/bin/aws"


def state_of(instance):
    return instance["State"]["Name"]


class Ec2Case(ServalTestCase):
    SERVAL_ARGS = ("--instance-transition-ms", str(TRANSITION_MS))

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ec2 = cls.serval.client("ec2")

    def launch(self, count=1, tags=None, **kw):
        """RunInstances of `count` instances tagged `tags` (a dict); returns the reservation."""
        args = {"ImageId": IMAGE, "MinCount": count, "MaxCount": count,
                "InstanceType": "t3.micro", **kw}
        if tags:
            args["TagSpecifications"] = [{"ResourceType": "instance", "Tags": [
                {"Key": k, "Value": v} for k, v in tags.items()]}]
        return self.ec2.run_instances(**args)

    def launch_ids(self, count=1, tags=None, **kw):
        return [i["InstanceId"] for i in self.launch(count, tags, **kw)["Instances"]]

    def instances(self, **kw):
        """Every instance DescribeInstances lists for `kw`, through the paginator."""
        pages = self.ec2.get_paginator("describe_instances").paginate(**kw)
        return [i for page in pages for r in page["Reservations"] for i in r["Instances"]]

    def ids_matching(self, *filters):
        return sorted(i["InstanceId"] for i in self.instances(Filters=list(filters)))

    def wait(self, name, ids):
        self.ec2.get_waiter(name).wait(InstanceIds=ids, WaiterConfig=FAST_WAIT)


class RunAndDescribeTest(Ec2Case):
    def test_run_instances_answers_a_reservation_of_pending_instances(self):
        reservation = self.launch(2, tags={"Name": "web", "EntScheduler": "mon;0800;fri;1800;"},
                                  KeyName="ops-key")
        self.assertRegex(reservation["ReservationId"], RESERVATION_ID)
        self.assertEqual(reservation["OwnerId"], ACCOUNT)
        instances = reservation["Instances"]
        self.assertEqual([i["AmiLaunchIndex"] for i in instances], [0, 1])
        for instance in instances:
            self.assertRegex(instance["InstanceId"], INSTANCE_ID)
            self.assertEqual(instance["State"], {"Code": 0, "Name": "pending"})
            self.assertEqual(instance["ImageId"], IMAGE)
            self.assertEqual(instance["InstanceType"], "t3.micro")
            self.assertEqual(instance["KeyName"], "ops-key")
            self.assertIsInstance(instance["LaunchTime"], datetime.datetime)
            self.assertLess(abs(instance["LaunchTime"].timestamp() - time.time()), 60)
            self.assertIn(instance["Placement"]["AvailabilityZone"],
                          [f"{REGION}a", f"{REGION}b", f"{REGION}c"])
            self.assertRegex(instance["PrivateIpAddress"], r"^172\.31\.\d+\.\d+$")
            self.assertEqual(instance["PrivateDnsName"],
                             f"ip-{instance['PrivateIpAddress'].replace('.', '-')}.ec2.internal")
            self.assertEqual(instance["Architecture"], "x86_64")
            self.assertEqual(instance["RootDeviceType"], "ebs")
            self.assertEqual(instance["Monitoring"], {"State": "disabled"})
            self.assertRegex(instance["SubnetId"], r"^subnet-[0-9a-f]{17}$")
            self.assertRegex(instance["VpcId"], r"^vpc-[0-9a-f]{17}$")
            self.assertEqual(instance["StateTransitionReason"], "")
            self.assertEqual(sorted((t["Key"], t["Value"]) for t in instance["Tags"]),
                             [("EntScheduler", "mon;0800;fri;1800;"), ("Name", "web")])
        self.assertEqual(len({i["PrivateIpAddress"] for i in instances}), 2)

        ids = [i["InstanceId"] for i in instances]
        self.wait("instance_running", ids)
        described = self.ec2.describe_instances(InstanceIds=ids)["Reservations"]
        self.assertEqual(len(described), 1, "one RunInstances, one reservation")
        self.assertEqual(described[0]["ReservationId"], reservation["ReservationId"])
        self.assertEqual([(i["InstanceId"], i["State"]) for i in described[0]["Instances"]],
                         [(i, {"Code": 16, "Name": "running"}) for i in ids])

    def test_the_transition_takes_the_configured_time(self):
        [instance] = self.launch_ids()
        started = time.monotonic()
        self.assertEqual(state_of(self.ec2.describe_instances(
            InstanceIds=[instance])["Reservations"][0]["Instances"][0]), "pending")
        while True:
            state = state_of(self.ec2.describe_instances(
                InstanceIds=[instance])["Reservations"][0]["Instances"][0])
            if state == "running":
                break
            self.assertEqual(state, "pending")
            self.assertLess(time.monotonic() - started, 5)
            time.sleep(0.05)
        self.assertGreaterEqual(time.monotonic() - started, TRANSITION_MS / 1000 * 0.8)

    def test_client_token_makes_run_idempotent(self):
        token = str(uuid.uuid4())
        first = self.launch(2, ClientToken=token)
        again = self.launch(2, ClientToken=token)
        self.assertEqual(again["ReservationId"], first["ReservationId"])
        self.assertEqual([i["InstanceId"] for i in again["Instances"]],
                         [i["InstanceId"] for i in first["Instances"]])

    def test_placement_and_monitoring_are_kept(self):
        [instance] = self.launch(Placement={"AvailabilityZone": f"{REGION}c"},
                                 Monitoring={"Enabled": True})["Instances"]
        self.assertEqual(instance["Placement"]["AvailabilityZone"], f"{REGION}c")
        self.assertEqual(instance["Monitoring"], {"State": "enabled"})


class FilterTest(Ec2Case):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.key = unique_name("Sched")
        ec2 = cls.ec2
        def run(tags, instance_type="t3.micro", image=IMAGE):
            spec = [{"ResourceType": "instance",
                     "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}] if tags else []
            return ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
                                     InstanceType=instance_type,
                                     TagSpecifications=spec)["Instances"][0]["InstanceId"]
        cls.office = run({cls.key: "mon-fri;0800;mon-fri;1800;", "Team": "web"})
        cls.night = run({cls.key: "sat;2200;sun;0600;", "Team": "data"}, "m5.large")
        cls.other_image = run({"Team": "web*"}, image="ami-12345678")
        cls.untagged = run(None, "t3.small")
        cls.everyone = sorted([cls.office, cls.night, cls.other_image, cls.untagged])
        ec2.get_waiter("instance_running").wait(InstanceIds=cls.everyone,
                                                WaiterConfig=FAST_WAIT)
        ec2.stop_instances(InstanceIds=[cls.night])
        ec2.get_waiter("instance_stopped").wait(InstanceIds=[cls.night], WaiterConfig=FAST_WAIT)

    def mine(self, *filters):
        """The ids of this class's instances that `filters` match."""
        return sorted(set(self.ids_matching(*filters)) & set(self.everyone))

    def test_tag_key_lists_only_tagged_instances(self):
        self.assertEqual(self.ids_matching({"Name": "tag-key", "Values": [self.key]}),
                         sorted([self.office, self.night]))

    def test_tag_value_with_wildcards(self):
        key = f"tag:{self.key}"
        self.assertEqual(self.ids_matching({"Name": key, "Values": ["mon-fri;*"]}), [self.office])
        self.assertEqual(self.ids_matching({"Name": key, "Values": ["sa?;2200;*"]}), [self.night])
        self.assertEqual(self.ids_matching({"Name": key, "Values": ["*;0?00;*"]}),
                         sorted([self.office, self.night]))
        self.assertEqual(self.ids_matching({"Name": key, "Values": ["mon-fri"]}), [])
        # A backslash makes * literal.
        self.assertEqual(self.mine({"Name": "tag:Team", "Values": ["web\\*"]}), [self.other_image])
        self.assertEqual(self.mine({"Name": "tag:Team", "Values": ["web*"]}),
                         sorted([self.office, self.other_image]))
        self.assertEqual(self.mine({"Name": "tag-value", "Values": ["data"]}), [self.night])

    def test_values_or_and_filters_and(self):
        self.assertEqual(self.mine({"Name": "instance-state-name", "Values": ["stopped"]}),
                         [self.night])
        self.assertEqual(
            self.mine({"Name": "instance-state-name", "Values": ["running", "stopped"]}),
            self.everyone)
        self.assertEqual(self.mine({"Name": "instance-state-name", "Values": ["running"]},
                                   {"Name": "tag-key", "Values": [self.key]}), [self.office])
        self.assertEqual(self.mine({"Name": "instance-state-code", "Values": ["80"]}),
                         [self.night])

    def test_id_type_image_and_zone(self):
        self.assertEqual(self.ids_matching({"Name": "instance-id", "Values": [self.untagged]}),
                         [self.untagged])
        self.assertEqual(self.mine({"Name": "instance-type", "Values": ["m5.*"]}), [self.night])
        self.assertEqual(self.mine({"Name": "instance-type", "Values": ["t3.small"]}),
                         [self.untagged])
        self.assertEqual(self.mine({"Name": "image-id", "Values": ["ami-12345678"]}),
                         [self.other_image])
        zone = self.ec2.describe_instances(InstanceIds=[self.office])[
            "Reservations"][0]["Instances"][0]["Placement"]["AvailabilityZone"]
        self.assertIn(self.office, self.mine({"Name": "availability-zone", "Values": [zone]}))
        self.assertEqual(self.mine({"Name": "availability-zone", "Values": ["nowhere-1a"]}), [])

    def test_instance_ids_and_filters_together(self):
        self.assertEqual(
            sorted(i["InstanceId"] for i in self.instances(
                InstanceIds=[self.office, self.night],
                Filters=[{"Name": "instance-state-name", "Values": ["stopped"]}])),
            [self.night])

    def test_resource_collection_filter_start_and_stop(self):
        ec2 = boto3.session.Session(
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            region_name=REGION).resource("ec2", endpoint_url=self.serval.endpoint)
        scheduled = list(ec2.instances.filter(
            Filters=[{"Name": "tag-key", "Values": [self.key]}]))
        self.assertEqual(sorted(i.id for i in scheduled), sorted([self.office, self.night]))
        by_id = {i.id: i for i in scheduled}
        self.assertEqual(by_id[self.office].state["Name"], "running")
        self.assertEqual(by_id[self.night].state["Name"], "stopped")
        self.assertEqual({t["Key"] for t in by_id[self.office].tags}, {self.key, "Team"})
        self.assertEqual(by_id[self.office].instance_type, "t3.micro")

        stopped = by_id[self.office].stop()
        self.assertEqual(stopped["StoppingInstances"][0]["CurrentState"]["Name"], "stopping")
        by_id[self.office].wait_until_stopped(WaiterConfig=FAST_WAIT)
        self.assertEqual(by_id[self.office].state["Name"], "stopped")
        started = by_id[self.office].start()
        self.assertEqual(started["StartingInstances"][0]["PreviousState"]["Name"], "stopped")
        by_id[self.office].wait_until_running(WaiterConfig=FAST_WAIT)
        by_id[self.office].reload()
        self.assertEqual(by_id[self.office].state, {"Code": 16, "Name": "running"})


class PagingTest(Ec2Case):
    def test_max_results_pages_through_instances_and_reservations(self):
        key = unique_name("Page")
        ids = self.launch_ids(4, tags={key: "1"}) + self.launch_ids(3, tags={key: "2"})
        filters = [{"Name": "tag-key", "Values": [key]}]
        first = self.ec2.describe_instances(Filters=filters, MaxResults=5)
        self.assertEqual([len(r["Instances"]) for r in first["Reservations"]], [4, 1])
        self.assertIn("NextToken", first)
        second = self.ec2.describe_instances(Filters=filters, MaxResults=5,
                                             NextToken=first["NextToken"])
        self.assertEqual([len(r["Instances"]) for r in second["Reservations"]], [2])
        self.assertNotIn("NextToken", second)
        self.assertEqual(second["Reservations"][0]["ReservationId"],
                         first["Reservations"][1]["ReservationId"])
        listed = [i["InstanceId"] for page in (first, second)
                  for r in page["Reservations"] for i in r["Instances"]]
        self.assertEqual(listed, ids, "launch order, no instance twice")
        paged = self.ec2.get_paginator("describe_instances").paginate(
            Filters=filters, PaginationConfig={"PageSize": 5})
        self.assertEqual([i["InstanceId"] for p in paged for r in p["Reservations"]
                          for i in r["Instances"]], ids)


class StateChangeTest(Ec2Case):
    def test_stop_start_reboot_terminate(self):
        [instance] = self.launch_ids(tags={"Name": "cycle"})
        self.wait("instance_running", [instance])

        stopping = self.ec2.stop_instances(InstanceIds=[instance])["StoppingInstances"]
        self.assertEqual(stopping, [{"InstanceId": instance,
                                     "CurrentState": {"Code": 64, "Name": "stopping"},
                                     "PreviousState": {"Code": 16, "Name": "running"}}])
        self.wait("instance_stopped", [instance])
        described = self.ec2.describe_instances(InstanceIds=[instance])[
            "Reservations"][0]["Instances"][0]
        self.assertRegex(described["StateTransitionReason"],
                         r"^User initiated \(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d GMT\)$")
        self.assertEqual(described["StateReason"]["Code"], "Client.UserInitiatedShutdown")
        # Stopping a stopped instance changes nothing; Force is accepted.
        again = self.ec2.stop_instances(InstanceIds=[instance], Force=True)["StoppingInstances"]
        self.assertEqual((again[0]["PreviousState"]["Name"], again[0]["CurrentState"]["Name"]),
                         ("stopped", "stopped"))

        starting = self.ec2.start_instances(InstanceIds=[instance])["StartingInstances"]
        self.assertEqual((starting[0]["PreviousState"], starting[0]["CurrentState"]),
                         ({"Code": 80, "Name": "stopped"}, {"Code": 0, "Name": "pending"}))
        self.wait("instance_running", [instance])
        self.ec2.reboot_instances(InstanceIds=[instance])
        self.assertEqual(state_of(self.ec2.describe_instances(
            InstanceIds=[instance])["Reservations"][0]["Instances"][0]), "running")

        terminating = self.ec2.terminate_instances(InstanceIds=[instance])["TerminatingInstances"]
        self.assertEqual((terminating[0]["PreviousState"]["Name"],
                          terminating[0]["CurrentState"]), ("running",
                                                            {"Code": 32, "Name": "shutting-down"}))
        self.wait("instance_terminated", [instance])
        with self.assertRaises(ClientError) as refused:
            self.ec2.start_instances(InstanceIds=[instance])
        self.assertEqual(refused.exception.response["Error"]["Code"], "IncorrectInstanceState")
        self.assertEqual(refused.exception.response["Error"]["Message"],
                         f"The instance '{instance}' is not in a state from which it can be "
                         "started.")
        # Terminated instances stay listed (for about an hour).
        self.assertIn(instance, self.ids_matching(
            {"Name": "instance-state-name", "Values": ["terminated"]}))

    def test_several_instances_change_together_or_not_at_all(self):
        ids = self.launch_ids(3)
        self.wait("instance_running", ids)
        self.ec2.terminate_instances(InstanceIds=[ids[2]])
        self.wait("instance_terminated", [ids[2]])
        with self.assertRaises(ClientError) as refused:
            self.ec2.stop_instances(InstanceIds=ids)
        self.assertEqual(refused.exception.response["Error"]["Message"],
                         f"This instance '{ids[2]}' is not in a state from which it can be "
                         "stopped.")
        states = {i["InstanceId"]: state_of(i) for i in self.instances(InstanceIds=ids[:2])}
        self.assertEqual(states, {ids[0]: "running", ids[1]: "running"})
        stopping = self.ec2.stop_instances(InstanceIds=ids[:2])["StoppingInstances"]
        self.assertEqual([s["InstanceId"] for s in stopping], ids[:2])

    def test_describe_instance_status(self):
        ids = self.launch_ids(2)
        self.wait("instance_running", ids)
        self.ec2.stop_instances(InstanceIds=[ids[1]])
        self.wait("instance_stopped", [ids[1]])
        statuses = self.ec2.describe_instance_status(InstanceIds=ids)["InstanceStatuses"]
        self.assertEqual([s["InstanceId"] for s in statuses], [ids[0]],
                         "only running instances without IncludeAllInstances")
        self.assertEqual(statuses[0]["InstanceState"], {"Code": 16, "Name": "running"})
        self.assertEqual(statuses[0]["InstanceStatus"]["Status"], "ok")
        self.assertEqual(statuses[0]["SystemStatus"]["Details"],
                         [{"Name": "reachability", "Status": "passed"}])
        everything = self.ec2.describe_instance_status(InstanceIds=ids, IncludeAllInstances=True)
        by_id = {s["InstanceId"]: s for s in everything["InstanceStatuses"]}
        self.assertEqual(by_id[ids[1]]["InstanceState"]["Name"], "stopped")
        self.assertEqual(by_id[ids[1]]["InstanceStatus"]["Status"], "not-applicable")
        self.ec2.get_waiter("instance_status_ok").wait(InstanceIds=[ids[0]],
                                                        WaiterConfig=FAST_WAIT)


class TagTest(Ec2Case):
    def test_create_describe_and_delete_tags(self):
        ids = self.launch_ids(2)
        self.ec2.create_tags(Resources=ids, Tags=[{"Key": "Env", "Value": "prod"},
                                                  {"Key": "Owner", "Value": "ana"},
                                                  {"Key": "Empty", "Value": ""}])
        described = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": ids}])
        self.assertEqual(sorted((t["ResourceId"], t["Key"], t["Value"], t["ResourceType"])
                                for t in described["Tags"]),
                         sorted((i, k, v, "instance") for i in ids
                                for k, v in (("Env", "prod"), ("Owner", "ana"), ("Empty", ""))))
        by_key = self.ec2.describe_tags(Filters=[{"Name": "resource-id", "Values": ids},
                                                 {"Name": "key", "Values": ["Own*"]}])["Tags"]
        self.assertEqual({t["Value"] for t in by_key}, {"ana"})
        self.assertEqual(len(self.ec2.describe_tags(Filters=[
            {"Name": "resource-id", "Values": [ids[0]]},
            {"Name": "value", "Values": ["prod", "ana"]}])["Tags"]), 2)

        # A value that differs keeps the tag; the key alone removes it whatever its value.
        self.ec2.delete_tags(Resources=[ids[0]], Tags=[{"Key": "Env", "Value": "dev"}])
        self.ec2.delete_tags(Resources=[ids[0]], Tags=[{"Key": "Owner"}])
        self.ec2.delete_tags(Resources=[ids[1]], Tags=[{"Key": "Env", "Value": "prod"}])
        tags = {i["InstanceId"]: {t["Key"]: t["Value"] for t in i.get("Tags", [])}
                for i in self.instances(InstanceIds=ids)}
        self.assertEqual(tags, {ids[0]: {"Env": "prod", "Empty": ""},
                                ids[1]: {"Owner": "ana", "Empty": ""}})
        # Overwriting a tag replaces its value.
        self.ec2.create_tags(Resources=[ids[0]], Tags=[{"Key": "Env", "Value": "dev"}])
        self.assertEqual(self.ids_matching({"Name": "tag:Env", "Values": ["dev"]}), [ids[0]])

    def test_describe_tags_pages(self):
        [instance] = self.launch_ids(tags={f"k{n}": str(n) for n in range(7)})
        filters = [{"Name": "resource-id", "Values": [instance]}]
        first = self.ec2.describe_tags(Filters=filters, MaxResults=5)
        self.assertEqual(len(first["Tags"]), 5)
        second = self.ec2.describe_tags(Filters=filters, MaxResults=5,
                                        NextToken=first["NextToken"])
        self.assertEqual([t["Key"] for t in first["Tags"] + second["Tags"]],
                         [f"k{n}" for n in range(7)])
        self.assertNotIn("NextToken", second)


class RegionTest(Ec2Case):
    def test_regions_and_zones(self):
        regions = self.ec2.describe_regions()["Regions"]
        names = [r["RegionName"] for r in regions]
        self.assertEqual(names[0], REGION)
        self.assertIn("eu-west-1", names)
        self.assertEqual(regions[0]["Endpoint"], f"ec2.{REGION}.amazonaws.com")
        self.assertEqual(regions[0]["OptInStatus"], "opt-in-not-required")
        self.assertEqual([r["RegionName"] for r in self.ec2.describe_regions(
            RegionNames=["eu-west-1"])["Regions"]], ["eu-west-1"])
        self.assertEqual([r["RegionName"] for r in self.ec2.describe_regions(
            Filters=[{"Name": "region-name", "Values": ["ap-*"]}])["Regions"]],
            [n for n in names if n.startswith("ap-")])

        zones = self.ec2.describe_availability_zones()["AvailabilityZones"]
        self.assertEqual([z["ZoneName"] for z in zones], [f"{REGION}a", f"{REGION}b", f"{REGION}c"])
        self.assertEqual([z["ZoneId"] for z in zones], ["use1-az1", "use1-az2", "use1-az3"])
        self.assertEqual({(z["State"], z["RegionName"], z["ZoneType"]) for z in zones},
                         {("available", REGION, "availability-zone")})
        self.assertEqual([z["ZoneName"] for z in self.ec2.describe_availability_zones(
            ZoneNames=[f"{REGION}b"])["AvailabilityZones"]], [f"{REGION}b"])


class SimulatedClockTest(Ec2Case):
    """States move on Serval's clock: with --simulated-clock nothing moves until it advances."""
    SERVAL_ARGS = ("--simulated-clock", "--instance-transition-ms", "60000")

    def advance(self, seconds):
        status, _, body = self.serval.raw("POST", f"/_serval/clock/advance?seconds={seconds}",
                                          sign=False)
        self.assertEqual(status, 200, body)

    def state(self, instance):
        return state_of(self.ec2.describe_instances(
            InstanceIds=[instance])["Reservations"][0]["Instances"][0])

    def test_transitions_follow_the_simulated_clock(self):
        [instance] = self.launch_ids()
        time.sleep(0.3)
        self.assertEqual(self.state(instance), "pending")
        self.advance(59)
        self.assertEqual(self.state(instance), "pending")
        self.advance(1)
        self.assertEqual(self.state(instance), "running")
        self.ec2.stop_instances(InstanceIds=[instance])
        self.advance(30)
        self.assertEqual(self.state(instance), "stopping")
        self.advance(30)
        self.assertEqual(self.state(instance), "stopped")
        self.ec2.terminate_instances(InstanceIds=[instance])
        self.advance(60)
        self.assertEqual(self.state(instance), "terminated")
        # About an hour later the terminated instance is gone.
        self.advance(3600)
        with self.assertRaises(ClientError) as gone:
            self.ec2.describe_instances(InstanceIds=[instance])
        self.assertEqual(gone.exception.response["Error"]["Code"], "InvalidInstanceID.NotFound")


class CliTest(Ec2Case):
    """Both CLIs: v1 (`aws` on PATH, pyenv's) and v2 (Debian's /usr/bin/aws)."""

    def cli(self, binary, *args):
        cmd = [binary, "--endpoint-url", self.serval.endpoint, "--region", REGION,
               "--output", "json", *[str(a) for a in args]]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=180,
                              env=self.serval.cli_env())
        self.assertEqual(done.returncode, 0, f"{cmd}: {done.stderr}")
        return json.loads(done.stdout) if done.stdout.strip() else None

    def clis(self):
        found = [("v1", "aws")]
        if os.path.exists(CLI_V2):
            found.append(("v2", CLI_V2))
        return found

    def test_run_describe_with_query_wait_stop_and_tag(self):
        self.assertEqual(len(self.clis()), 2, "CLI v2 must be installed at /usr/bin/aws")
        for version, binary in self.clis():
            with self.subTest(cli=version):
                key = unique_name("EntScheduler")
                launched = self.cli(binary, "ec2", "run-instances", "--image-id", IMAGE,
                                    "--count", "2", "--instance-type", "t3.nano",
                                    "--tag-specifications",
                                    f"ResourceType=instance,Tags=[{{Key={key},Value=office}}]")
                ids = sorted(i["InstanceId"] for i in launched["Instances"])
                self.cli(binary, "ec2", "wait", "instance-running", "--instance-ids", *ids)
                listed = self.cli(binary, "ec2", "describe-instances", "--filters",
                                  f"Name=tag-key,Values={key}",
                                  "Name=instance-state-name,Values=running", "--query",
                                  "Reservations[].Instances[].[InstanceId,State.Name]")
                self.assertEqual(sorted(map(tuple, listed)), [(i, "running") for i in ids])
                stopped = self.cli(binary, "ec2", "stop-instances", "--instance-ids", ids[0])
                self.assertEqual(stopped["StoppingInstances"][0]["CurrentState"]["Name"],
                                 "stopping")
                self.cli(binary, "ec2", "wait", "instance-stopped", "--instance-ids", ids[0])
                self.cli(binary, "ec2", "create-tags", "--resources", ids[1], "--tags",
                         "Key=Owner,Value=ops")
                tags = self.cli(binary, "ec2", "describe-tags", "--filters",
                                f"Name=resource-id,Values={ids[1]}", "--query",
                                "Tags[].[Key,Value]")
                self.assertEqual(sorted(map(tuple, tags)), [(key, "office"), ("Owner", "ops")])
                statuses = self.cli(binary, "ec2", "describe-instances", "--instance-ids",
                                    *ids, "--query",
                                    "Reservations[].Instances[].State.Name")
                self.assertEqual(sorted(statuses), ["running", "stopped"])
                self.cli(binary, "ec2", "terminate-instances", "--instance-ids", *ids)
                self.cli(binary, "ec2", "wait", "instance-terminated", "--instance-ids", *ids)

    def test_cli_errors_name_the_code(self):
        for version, binary in self.clis():
            with self.subTest(cli=version):
                done = subprocess.run(
                    [binary, "--endpoint-url", self.serval.endpoint, "--region", REGION,
                     "ec2", "stop-instances", "--instance-ids", "i-0123456789abcdef0"],
                    capture_output=True, text=True, timeout=120, env=self.serval.cli_env())
                self.assertNotEqual(done.returncode, 0)
                self.assertIn("(InvalidInstanceID.NotFound)", done.stderr)
                self.assertIn("The instance ID 'i-0123456789abcdef0' does not exist",
                              done.stderr)


if __name__ == "__main__":
    unittest.main()
