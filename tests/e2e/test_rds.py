"""RDS (issue 16 part 2) with boto3, the AWS CLI v1 and v2 and raw query requests: DB instance
records created, described (TagList, ARN, Endpoint once available, filters, MaxRecords/Marker
paging), stopped, started and deleted through their lifecycle with boto3's waiters; tags by ARN;
RDS's errors in the query shape (unknown instance, wrong state, bad identifier and parameters,
unknown action, bad signatures); an IAM denial of rds:StopDBInstance in enforce mode; records,
statuses and tags surviving kill -9; statuses that move with the simulated clock."""

import json
import os
import re
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import WaiterError

from iam_case import role_session
from serval_harness import (ACCESS_KEY, ACCOUNT, REGION, SECRET_KEY, ServalTestCase,
                            unique_name)

NAMESPACE = "{http://rds.amazonaws.com/doc/2014-10-31/}"
PASSWORD = "never-echo-7f3a9c"
# How long a transitional status lasts in the lifecycle suites.
TRANSITION_MS = 400
FAST_WAIT = {"Delay": 0.1, "MaxAttempts": 100}


def db_arn(identifier):
    return f"arn:aws:rds:{REGION}:{ACCOUNT}:db:{identifier}"


def db_id(prefix="db"):
    return unique_name(prefix).lower().replace("_", "-")


