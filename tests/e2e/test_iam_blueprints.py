"""Issue 15: the seed's blueprints deploy with the least-privilege execution roles their posts
give them, and work under `serval up --iam enforce`.

* replication: each destination's function gets the post's role (logs; s3:GetObject on the
  source's objects; s3:PutObject on its destination's); uploads reach every destination through
  the topic and the functions, acting as their roles, with no call refused; the role allows
  nothing more: a function holding it (the replicator itself, fed an event naming another
  source, and a probe function that makes the calls it is told to) cannot read another bucket,
  write any bucket but its destination, or delete there.
* video-metadata: the post's LambdaMediaInfoExecutionRole with its managed policy
  LambdaMediaInfoExecutionRolePolicy attached (logs; s3:GetObject on the bucket's objects;
  dynamodb:PutItem on the table): an upload gets its item, MediaInfo reading the object through
  the URL the function presigned with the role's credentials; the role may not read the table or
  write the bucket.
* the Role and ManagedPolicy resource types: a redeploy changes nothing; a changed policy is
  applied in place (a managed policy gets a new default version, never more than IAM's five);
  bad documents fail clearly.

The functions run under the interpreter running these tests (`--python`). The video case needs
Debian's mediainfo, as test_video_metadata_blueprint.py does."""

import datetime
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

from botocore.exceptions import ClientError

from serval_harness import (ACCOUNT, FIXTURES_DIR, REGION, REPO_ROOT, SERVAL_BIN,
                            ServalTestCase, python_zip, unique_name)

LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"},
                   "Action": "sts:AssumeRole"}],
}
LOGS = {"Effect": "Allow",
        "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": "arn:aws:logs:*:*:*"}
ITEM_TIMEOUT = 90


def replication_role(destination):
    return f"s3replicationexecutionroletobucket{destination}"


def replication_policy(source, destination):
    """The post's policy (seed lines 812-822), its ARNs those of the blueprint's buckets."""
    return {"Version": "2012-10-17", "Statement": [
        LOGS,
        {"Effect": "Allow", "Action": ["s3:GetObject"],
         "Resource": [f"arn:aws:s3:::{source}/*"]},
        {"Effect": "Allow", "Action": ["s3:PutObject"],
         "Resource": [f"arn:aws:s3:::{destination}/*"]},
    ]}


def denial(principal, action, resource):
    return (f"User: {principal} is not authorized to perform: {action} on resource: {resource} "
            f"because no identity-based policy allows the {action} action")


class BlueprintRolesCase(ServalTestCase):
    SERVAL_ARGS = ("--iam", "enforce", "--python", sys.executable)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.iam = cls.serval.client("iam")
        cls.s3 = cls.serval.client("s3")

    @classmethod
    def deploy(cls, blueprint, *parameters):
        args = [SERVAL_BIN, "deploy", blueprint, "--endpoint-url", cls.serval.endpoint]
        for parameter in parameters:
            args += ["--parameter", parameter]
        return subprocess.run(args, capture_output=True, text=True, timeout=180,
                              env=cls.serval.cli_env())

    def stats(self):
        with urllib.request.urlopen(self.serval.endpoint + "/_serval/stats", timeout=10) as r:
            return json.loads(r.read())

    def denied_for(self, role, function):
        """What was refused to `function` acting as `role` (its execution environments'
        session), as /_serval/stats lists it."""
        principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{function}"
        return [d for d in self.stats()["iam"]["denied"] if d["principal"] == principal]

    def inline_policies(self, role):
        names = self.iam.list_role_policies(RoleName=role)["PolicyNames"]
        return {name: self.iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
                for name in names}

    def probe(self, role_arn):
        """A function holding `role_arn` that makes the AWS calls its event lists
        (fixtures/python/aws_caller.py); its name."""
        name = unique_name("probe")
        self.create_function(name=name, zip_bytes=python_zip("aws_caller"),
                             handler="aws_caller.lambda_handler", Role=role_arn, Timeout=30)
        return name

    def calls(self, function, *calls):
        return self.invoke_json(function, {"calls": [
            {"service": service, "op": op, "args": args} for service, op, args in calls]})["calls"]

    def assert_calls(self, function, role, allowed, refused):
        """Each call of `allowed` succeeds; each (call, action, resource) of `refused` fails with
        the service's AccessDenied (DynamoDB's is AccessDeniedException) and AWS's message for
        the function's session of `role`."""
        for call in allowed:
            (result,) = self.calls(function, call)
            self.assertTrue(result.get("ok"), (call, result))
        principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/{role}/{function}"
        for call, action, resource in refused:
            (result,) = self.calls(function, call)
            code = "AccessDeniedException" if call[0] == "dynamodb" else "AccessDenied"
            self.assertEqual(result.get("error"), code, (call, result))
            self.assertEqual(result["message"], denial(principal, action, resource))


