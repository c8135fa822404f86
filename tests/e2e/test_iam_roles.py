"""IAM roles and policies through boto3 and the AWS CLI (issue 15 part 1): role CRUD with paths,
tags and descriptions; inline policies that round-trip as documents (AWS answers them
URL-encoded; boto3 decodes them into dicts); customer managed policies with versions (at most
five, one default); attaching and detaching managed policies, AWS's own included (with their real
documents and default version ids); pagination with Marker/MaxItems; persistence across a clean
restart and a kill -9 after a 200."""

import datetime
import json
import re
import urllib.parse

from iam_case import BASIC_EXECUTION, READ_BUCKET, TRUST, IamCase, policy_arn, unique
from serval_harness import ACCOUNT, aws_cli_major

ISO_SECONDS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")


class RolesTest(IamCase):

    def test_role_crud(self):
        name = unique("worker")
        before = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=2)
        role = self.create_role(name, Path="/service/", Description="does work",
                                MaxSessionDuration=7200, Tags=[{"Key": "team", "Value": "blue"}])
        self.assertEqual(role["Arn"], f"arn:aws:iam::{ACCOUNT}:role/service/{name}")
        self.assertRegex(role["RoleId"], r"^AROA[A-Z0-9]{17}$")
        self.assertEqual(role["Path"], "/service/")
        self.assertGreaterEqual(role["CreateDate"], before)
        self.assertEqual(role["AssumeRolePolicyDocument"], TRUST)

        got = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual(got["RoleId"], role["RoleId"])
        self.assertEqual(got["Description"], "does work")
        self.assertEqual(got["MaxSessionDuration"], 7200)
        self.assertEqual(got["Tags"], [{"Key": "team", "Value": "blue"}])
        self.assertEqual(got["AssumeRolePolicyDocument"], TRUST)

        self.iam.update_role(RoleName=name, Description="does more", MaxSessionDuration=3600)
        got = self.iam.get_role(RoleName=name)["Role"]
        self.assertEqual((got["Description"], got["MaxSessionDuration"]), ("does more", 3600))

        trust = {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
             "Action": "sts:AssumeRole"}]}
        self.iam.update_assume_role_policy(RoleName=name, PolicyDocument=json.dumps(trust))
        self.assertEqual(self.iam.get_role(RoleName=name)["Role"]["AssumeRolePolicyDocument"],
                         trust)

        self.iam.tag_role(RoleName=name, Tags=[{"Key": "env", "Value": "dev"}])
        self.iam.untag_role(RoleName=name, TagKeys=["team"])
        self.assertEqual(self.iam.list_role_tags(RoleName=name)["Tags"],
                         [{"Key": "env", "Value": "dev"}])

        self.iam_error("create_role", "EntityAlreadyExists", 409,
                       f"Role with name {name} already exists.",
                       RoleName=name, AssumeRolePolicyDocument=json.dumps(TRUST))
        # Names are unique regardless of case, as in AWS.
        self.iam_error("create_role", "EntityAlreadyExists", 409, RoleName=name.upper(),
                       AssumeRolePolicyDocument=json.dumps(TRUST))
        self.iam.delete_role(RoleName=name)
        self.iam_error("get_role", "NoSuchEntity", 404,
                       f"The role with name {name} cannot be found.", RoleName=name)

    def test_dates_are_iso_seconds_on_the_wire(self):
        name = unique("wire")
        self.create_role(name)
        self.addCleanup(self.iam.delete_role, RoleName=name)
        out = self.serval.cli_json("iam", "get-role", "--role-name", name)
        self.assertRegex(out["Role"]["CreateDate"].replace("+00:00", "Z"), ISO_SECONDS)
        # The CLI decodes the URL-encoded document into JSON.
        self.assertEqual(out["Role"]["AssumeRolePolicyDocument"], TRUST)

    def test_inline_policies_round_trip(self):
        name = unique("inline")
        self.create_role(name)
        self.iam.put_role_policy(RoleName=name, PolicyName="read",
                                 PolicyDocument=json.dumps(READ_BUCKET))
        # An URL-encoded document is accepted too (what AWS itself answers with).
        self.iam.put_role_policy(RoleName=name, PolicyName="encoded",
                                 PolicyDocument=urllib.parse.quote(json.dumps(READ_BUCKET)))
        got = self.iam.get_role_policy(RoleName=name, PolicyName="read")
        self.assertEqual((got["RoleName"], got["PolicyName"]), (name, "read"))
        self.assertEqual(got["PolicyDocument"], READ_BUCKET)
        self.assertEqual(self.iam.get_role_policy(RoleName=name, PolicyName="encoded")
                         ["PolicyDocument"], READ_BUCKET)
        self.assertEqual(self.iam.list_role_policies(RoleName=name)["PolicyNames"],
                         ["encoded", "read"])
        self.iam_error("delete_role", "DeleteConflict", 409,
                       "Cannot delete entity, must delete policies first.", RoleName=name)
        self.iam.delete_role_policy(RoleName=name, PolicyName="read")
        self.iam.delete_role_policy(RoleName=name, PolicyName="encoded")
        self.iam_error("get_role_policy", "NoSuchEntity", 404,
                       "The role policy with name read cannot be found.",
                       RoleName=name, PolicyName="read")
        self.iam.delete_role(RoleName=name)

    def test_managed_policy_versions(self):
        name = unique("versions")
        policy = self.create_policy(name, Path="/app/", Description="reads photos")
        arn = policy_arn(name, "/app/")
        self.assertEqual(policy["Arn"], arn)
        self.assertRegex(policy["PolicyId"], r"^ANPA[A-Z0-9]{17}$")
        self.assertEqual((policy["DefaultVersionId"], policy["AttachmentCount"]), ("v1", 0))

        documents = {"v1": READ_BUCKET}
        for number in range(2, 6):
            document = {"Version": "2012-10-17", "Statement": [
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": f"arn:aws:s3:::bucket{number}/*"}]}
            version = self.iam.create_policy_version(
                PolicyArn=arn, PolicyDocument=json.dumps(document),
                SetAsDefault=number == 3)["PolicyVersion"]
            self.assertEqual(version["VersionId"], f"v{number}")
            self.assertEqual(version["IsDefaultVersion"], number == 3)
            documents[f"v{number}"] = document
        self.iam_error("create_policy_version", "LimitExceeded", 409,
                       "A managed policy can have up to 5 versions. Before you create a new "
                       "version, you must delete an existing version.",
                       PolicyArn=arn, PolicyDocument=json.dumps(READ_BUCKET))
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"], "v3")
        versions = self.iam.list_policy_versions(PolicyArn=arn)["Versions"]
        self.assertEqual([v["VersionId"] for v in versions], ["v5", "v4", "v3", "v2", "v1"])
        self.assertEqual([v["VersionId"] for v in versions if v["IsDefaultVersion"]], ["v3"])
        for version_id, document in documents.items():
            got = self.iam.get_policy_version(PolicyArn=arn, VersionId=version_id)
            self.assertEqual(got["PolicyVersion"]["Document"], document)

        self.iam_error("delete_policy_version", "DeleteConflict", 409,
                       "Cannot delete the default version of a policy.",
                       PolicyArn=arn, VersionId="v3")
        self.iam.set_default_policy_version(PolicyArn=arn, VersionId="v5")
        self.iam_error("delete_policy", "DeleteConflict", 409, PolicyArn=arn)
        for version_id in ("v1", "v2", "v3", "v4"):
            self.iam.delete_policy_version(PolicyArn=arn, VersionId=version_id)
        # After a deletion the next version keeps counting: v6.
        self.assertEqual(self.iam.create_policy_version(
            PolicyArn=arn, PolicyDocument=json.dumps(READ_BUCKET))["PolicyVersion"]["VersionId"],
            "v6")
        self.iam.delete_policy_version(PolicyArn=arn, VersionId="v6")
        self.iam.delete_policy(PolicyArn=arn)
        self.iam_error("get_policy", "NoSuchEntity", 404, f"Policy {arn} was not found.",
                       PolicyArn=arn)

    def test_attach_and_detach(self):
        role = unique("attached")
        self.create_role(role)
        name = unique("attachable")
        arn = self.create_policy(name)["Arn"]
        self.iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        self.iam.attach_role_policy(RoleName=role, PolicyArn=BASIC_EXECUTION)
        attached = self.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        self.assertCountEqual(attached, [
            {"PolicyName": name, "PolicyArn": arn},
            {"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC_EXECUTION}])
        self.assertEqual(self.iam.get_policy(PolicyArn=arn)["Policy"]["AttachmentCount"], 1)
        entities = self.iam.list_entities_for_policy(PolicyArn=arn)
        self.assertEqual([r["RoleName"] for r in entities["PolicyRoles"]], [role])
        only_attached = self.iam.list_policies(Scope="Local", OnlyAttached=True)["Policies"]
        self.assertIn(arn, [p["Arn"] for p in only_attached])

        self.iam_error("delete_role", "DeleteConflict", 409,
                       "Cannot delete entity, must detach all policies first.", RoleName=role)
        self.iam_error("delete_policy", "DeleteConflict", 409,
                       "Cannot delete a policy attached to entities.", PolicyArn=arn)
        self.iam.detach_role_policy(RoleName=role, PolicyArn=arn)
        self.iam.detach_role_policy(RoleName=role, PolicyArn=BASIC_EXECUTION)
        self.iam_error("detach_role_policy", "NoSuchEntity", 404, f"Policy {arn} was not found.",
                       RoleName=role, PolicyArn=arn)
        missing = policy_arn(unique("missing"))
        self.iam_error("attach_role_policy", "NoSuchEntity", 404,
                       f"Policy {missing} does not exist or is not attachable.",
                       RoleName=role, PolicyArn=missing)
        self.iam.delete_policy(PolicyArn=arn)
        self.iam.delete_role(RoleName=role)

    def test_aws_managed_policies(self):
        expected = {
            BASIC_EXECUTION: ("/service-role/", "v1"),
            "arn:aws:iam::aws:policy/AWSLambdaExecute": ("/", "v1"),
            "arn:aws:iam::aws:policy/service-role/AWSLambdaRole": ("/service-role/", "v1"),
            "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess": ("/", "v3"),
            "arn:aws:iam::aws:policy/AmazonS3FullAccess": ("/", "v2"),
            "arn:aws:iam::aws:policy/AmazonDynamoDBFullAccess": ("/", "v15"),
            "arn:aws:iam::aws:policy/AdministratorAccess": ("/", "v1"),
            "arn:aws:iam::aws:policy/AWSLambda_FullAccess": ("/", "v7"),
            "arn:aws:iam::aws:policy/IAMReadOnlyAccess": ("/", "v4"),
        }
        for arn, (path, version) in expected.items():
            with self.subTest(arn=arn):
                policy = self.iam.get_policy(PolicyArn=arn)["Policy"]
                self.assertEqual((policy["Arn"], policy["Path"], policy["DefaultVersionId"]),
                                 (arn, path, version))
                self.assertRegex(policy["PolicyId"], r"^ANPA[A-Z0-9]+$")
        document = self.iam.get_policy_version(PolicyArn=BASIC_EXECUTION, VersionId="v1")[
            "PolicyVersion"]["Document"]
        self.assertEqual(document["Statement"], [{
            "Action": ["logs:CreateLogGroup", "logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": "*", "Effect": "Allow"}])
        admin = self.iam.get_policy_version(
            PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess", VersionId="v1")
        self.assertEqual(admin["PolicyVersion"]["Document"]["Statement"],
                         [{"Effect": "Allow", "Action": "*", "Resource": "*"}])

        aws = self.iam.list_policies(Scope="AWS", PathPrefix="/service-role/")["Policies"]
        self.assertIn(BASIC_EXECUTION, [p["Arn"] for p in aws])
        self.assertTrue(all(p["Path"] == "/service-role/" for p in aws))
        local = self.iam.list_policies(Scope="Local")["Policies"]
        self.assertFalse([p for p in local if ":aws:policy/" in p["Arn"]])
        self.iam_error("delete_policy", "UnmodifiableEntity", 400, PolicyArn=BASIC_EXECUTION)

    def test_pagination(self):
        prefix = f"/page{unique('p').split('-')[1]}/"
        names = sorted(unique(f"r{i}") for i in range(5))
        for name in names:
            self.create_role(name, Path=prefix)
            self.addCleanup(self.iam.delete_role, RoleName=name)
        seen, marker = [], None
        while True:
            kw = {"Marker": marker} if marker else {}
            page = self.iam.list_roles(PathPrefix=prefix, MaxItems=2, **kw)
            self.assertLessEqual(len(page["Roles"]), 2)
            seen += [r["RoleName"] for r in page["Roles"]]
            if not page["IsTruncated"]:
                self.assertNotIn("Marker", page)
                break
            marker = page["Marker"]
        self.assertEqual(seen, names)
        # boto3's paginator and the CLI follow the markers the same way.
        paginated = [r["RoleName"] for p in self.iam.get_paginator("list_roles").paginate(
            PathPrefix=prefix, PaginationConfig={"PageSize": 2}) for r in p["Roles"]]
        self.assertEqual(paginated, names)
        out = self.serval.cli_json("iam", "list-roles", "--path-prefix", prefix,
                                   "--page-size", "2")
        self.assertEqual([r["RoleName"] for r in out["Roles"]], names)

    def test_cli_round_trip(self):
        name = unique("cli")
        out = self.serval.cli_json("iam", "create-role", "--role-name", name,
                                   "--assume-role-policy-document", json.dumps(TRUST))
        self.assertEqual(out["Role"]["RoleName"], name)
        self.serval.cli("iam", "put-role-policy", "--role-name", name, "--policy-name", "p",
                        "--policy-document", json.dumps(READ_BUCKET))
        out = self.serval.cli_json("iam", "get-role-policy", "--role-name", name,
                                   "--policy-name", "p")
        self.assertEqual(out["PolicyDocument"], READ_BUCKET)
        self.serval.cli("iam", "attach-role-policy", "--role-name", name, "--policy-arn",
                        BASIC_EXECUTION)
        out = self.serval.cli_json("iam", "list-attached-role-policies", "--role-name", name)
        self.assertEqual([p["PolicyArn"] for p in out["AttachedPolicies"]], [BASIC_EXECUTION])
        failed = self.serval.cli("iam", "get-role", "--role-name", name + "-nope", check=False)
        self.assertNotEqual(failed.returncode, 0)
        self.assertIn("NoSuchEntity", failed.stderr)
        self.serval.cli("iam", "detach-role-policy", "--role-name", name, "--policy-arn",
                        BASIC_EXECUTION)
        self.serval.cli("iam", "delete-role-policy", "--role-name", name, "--policy-name", "p")
        self.serval.cli("iam", "delete-role", "--role-name", name)
        self.assertIn(aws_cli_major(), (1, 2))


class RolePersistenceTest(IamCase):

    def restart(self, kill):
        if kill:
            self.serval.kill()
        else:
            self.serval.stop()
        self.serval.start()
        type(self).iam = self.serval.client("iam")

    def test_entities_survive_restart_and_kill_9(self):
        role = unique("durable")
        created = self.create_role(role, Tags=[{"Key": "k", "Value": "v"}])
        self.iam.put_role_policy(RoleName=role, PolicyName="read",
                                 PolicyDocument=json.dumps(READ_BUCKET))
        arn = self.create_policy(unique("durable"))["Arn"]
        self.iam.create_policy_version(PolicyArn=arn, PolicyDocument=json.dumps(READ_BUCKET),
                                       SetAsDefault=True)
        self.iam.attach_role_policy(RoleName=role, PolicyArn=arn)
        self.iam.attach_role_policy(RoleName=role, PolicyArn=BASIC_EXECUTION)

        def check():
            got = self.iam.get_role(RoleName=role)["Role"]
            self.assertEqual((got["RoleId"], got["Arn"]), (created["RoleId"], created["Arn"]))
            self.assertIn({"Key": "k", "Value": "v"}, got["Tags"])
            self.assertEqual(self.iam.get_role_policy(RoleName=role, PolicyName="read")
                             ["PolicyDocument"], READ_BUCKET)
            self.assertCountEqual(
                [p["PolicyArn"] for p in
                 self.iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]],
                [arn, BASIC_EXECUTION])
            policy = self.iam.get_policy(PolicyArn=arn)["Policy"]
            self.assertEqual((policy["DefaultVersionId"], policy["AttachmentCount"]), ("v2", 1))

        self.restart(kill=False)
        check()
        # A 200 means on disk: a kill -9 right after loses nothing.
        self.iam.tag_role(RoleName=role, Tags=[{"Key": "late", "Value": "1"}])
        self.restart(kill=True)
        check()
        check_tags = self.iam.list_role_tags(RoleName=role)["Tags"]
        self.assertIn({"Key": "late", "Value": "1"}, check_tags)