class RdsCase(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.rds = cls.serval.client("rds")

    def create(self, identifier=None, **extra):
        identifier = identifier or db_id()
        args = {"DBInstanceIdentifier": identifier, "DBInstanceClass": "db.t3.micro",
                "Engine": "postgres", "MasterUsername": "admin",
                "MasterUserPassword": PASSWORD, "AllocatedStorage": 20}
        args.update(extra)
        return self.rds.create_db_instance(**args)["DBInstance"]

    def describe(self, identifier):
        (instance,) = self.rds.describe_db_instances(
            DBInstanceIdentifier=identifier)["DBInstances"]
        return instance

    def status(self, identifier):
        return self.describe(identifier)["DBInstanceStatus"]

    def wait_status(self, identifier, status, timeout=10):
        deadline = time.monotonic() + timeout
        while self.status(identifier) != status:
            self.assertLess(time.monotonic(), deadline, f"{identifier} never {status}")
            time.sleep(0.05)

    def assert_error(self, response, code, status, message=None):
        self.assertEqual(response["Error"]["Code"], code, response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status, response)
        self.assertEqual(response["Error"].get("Type"), "Sender", response)
        if message is not None:
            self.assertEqual(response["Error"]["Message"], message)

    def query(self, params, secret=SECRET_KEY, access_key=ACCESS_KEY, sign=True):
        """A raw query request (Version 2014-10-31 added), SigV4-signed for rds unless `sign` is
        false: (status, body text)."""
        body = urllib.parse.urlencode({"Version": "2014-10-31", **params}).encode()
        url = self.serval.endpoint + "/"
        headers = {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"}
        if sign:
            request = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body,
                                                     headers=headers)
            botocore.auth.SigV4Auth(botocore.credentials.Credentials(access_key, secret), "rds",
                                    REGION).add_auth(request)
            headers = dict(request.headers.items())
        request = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode()

    def assert_query_error(self, status, body, code, http_status):
        """`body` is the query protocol's <ErrorResponse> with `code`."""
        self.assertEqual(status, http_status, body)
        root = ET.fromstring(body)
        self.assertEqual(root.tag.split("}")[-1], "ErrorResponse", body)
        error = root.find(f"{NAMESPACE}Error") or root.find("Error")
        self.assertIsNotNone(error, body)
        fields = {child.tag.split("}")[-1]: child.text for child in error}
        self.assertEqual(fields.get("Code"), code, body)
        self.assertEqual(fields.get("Type"), "Sender", body)
        self.assertTrue(fields.get("Message"), body)
        return fields["Message"]


class LifecycleTest(RdsCase):
    SERVAL_ARGS = ("--instance-transition-ms", str(TRANSITION_MS))

    def test_create_wait_stop_start_delete_with_waiters(self):
        identifier = db_id("Orders")
        created = self.create(identifier.upper(), DBName="orders", MultiAZ=False,
                              Tags=[{"Key": "Schedule", "Value": "office"}])
        # RDS keeps the identifier in lower case.
        self.assertEqual(created["DBInstanceIdentifier"], identifier)
        self.assertEqual(created["DBInstanceStatus"], "creating")
        self.assertNotIn("Endpoint", created)
        self.assertEqual(created["DBInstanceArn"], db_arn(identifier))
        self.assertEqual(created["Engine"], "postgres")
        self.assertEqual(created["AllocatedStorage"], 20)
        self.assertEqual(created["TagList"], [{"Key": "Schedule", "Value": "office"}])
        self.assertTrue(re.fullmatch(r"db-[0-9A-Z]{26}", created["DbiResourceId"]), created)
        self.assertEqual(self.status(identifier), "creating")

        self.rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier=identifier,
                                                          WaiterConfig=FAST_WAIT)
        available = self.describe(identifier)
        self.assertEqual(available["DBInstanceStatus"], "available")
        self.assertEqual(available["Endpoint"]["Port"], 5432)
        self.assertTrue(available["Endpoint"]["Address"].startswith(identifier + "."))
        self.assertIn("InstanceCreateTime", available)
        self.assertEqual(available["DBName"], "orders")
        self.assertEqual(available["MasterUsername"], "admin")

        stopping = self.rds.stop_db_instance(DBInstanceIdentifier=identifier)["DBInstance"]
        self.assertEqual(stopping["DBInstanceStatus"], "stopping")
        self.assert_error(self.error_of(self.rds.stop_db_instance,
                                        DBInstanceIdentifier=identifier),
                          "InvalidDBInstanceState", 400,
                          f"Instance {identifier} is not in available state.")
        self.assert_error(self.error_of(self.rds.start_db_instance,
                                        DBInstanceIdentifier=identifier),
                          "InvalidDBInstanceState", 400,
                          f"Instance {identifier} is not stopped, it cannot be started.")
        if "DBInstanceStopped" in self.rds.waiter_names:
            self.rds.get_waiter("db_instance_stopped").wait(DBInstanceIdentifier=identifier,
                                                            WaiterConfig=FAST_WAIT)
        self.wait_status(identifier, "stopped")

        starting = self.rds.start_db_instance(DBInstanceIdentifier=identifier)["DBInstance"]
        self.assertEqual(starting["DBInstanceStatus"], "starting")
        self.rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier=identifier,
                                                          WaiterConfig=FAST_WAIT)

        self.assert_error(self.error_of(self.rds.delete_db_instance,
                                        DBInstanceIdentifier=identifier),
                          "InvalidParameterCombination", 400,
                          "FinalDBSnapshotIdentifier is required unless SkipFinalSnapshot is "
                          "specified.")
        deleting = self.rds.delete_db_instance(DBInstanceIdentifier=identifier,
                                               SkipFinalSnapshot=True)["DBInstance"]
        self.assertEqual(deleting["DBInstanceStatus"], "deleting")
        self.assert_error(self.error_of(self.rds.delete_db_instance,
                                        DBInstanceIdentifier=identifier, SkipFinalSnapshot=True),
                          "InvalidDBInstanceState", 400,
                          f"Instance {identifier} is already being deleted.")
        self.rds.get_waiter("db_instance_deleted").wait(DBInstanceIdentifier=identifier,
                                                        WaiterConfig=FAST_WAIT)
        with self.assertRaises(self.rds.exceptions.DBInstanceNotFoundFault):
            self.rds.describe_db_instances(DBInstanceIdentifier=identifier)
        # The identifier is free again.
        self.assertEqual(self.create(identifier)["DBInstanceStatus"], "creating")

    def test_available_waiter_fails_on_a_deleting_instance(self):
        identifier = db_id()
        self.create(identifier)
        self.rds.delete_db_instance(DBInstanceIdentifier=identifier, SkipFinalSnapshot=True)
        with self.assertRaises(WaiterError):
            self.rds.get_waiter("db_instance_available").wait(DBInstanceIdentifier=identifier,
                                                              WaiterConfig=FAST_WAIT)

    def test_create_twice_is_refused(self):
        identifier = db_id()
        self.create(identifier)
        self.assert_error(self.error_of(self.create, identifier=identifier),
                          "DBInstanceAlreadyExists", 400)

    def test_the_password_is_never_echoed(self):
        identifier = db_id()
        status, body = self.query({"Action": "CreateDBInstance",
                                   "DBInstanceIdentifier": identifier,
                                   "DBInstanceClass": "db.t3.micro", "Engine": "mysql",
                                   "MasterUsername": "admin", "MasterUserPassword": PASSWORD,
                                   "AllocatedStorage": "20"})
        self.assertEqual(status, 200, body)
        self.assertIn("<DBInstanceStatus>creating</DBInstanceStatus>", body)
        self.assertNotIn(PASSWORD, body)
        self.wait_status(identifier, "available")
        status, body = self.query({"Action": "DescribeDBInstances",
                                   "DBInstanceIdentifier": identifier})
        self.assertEqual(status, 200, body)
        self.assertNotIn(PASSWORD, body)
        self.assertIn("<Port>3306</Port>", body)
        for name in os.listdir(self.serval.data_dir):
            if name.startswith("serval.db"):
                with open(os.path.join(self.serval.data_dir, name), "rb") as f:
                    self.assertNotIn(PASSWORD.encode(), f.read(), name)