class ReplicationRolesTest(BlueprintRolesCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.source = unique_name("src").lower()
        cls.destinations = [unique_name(f"dst{n}").lower() for n in range(2)]
        cls.blueprint = os.path.join(REPO_ROOT, "blueprints", "replication")
        cls.parameters = (f"SourceBucket={cls.source}",
                          "DestinationBuckets=" + ",".join(cls.destinations))
        cls.first_deploy = cls.deploy(cls.blueprint, *cls.parameters)
        assert cls.first_deploy.returncode == 0, cls.first_deploy.stderr

    def test_each_function_has_the_posts_role(self):
        self.assertIn("Deployed 13 resources", self.first_deploy.stdout)
        for destination in self.destinations:
            role = replication_role(destination)
            self.assertIn(f"Role {role}: created (arn:aws:iam::{ACCOUNT}:role/{role})",
                          self.first_deploy.stdout)
            described = self.iam.get_role(RoleName=role)["Role"]
            self.assertEqual(described["AssumeRolePolicyDocument"], LAMBDA_TRUST)
            self.assertEqual(self.inline_policies(role),
                             {"s3replication": replication_policy(self.source, destination)})
            self.assertEqual(
                self.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"], [])
            config = self.lam.get_function_configuration(FunctionName=destination)
            self.assertEqual(config["Role"], described["Arn"])
        again = self.deploy(self.blueprint, *self.parameters)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("0 created, 0 updated, 13 unchanged", again.stdout)

    def test_uploads_are_replicated_under_the_roles(self):
        objects = {f"enforced/{i}.txt": f"object {i}".encode() for i in range(5)}
        objects["with space/caf\u00e9.txt"] = b"odd key"
        for key, body in objects.items():
            self.s3.put_object(Bucket=self.source, Key=key, Body=body)
        deadline = time.monotonic() + 60
        for destination in self.destinations:
            while True:
                listed = {item["Key"] for item in self.s3.list_objects_v2(
                    Bucket=destination, Prefix="").get("Contents", [])}
                if set(objects) <= listed:
                    break
                if time.monotonic() > deadline:
                    self.fail(f"{destination} has {listed}; denied: "
                              f"{self.stats()['iam']['denied']}\n" + self.serval.log_tail(3000))
                time.sleep(0.3)
            for key, body in objects.items():
                self.assertEqual(self.s3.get_object(Bucket=destination, Key=key)["Body"].read(),
                                 body)
        stats = self.stats()
        self.assertEqual(stats["iam"]["mode"], "enforce")
        for destination in self.destinations:
            # (test_a_replicator_cannot_read_another_bucket's refusal, made on purpose, aside)
            self.assertEqual([d for d in self.denied_for(replication_role(destination), destination)
                              if not d["resource"].endswith("/private.txt")], [])

    def test_a_replicator_cannot_read_another_bucket(self):
        # The first destination's function, told that an object of the second destination was
        # created: its CopyObject needs s3:GetObject there, which its role does not give.
        first, second = self.destinations
        self.s3.put_object(Bucket=second, Key="private.txt", Body=b"not for the first")
        message = {"Records": [{"s3": {"bucket": {"name": second},
                                       "object": {"key": "private.txt"}}}]}
        event = {"Records": [{"EventSource": "aws:sns", "Sns": {"Message": json.dumps(message)}}]}
        response, body = self.invoke(first, event)
        self.assertEqual(response.get("FunctionError"), "Unhandled", body)
        error = json.loads(body)
        self.assertIn("AccessDenied", error["errorMessage"])
        self.assertIn("s3:GetObject on resource: arn:aws:s3:::" + second + "/private.txt",
                      error["errorMessage"])
        with self.assertRaises(ClientError) as missing:
            self.s3.head_object(Bucket=first, Key="private.txt")
        self.assertEqual(missing.exception.response["Error"]["Code"], "404")
        self.s3.delete_object(Bucket=second, Key="private.txt")

    def test_the_role_allows_exactly_the_posts_calls(self):
        first, second = self.destinations
        role = replication_role(first)
        function = self.probe(self.iam.get_role(RoleName=role)["Role"]["Arn"])
        self.s3.put_object(Bucket=self.source, Key="probe.txt", Body=b"source object")
        copy = {"Bucket": first, "Key": "probe-copy.txt",
                "CopySource": {"Bucket": self.source, "Key": "probe.txt"}}
        self.assert_calls(
            function, role,
            allowed=[("s3", "get_object", {"Bucket": self.source, "Key": "probe.txt"}),
                     ("s3", "copy_object", copy),
                     ("s3", "put_object", {"Bucket": first, "Key": "put.txt", "Body": "x"})],
            refused=[
                (("s3", "put_object", {"Bucket": second, "Key": "put.txt", "Body": "x"}),
                 "s3:PutObject", f"arn:aws:s3:::{second}/put.txt"),
                (("s3", "copy_object", dict(copy, Bucket=second)),
                 "s3:PutObject", f"arn:aws:s3:::{second}/probe-copy.txt"),
                (("s3", "put_object", {"Bucket": self.source, "Key": "put.txt", "Body": "x"}),
                 "s3:PutObject", f"arn:aws:s3:::{self.source}/put.txt"),
                (("s3", "delete_object", {"Bucket": first, "Key": "put.txt"}),
                 "s3:DeleteObject", f"arn:aws:s3:::{first}/put.txt"),
                (("s3", "get_object", {"Bucket": first, "Key": "put.txt"}),
                 "s3:GetObject", f"arn:aws:s3:::{first}/put.txt"),
                (("s3", "list_objects_v2", {"Bucket": self.source}),
                 "s3:ListBucket", f"arn:aws:s3:::{self.source}"),
            ])
        self.assertEqual(self.s3.get_object(Bucket=first, Key="put.txt")["Body"].read(), b"x")


class VideoMetadataRoleTest(BlueprintRolesCase):
    BUCKET = "video-metadata"  # the manifest's defaults
    TABLE = "TechnicalMetadata"
    ROLE = "LambdaMediaInfoExecutionRole"
    POLICY = "LambdaMediaInfoExecutionRolePolicy"

    @classmethod
    def setUpClass(cls):
        if shutil.which("mediainfo") is None:
            raise AssertionError("mediainfo is not installed (scripts/setup.sh installs it)")
        super().setUpClass()
        cls.first_deploy = cls.deploy(os.path.join(REPO_ROOT, "blueprints", "video-metadata"))
        assert cls.first_deploy.returncode == 0, cls.first_deploy.stderr
        cls.ddb = cls.serval.client("dynamodb")
        cls.table_arn = cls.ddb.describe_table(TableName=cls.TABLE)["Table"]["TableArn"]

    def test_the_role_is_the_posts(self):
        policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/{self.POLICY}"
        self.assertIn(f"ManagedPolicy {self.POLICY}: created ({policy_arn})",
                      self.first_deploy.stdout)
        self.assertIn(f"Role {self.ROLE}: created", self.first_deploy.stdout)
        role = self.iam.get_role(RoleName=self.ROLE)["Role"]
        trust = json.loads(json.dumps(LAMBDA_TRUST))
        trust["Statement"][0]["Sid"] = ""
        self.assertEqual(role["AssumeRolePolicyDocument"], trust)
        self.assertEqual(self.iam.list_attached_role_policies(RoleName=self.ROLE)
                         ["AttachedPolicies"], [{"PolicyName": self.POLICY,
                                                 "PolicyArn": policy_arn}])
        self.assertEqual(self.inline_policies(self.ROLE), {})
        version = self.iam.get_policy(PolicyArn=policy_arn)["Policy"]["DefaultVersionId"]
        document = self.iam.get_policy_version(PolicyArn=policy_arn, VersionId=version)[
            "PolicyVersion"]["Document"]
        self.assertEqual(document["Statement"], [
            {"Action": LOGS["Action"], "Effect": "Allow", "Resource": "arn:aws:logs:*:*:*"},
            {"Action": ["s3:GetObject"], "Effect": "Allow",
             "Resource": f"arn:aws:s3:::{self.BUCKET}/*"},
            {"Sid": "PutUpdateDeleteOnCrossAccountAuditing", "Effect": "Allow",
             "Action": ["dynamodb:PutItem"], "Resource": self.table_arn},
        ])
        config = self.lam.get_function_configuration(FunctionName="LambdaMediaInfo")
        self.assertEqual(config["Role"], role["Arn"])

    def test_an_upload_gets_its_item_under_the_role(self):
        key = "clips/enforced clip.mp4"
        self.s3.upload_file(os.path.join(FIXTURES_DIR, "video", "testsrc-h264-aac.mp4"),
                            self.BUCKET, key)
        deadline = time.monotonic() + ITEM_TIMEOUT
        while True:
            item = self.ddb.get_item(TableName=self.TABLE, Key={"keyName": {"S": key}},
                                     ConsistentRead=True).get("Item")
            if item is not None:
                break
            if time.monotonic() > deadline:
                self.fail(f"no item after {ITEM_TIMEOUT}s; denied: {self.stats()['iam']['denied']}"
                          "\n" + self.serval.log_tail(3000))
            time.sleep(0.3)
        self.assertIn("<track type=\"Video\">", item["technicalMetadata"]["S"])
        self.assertEqual(self.denied_for(self.ROLE, "LambdaMediaInfo"), [])

    def test_the_role_allows_exactly_the_posts_calls(self):
        function = self.probe(self.iam.get_role(RoleName=self.ROLE)["Role"]["Arn"])
        self.s3.put_object(Bucket=self.BUCKET, Key="probe.bin", Body=b"bytes")
        key = {"keyName": {"S": "probe"}}
        self.assert_calls(
            function, self.ROLE,
            allowed=[("s3", "get_object", {"Bucket": self.BUCKET, "Key": "probe.bin"}),
                     ("dynamodb", "put_item", {"TableName": self.TABLE,
                                               "Item": dict(key, technicalMetadata={"S": "x"})})],
            refused=[
                (("s3", "put_object", {"Bucket": self.BUCKET, "Key": "w.bin", "Body": "x"}),
                 "s3:PutObject", f"arn:aws:s3:::{self.BUCKET}/w.bin"),
                (("dynamodb", "get_item", {"TableName": self.TABLE, "Key": key}),
                 "dynamodb:GetItem", self.table_arn),
                (("dynamodb", "delete_item", {"TableName": self.TABLE, "Key": key}),
                 "dynamodb:DeleteItem", self.table_arn),
            ])


class RoleResourcesTest(BlueprintRolesCase):
    """Role and ManagedPolicy in a manifest of their own."""

    def blueprint(self, resources):
        """A blueprint directory whose manifest has `resources`."""
        directory = tempfile.mkdtemp(prefix="roles-")
        self.addCleanup(shutil.rmtree, directory, True)
        with open(os.path.join(directory, "serval-blueprint.json"), "w") as f:
            json.dump({"Parameters": {"Bucket": {"Default": "b"}}, "Resources": resources}, f)
        return directory

    def resources(self, name, reads):
        policy = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": f"arn:aws:s3:::{reads}/*"}]}
        return [
            {"Id": "Shared", "Type": "ManagedPolicy",
             "Properties": {"PolicyName": f"{name}-shared", "PolicyDocument": policy}},
            {"Type": "Role", "Properties": {
                "RoleName": name, "Description": f"reads {reads}",
                "AssumeRolePolicyDocument": LAMBDA_TRUST,
                "Policies": [{"PolicyName": "own", "PolicyDocument": policy}],
                "ManagedPolicyArns": ["${Shared.Arn}"]}},
        ]

    def test_changes_apply_in_place_and_versions_stay_within_five(self):
        name = unique_name("role")
        policy_arn = f"arn:aws:iam::{ACCOUNT}:policy/{name}-shared"
        first = self.deploy(self.blueprint(self.resources(name, "bucket-0")))
        self.assertEqual(first.returncode, 0, first.stderr)
        self.assertIn("0 updated, 0 unchanged", first.stdout)
        same = self.deploy(self.blueprint(self.resources(name, "bucket-0")))
        self.assertIn("0 created, 0 updated, 2 unchanged", same.stdout, same.stderr)
        for n in range(1, 7):
            changed = self.deploy(self.blueprint(self.resources(name, f"bucket-{n}")))
            self.assertIn("0 created, 2 updated", changed.stdout, changed.stderr)
        versions = self.iam.list_policy_versions(PolicyArn=policy_arn)["Versions"]
        self.assertEqual(len(versions), 5)
        (default,) = [v for v in versions if v["IsDefaultVersion"]]
        document = self.iam.get_policy_version(PolicyArn=policy_arn,
                                               VersionId=default["VersionId"])
        self.assertEqual(document["PolicyVersion"]["Document"]["Statement"][0]["Resource"],
                         "arn:aws:s3:::bucket-6/*")
        self.assertEqual(self.iam.get_role(RoleName=name)["Role"]["Description"], "reads bucket-6")
        self.assertEqual(self.inline_policies(name)["own"]["Statement"][0]["Resource"],
                         "arn:aws:s3:::bucket-6/*")
        # A policy the manifest no longer names is removed from the role (not deleted).
        resources = self.resources(name, "bucket-6")
        resources[1]["Properties"]["Policies"] = []
        resources[1]["Properties"]["ManagedPolicyArns"] = []
        dropped = self.deploy(self.blueprint(resources))
        self.assertIn(f"Role {name}: updated", dropped.stdout, dropped.stderr)
        self.assertEqual(self.inline_policies(name), {})
        self.assertEqual(self.iam.list_attached_role_policies(RoleName=name)["AttachedPolicies"],
                         [])
        self.iam.get_policy(PolicyArn=policy_arn)

    def test_bad_roles_fail_clearly(self):
        trust = LAMBDA_TRUST

        def fails(resources, message):
            result = self.deploy(self.blueprint(resources))
            self.assertEqual(result.returncode, 1, result.stdout)
            self.assertIn(message, result.stderr)

        fails([{"Type": "Role", "Properties": {"AssumeRolePolicyDocument": trust}}],
              "Resources[0]: a Role needs RoleName")
        fails([{"Type": "Role", "Properties": {"RoleName": "r",
                                               "AssumeRolePolicyDocument": json.dumps(trust)}}],
              "Resources[0] (Role): role r: AssumeRolePolicyDocument must be a policy document "
              "(a JSON object)")
        fails([{"Type": "Role", "Properties": {"RoleName": "r", "AssumeRolePolicyDocument": trust,
                                               "Policies": [{"PolicyName": "p"}]}}],
              'role r: Policies[0] must be {"PolicyName": NAME, "PolicyDocument": {...}}')
        fails([{"Type": "ManagedPolicy", "Properties": {"PolicyName": "p",
                                                        "PolicyDocument": ["s3:*"]}}],
              "policy p: PolicyDocument must be a policy document (a JSON object)")
        # A document IAM refuses (a statement without Resource): its error, as IAM says it.
        no_resource = {"Version": "2012-10-17",
                       "Statement": [{"Effect": "Allow", "Action": "s3:GetObject"}]}
        fails([{"Type": "Role", "Properties": {
                    "RoleName": unique_name("r"), "AssumeRolePolicyDocument": trust,
                    "Policies": [{"PolicyName": "p", "PolicyDocument": no_resource}]}}],
              "p: MalformedPolicyDocument: ")
        fails([{"Type": "Function", "Properties": {"FunctionName": "f",
                                                   "Code": {"Files": ["x.py"]}}}],
              "Resources[0]: a Function needs Role")



class SchedulerRolesTest(BlueprintRolesCase):
    """scheduler: the post's role (logs; ec2:DescribeInstances, StartInstances, StopInstances)
    and the better scheduler's (the same plus RDS's describe, start and stop): each function
    does its work with no call refused (the post's stops an instance whose off time just
    passed), and the post's role allows nothing more."""

    POST_ROLE = "ent_scheduler_execution_role"
    SCHEDULER_ROLE = "instance_scheduler_execution_role"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.ec2 = cls.serval.client("ec2")
        deployed = cls.deploy(os.path.join(REPO_ROOT, "blueprints", "scheduler"))
        assert deployed.returncode == 0, deployed.stderr

    def launch(self, schedule):
        return self.ec2.run_instances(
            ImageId="ami-12345678", InstanceType="t2.micro", MinCount=1, MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                {"Key": "InstanceSchedule", "Value": schedule}]}])["Instances"][0]["InstanceId"]

    def state_of(self, instance):
        reservations = self.ec2.describe_instances(InstanceIds=[instance])["Reservations"]
        return reservations[0]["Instances"][0]["State"]["Name"]

    def test_the_better_scheduler_acts_under_its_role(self):
        always_off = self.launch(";;mon-sun;0000;")
        always_on = self.launch("mon-sun;0000;;;")
        self.ec2.stop_instances(InstanceIds=[always_on])
        self.invoke_json("instance_scheduler", {})
        self.assertEqual(self.state_of(always_off), "stopped")
        self.assertEqual(self.state_of(always_on), "running")
        self.assertEqual(self.denied_for(self.SCHEDULER_ROLE, "instance_scheduler"), [])

    def test_the_posts_function_acts_under_the_posts_role(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        if now.hour == 0 and now.minute < 5:  # the post's window does not cross midnight
            time.sleep(300 - now.minute * 60 - now.second)
            now = datetime.datetime.now(datetime.timezone.utc)
        days = "mon,tue,wed,thu,fri,sat,sun"
        on, off = (now - datetime.timedelta(minutes=m) for m in (180, 2))
        instance = self.ec2.run_instances(
            ImageId="ami-12345678", InstanceType="t2.micro", MinCount=1, MaxCount=1,
            TagSpecifications=[{"ResourceType": "instance", "Tags": [
                {"Key": "EntScheduler",
                 "Value": f"{days};{on:%H%M};{days};{off:%H%M};"}]}])["Instances"][0]["InstanceId"]
        self.invoke_json("enterprise_scheduler_function", {})
        self.assertEqual(self.state_of(instance), "stopped")
        self.assertEqual(self.denied_for(self.POST_ROLE, "enterprise_scheduler_function"), [])

    def test_the_posts_role_allows_exactly_the_posts_calls(self):
        instance = self.launch("mon-sun;0000;;;")
        role_arn = f"arn:aws:iam::{ACCOUNT}:role/{self.POST_ROLE}"
        probe = self.probe(role_arn)
        principal = f"arn:aws:sts::{ACCOUNT}:assumed-role/{self.POST_ROLE}/{probe}"
        ids = {"InstanceIds": [instance]}
        for call in (("ec2", "describe_instances", {}), ("ec2", "stop_instances", ids),
                     ("ec2", "start_instances", ids)):
            (result,) = self.calls(probe, call)
            self.assertTrue(result.get("ok"), (call, result))
        instance_arn = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{instance}"
        refused = [
            (("ec2", "terminate_instances", ids), "UnauthorizedOperation",
             "You are not authorized to perform this operation. "
             + denial(principal, "ec2:TerminateInstances", instance_arn)),
            (("ec2", "create_tags", {"Resources": [instance],
                                     "Tags": [{"Key": "InstanceSchedule", "Value": ";;;;"}]}),
             "UnauthorizedOperation", "You are not authorized to perform this operation. "
             + denial(principal, "ec2:CreateTags", instance_arn)),
            (("rds", "describe_db_instances", {}), "AccessDenied",
             denial(principal, "rds:DescribeDBInstances", "*")),
        ]
        for call, code, message in refused:
            (result,) = self.calls(probe, call)
            self.assertEqual(result.get("error"), code, (call, result))
            self.assertEqual(result["message"], message)
        self.assertEqual(self.state_of(instance), "running")


if __name__ == "__main__":
    unittest.main()