class DescribeTest(RdsCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.prefix = db_id("page")
        cls.identifiers = sorted(f"{cls.prefix}-{i:02d}" for i in range(25))
        for i, identifier in enumerate(cls.identifiers):
            cls.rds.create_db_instance(
                DBInstanceIdentifier=identifier, DBInstanceClass="db.t3.micro",
                Engine="mysql" if i % 5 == 0 else "postgres", MasterUsername="admin",
                MasterUserPassword=PASSWORD, AllocatedStorage=20)

    def mine(self, instances):
        return [i["DBInstanceIdentifier"] for i in instances
                if i["DBInstanceIdentifier"].startswith(self.prefix)]

    def test_pages_of_max_records_with_a_marker(self):
        first = self.rds.describe_db_instances(MaxRecords=20)
        self.assertEqual(len(first["DBInstances"]), 20)
        self.assertIn("Marker", first)
        rest = self.rds.describe_db_instances(MaxRecords=20, Marker=first["Marker"])
        self.assertNotIn("Marker", rest)
        listed = self.mine(first["DBInstances"] + rest["DBInstances"])
        self.assertEqual(listed, self.identifiers)
        pages = self.rds.get_paginator("describe_db_instances").paginate(
            PaginationConfig={"PageSize": 20})
        self.assertEqual(self.mine([i for page in pages for i in page["DBInstances"]]),
                         self.identifiers)
        self.assertEqual(self.status(self.identifiers[0]), "available")

    def test_max_records_outside_20_to_100_is_refused(self):
        for bad in (19, 101):
            self.assert_error(self.error_of(self.rds.describe_db_instances, MaxRecords=bad),
                              "InvalidParameterValue", 400,
                              f"Invalid value {bad} for MaxRecords. Must be between 20 and 100")

    def test_filters(self):
        mysql = self.rds.describe_db_instances(
            Filters=[{"Name": "engine", "Values": ["mysql"]}])["DBInstances"]
        self.assertEqual(self.mine(mysql), self.identifiers[::5])
        self.assertTrue(all(i["Engine"] == "mysql" for i in mysql))
        wanted = [self.identifiers[1].upper(), db_arn(self.identifiers[2]), "absent"]
        by_id = self.rds.describe_db_instances(
            Filters=[{"Name": "db-instance-id", "Values": wanted}])["DBInstances"]
        self.assertEqual(self.mine(by_id), self.identifiers[1:3])
        both = self.rds.describe_db_instances(Filters=[
            {"Name": "db-instance-id", "Values": self.identifiers[:6]},
            {"Name": "engine", "Values": ["postgres"]}])["DBInstances"]
        self.assertEqual(self.mine(both), self.identifiers[1:5])
        self.assertEqual(self.rds.describe_db_instances(
            Filters=[{"Name": "db-cluster-id", "Values": ["c"]}])["DBInstances"], [])
        self.assert_error(self.error_of(self.rds.describe_db_instances,
                                        Filters=[{"Name": "tag:Schedule", "Values": ["x"]}]),
                          "InvalidParameterValue", 400, "Unrecognized filter name: tag:Schedule")

    def test_identifier_or_arn_any_case(self):
        for name in (self.identifiers[3].upper(), db_arn(self.identifiers[3])):
            self.assertEqual(self.describe(name)["DBInstanceIdentifier"], self.identifiers[3])


class TagTest(RdsCase):
    def test_tags_round_trip_by_arn(self):
        identifier = db_id()
        arn = self.create(identifier, Tags=[{"Key": "Schedule", "Value": "office"},
                                            {"Key": "team", "Value": "data"}])["DBInstanceArn"]
        self.assertEqual(arn, db_arn(identifier))
        self.rds.add_tags_to_resource(ResourceName=arn, Tags=[
            {"Key": "Schedule", "Value": "weekend"}, {"Key": "cost", "Value": ""}])
        tags = self.rds.list_tags_for_resource(ResourceName=arn)["TagList"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                         [("Schedule", "weekend"), ("cost", ""), ("team", "data")])
        self.rds.remove_tags_from_resource(ResourceName=arn, TagKeys=["team", "missing"])
        self.assertEqual(self.describe(identifier)["TagList"],
                         [{"Key": "Schedule", "Value": "weekend"}, {"Key": "cost", "Value": ""}])

    def test_unknown_or_foreign_arns(self):
        self.assert_error(
            self.error_of(self.rds.list_tags_for_resource, ResourceName=db_arn("nope")),
            "DBInstanceNotFound", 404, "DBInstance nope not found.")
        with self.assertRaises(self.rds.exceptions.DBInstanceNotFoundFault):
            self.rds.add_tags_to_resource(ResourceName=db_arn("nope"),
                                          Tags=[{"Key": "k", "Value": "v"}])
        self.assert_error(self.error_of(
            self.rds.list_tags_for_resource,
            ResourceName=f"arn:aws:rds:eu-west-1:{ACCOUNT}:db:{db_id()}"),
            "InvalidParameterValue", 400,
            "The specified resource name does not match an RDS resource in this region.")
        self.assert_error(self.error_of(self.rds.list_tags_for_resource, ResourceName="mydb"),
                          "InvalidParameterValue", 400, "Invalid resource name: mydb")
        identifier = db_id()
        arn = self.create(identifier)["DBInstanceArn"]
        self.assert_error(self.error_of(self.rds.add_tags_to_resource, ResourceName=arn,
                                        Tags=[{"Key": "aws:owner", "Value": "x"}]),
                          "InvalidParameterValue", 400)


class ErrorTest(RdsCase):
    def test_unknown_instance(self):
        for call in (self.rds.describe_db_instances, self.rds.stop_db_instance,
                     self.rds.start_db_instance):
            self.assert_error(self.error_of(call, DBInstanceIdentifier="nope"),
                              "DBInstanceNotFound", 404, "DBInstance nope not found.")
        with self.assertRaises(self.rds.exceptions.DBInstanceNotFoundFault):
            self.rds.delete_db_instance(DBInstanceIdentifier="nope", SkipFinalSnapshot=True)

    def test_bad_identifiers(self):
        message = ("The parameter DBInstanceIdentifier is not a valid identifier. Identifiers "
                   "must begin with a letter; must contain only ASCII letters, digits, and "
                   "hyphens; and must not end with a hyphen or contain two consecutive hyphens.")
        for bad in ("1db", "db--x", "db-", "db_x", "a" * 64):
            self.assert_error(self.error_of(self.create, identifier=bad),
                              "InvalidParameterValue", 400, message)
            self.assert_error(self.error_of(self.rds.stop_db_instance, DBInstanceIdentifier=bad),
                              "InvalidParameterValue", 400, message)

    def test_bad_parameters(self):
        cases = [
            ({"Engine": "postgress"}, "InvalidParameterValue", "Invalid DB engine"),
            ({"DBInstanceClass": "t3.micro"}, "InvalidParameterValue",
             "Invalid DB Instance class: t3.micro"),
            ({"AllocatedStorage": 5}, "InvalidParameterCombination",
             "Invalid storage size for engine name postgres and storage type gp2: 5"),
            ({"MasterUserPassword": "short"}, "InvalidParameterValue",
             "The parameter MasterUserPassword is not a valid password because it is shorter "
             "than 8 characters."),
            ({"MasterUserPassword": "with space"}, "InvalidParameterValue",
             "The parameter MasterUserPassword is not a valid password. Only printable ASCII "
             "characters besides '/', '@', '\"', ' ' may be used."),
        ]
        for extra, code, message in cases:
            self.assert_error(self.error_of(self.create, **extra), code, 400, message)
        status, body = self.query({"Action": "CreateDBInstance", "DBInstanceClass": "db.t3.micro",
                                   "Engine": "postgres"})
        self.assertIn("The request must contain the parameter DBInstanceIdentifier",
                      self.assert_query_error(status, body, "MissingParameter", 400))
        status, body = self.query({"Action": "DescribeDBInstances", "MaxRecords": "many"})
        self.assert_query_error(status, body, "InvalidParameterValue", 400)

    def test_unknown_action_and_missing_action(self):
        status, body = self.query({"Action": "RebootDBInstance", "DBInstanceIdentifier": "x"})
        self.assert_query_error(status, body, "InvalidAction", 400)
        status, body = self.query({})
        self.assert_query_error(status, body, "MissingAction", 400)

    def test_bad_signatures_in_the_query_shape(self):
        status, body = self.query({"Action": "DescribeDBInstances"}, secret="wrong")
        self.assert_query_error(status, body, "SignatureDoesNotMatch", 403)
        status, body = self.query({"Action": "DescribeDBInstances"}, access_key="AKIANOBODY")
        self.assert_query_error(status, body, "InvalidClientTokenId", 403)
        # Unsigned, nothing says the request is RDS's: it is refused all the same.
        status, body = self.query({"Action": "DescribeDBInstances"}, sign=False)
        self.assertIn(status, (400, 403), body)
        self.assertNotIn("DBInstances", body)


class CliTest(RdsCase):
    SERVAL_ARGS = ("--instance-transition-ms", str(TRANSITION_MS))

    def run_cli(self, binary, *args):
        cmd = [binary, "--endpoint-url", self.serval.endpoint, "--region", REGION,
               "--output", "json", "rds", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                              env=self.serval.cli_env(), cwd=self.serval.tmp_root)
        self.assertEqual(done.returncode, 0, f"{cmd}: {done.stderr}")
        return json.loads(done.stdout) if done.stdout.strip() else None

    def lifecycle_with(self, binary):
        identifier = db_id("cli")
        created = self.run_cli(binary, "create-db-instance", "--db-instance-identifier",
                               identifier, "--db-instance-class", "db.t3.micro", "--engine",
                               "mariadb", "--master-username", "admin",
                               "--master-user-password", PASSWORD, "--allocated-storage", "20",
                               "--tags", "Key=Schedule,Value=office")
        self.assertEqual(created["DBInstance"]["DBInstanceStatus"], "creating")
        # The CLI's waiters poll every 30 s: let the first poll find the end state.
        time.sleep(TRANSITION_MS / 1000)
        self.run_cli(binary, "wait", "db-instance-available", "--db-instance-identifier",
                     identifier)
        described = self.run_cli(binary, "describe-db-instances", "--filters",
                                 f"Name=db-instance-id,Values={identifier}")["DBInstances"]
        self.assertEqual([(d["DBInstanceStatus"], d["TagList"]) for d in described],
                         [("available", [{"Key": "Schedule", "Value": "office"}])])
        stopped = self.run_cli(binary, "stop-db-instance", "--db-instance-identifier",
                               identifier)
        self.assertEqual(stopped["DBInstance"]["DBInstanceStatus"], "stopping")
        arn = db_arn(identifier)
        self.run_cli(binary, "add-tags-to-resource", "--resource-name", arn, "--tags",
                     "Key=team,Value=data")
        self.run_cli(binary, "remove-tags-from-resource", "--resource-name", arn, "--tag-keys",
                     "Schedule")
        self.assertEqual(self.run_cli(binary, "list-tags-for-resource", "--resource-name",
                                      arn)["TagList"], [{"Key": "team", "Value": "data"}])
        self.wait_status(identifier, "stopped")
        refused = subprocess.run(
            [binary, "--endpoint-url", self.serval.endpoint, "--region", REGION, "rds",
             "stop-db-instance", "--db-instance-identifier", identifier],
            capture_output=True, text=True, timeout=120, env=self.serval.cli_env())
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("InvalidDBInstanceState", refused.stderr)
        self.run_cli(binary, "delete-db-instance", "--db-instance-identifier", identifier,
                     "--skip-final-snapshot")
        time.sleep(TRANSITION_MS / 1000)
        self.run_cli(binary, "wait", "db-instance-deleted", "--db-instance-identifier",
                     identifier)

    def test_cli_v1(self):
        self.lifecycle_with("aws")

    def test_cli_v2(self):
        if not os.path.exists("/usr/bin/aws"):
            self.skipTest("no AWS CLI v2 at /usr/bin/aws")
        self.lifecycle_with("/usr/bin/aws")


class SimulatedClockTest(RdsCase):
    SERVAL_ARGS = ("--simulated-clock", "--instance-transition-ms", "60000")

    def advance(self, seconds):
        status, _, body = self.serval.raw("POST", f"/_serval/clock/advance?seconds={seconds}",
                                          sign=False)
        self.assertEqual(status, 200, body)

    def test_statuses_move_with_the_simulated_clock(self):
        identifier = db_id()
        self.create(identifier)
        time.sleep(0.3)
        self.assertEqual(self.status(identifier), "creating")
        self.advance(59)
        self.assertEqual(self.status(identifier), "creating")
        self.advance(1)
        self.assertEqual(self.status(identifier), "available")
        self.rds.stop_db_instance(DBInstanceIdentifier=identifier)
        self.assertEqual(self.status(identifier), "stopping")
        self.advance(60)
        self.assertEqual(self.status(identifier), "stopped")
        self.assertEqual(json.loads(urllib.request.urlopen(
            self.serval.endpoint + "/_serval/stats", timeout=10).read())["rds_instances"], 1)


class DurabilityTest(RdsCase):
    def test_instances_statuses_and_tags_survive_kill_9(self):
        kept, stopped, deleted = db_id("kept"), db_id("stopped"), db_id("deleted")
        self.create(kept, Tags=[{"Key": "Schedule", "Value": "office"}])
        self.create(stopped, Engine="mysql")
        self.create(deleted)
        self.wait_status(stopped, "available")
        self.rds.stop_db_instance(DBInstanceIdentifier=stopped)
        self.rds.add_tags_to_resource(ResourceName=db_arn(stopped),
                                      Tags=[{"Key": "team", "Value": "data"}])
        self.rds.delete_db_instance(DBInstanceIdentifier=deleted, SkipFinalSnapshot=True)
        self.serval.kill()
        self.serval.start()
        self.rds = self.serval.client("rds")
        self.assertEqual(self.describe(kept)["TagList"], [{"Key": "Schedule", "Value": "office"}])
        after = self.describe(stopped)
        self.assertEqual(after["DBInstanceStatus"], "stopped")
        self.assertEqual(after["Engine"], "mysql")
        self.assertEqual(after["TagList"], [{"Key": "team", "Value": "data"}])
        with self.assertRaises(self.rds.exceptions.DBInstanceNotFoundFault):
            self.rds.describe_db_instances(DBInstanceIdentifier=deleted)


class IamEnforceTest(RdsCase):
    SERVAL_ARGS = ("--iam", "enforce")

    def test_a_role_session_without_stop_is_denied(self):
        identifier = db_id()
        self.create(identifier)
        session, assumed = role_session(self.serval, unique_name("scheduler"), {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow",
                           "Action": ["rds:DescribeDBInstances", "rds:StartDBInstance"],
                           "Resource": "*"}]})
        rds = assumed.client("rds", endpoint_url=self.serval.endpoint)
        self.assertEqual(rds.describe_db_instances(DBInstanceIdentifier=identifier)
                         ["DBInstances"][0]["DBInstanceStatus"], "available")
        self.assert_error(
            self.error_of(rds.stop_db_instance, DBInstanceIdentifier=identifier),
            "AccessDenied", 403,
            f"User: {session} is not authorized to perform: rds:StopDBInstance on resource: "
            f"{db_arn(identifier)} because no identity-based policy allows the "
            "rds:StopDBInstance action")
        self.assertEqual(self.status(identifier), "available")
        # Start is allowed: the state check answers, not IAM.
        self.assert_error(self.error_of(rds.start_db_instance, DBInstanceIdentifier=identifier),
                          "InvalidDBInstanceState", 400)


if __name__ == "__main__":
    import unittest
    unittest.main()
