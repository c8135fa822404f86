"""IAM users and their access keys (issue 15 part 1): user CRUD, inline and attached user
policies, tags, and access keys an operator hands out: a created key signs requests at once (for
every service), an Inactive or deleted key is refused with the service's unknown-key error, at
most two keys per user, GetUser answers for the caller's own user, and keys survive a restart."""

import json

from botocore.exceptions import ClientError

from iam_case import BASIC_EXECUTION, READ_BUCKET, IamCase, unique
from serval_harness import ACCOUNT


class UsersTest(IamCase):

    def assert_refused(self, call, code):
        with self.assertRaises(ClientError) as ctx:
            call()
        self.assertEqual(ctx.exception.response["Error"]["Code"], code)
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)

    def create_user(self, name=None, **kw):
        name = name or unique("user")
        return self.iam.create_user(UserName=name, **kw)["User"]

    def test_user_crud(self):
        name = unique("alice")
        user = self.create_user(name, Path="/staff/", Tags=[{"Key": "team", "Value": "red"}])
        self.assertEqual(user["Arn"], f"arn:aws:iam::{ACCOUNT}:user/staff/{name}")
        self.assertRegex(user["UserId"], r"^AIDA[A-Z0-9]{17}$")
        got = self.iam.get_user(UserName=name)["User"]
        self.assertEqual((got["UserId"], got["Path"]), (user["UserId"], "/staff/"))
        self.assertEqual(got["Tags"], [{"Key": "team", "Value": "red"}])
        self.assertIn(name, [u["UserName"] for u in
                             self.iam.list_users(PathPrefix="/staff/")["Users"]])
        self.iam.tag_user(UserName=name, Tags=[{"Key": "env", "Value": "dev"}])
        self.iam.untag_user(UserName=name, TagKeys=["team"])
        self.assertEqual(self.iam.list_user_tags(UserName=name)["Tags"],
                         [{"Key": "env", "Value": "dev"}])

        self.iam.put_user_policy(UserName=name, PolicyName="read",
                                 PolicyDocument=json.dumps(READ_BUCKET))
        self.assertEqual(self.iam.get_user_policy(UserName=name, PolicyName="read")
                         ["PolicyDocument"], READ_BUCKET)
        self.assertEqual(self.iam.list_user_policies(UserName=name)["PolicyNames"], ["read"])
        self.iam.attach_user_policy(UserName=name, PolicyArn=BASIC_EXECUTION)
        self.assertEqual(
            self.iam.list_attached_user_policies(UserName=name)["AttachedPolicies"],
            [{"PolicyName": "AWSLambdaBasicExecutionRole", "PolicyArn": BASIC_EXECUTION}])
        entities = self.iam.list_entities_for_policy(PolicyArn=BASIC_EXECUTION,
                                                     EntityFilter="User")
        self.assertIn(name, [u["UserName"] for u in entities["PolicyUsers"]])

        self.iam_error("create_user", "EntityAlreadyExists", 409,
                       f"User with name {name} already exists.", UserName=name)
        self.iam_error("delete_user", "DeleteConflict", 409,
                       "Cannot delete entity, must detach all policies first.", UserName=name)
        self.iam.detach_user_policy(UserName=name, PolicyArn=BASIC_EXECUTION)
        self.iam_error("delete_user", "DeleteConflict", 409,
                       "Cannot delete entity, must delete policies first.", UserName=name)
        self.iam.delete_user_policy(UserName=name, PolicyName="read")
        self.iam.delete_user(UserName=name)
        self.iam_error("get_user", "NoSuchEntity", 404,
                       f"The user with name {name} cannot be found.", UserName=name)

    def test_access_keys_sign_requests_until_deactivated_or_deleted(self):
        name = unique("bob")
        self.create_user(name)
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.assertRegex(key["AccessKeyId"], r"^AKIA[A-Z0-9]{16}$")
        self.assertEqual(len(key["SecretAccessKey"]), 40)
        self.assertEqual((key["UserName"], key["Status"]), (name, "Active"))
        listed = self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"]
        self.assertEqual([k["AccessKeyId"] for k in listed], [key["AccessKeyId"]])
        self.assertNotIn("SecretAccessKey", listed[0])

        lam = self.client_with("lambda", key["AccessKeyId"], key["SecretAccessKey"])
        iam = self.client_with("iam", key["AccessKeyId"], key["SecretAccessKey"])
        self.assertIn("Functions", lam.list_functions())
        # GetUser without a name answers for the caller's own user.
        self.assertEqual(iam.get_user()["User"]["UserName"], name)
        # A wrong secret for a real key is a bad signature, not an unknown key.
        self.assert_refused(
            lambda: self.client_with("lambda", key["AccessKeyId"], "x" * 40).list_functions(),
            "InvalidSignatureException")

        self.iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"],
                                   Status="Inactive")
        self.assertEqual(self.iam.list_access_keys(UserName=name)["AccessKeyMetadata"][0]
                         ["Status"], "Inactive")
        self.assert_refused(lam.list_functions, "UnrecognizedClientException")
        self.assert_refused(iam.get_user, "InvalidClientTokenId")
        self.iam.update_access_key(UserName=name, AccessKeyId=key["AccessKeyId"],
                                   Status="Active")
        self.assertIn("Functions", lam.list_functions())

        self.iam_error("delete_user", "DeleteConflict", 409,
                       "Cannot delete entity, must delete access keys first.", UserName=name)
        self.iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        self.assert_refused(lam.list_functions, "UnrecognizedClientException")
        self.iam_error("delete_access_key", "NoSuchEntity", 404,
                       f"The Access Key with id {key['AccessKeyId']} cannot be found.",
                       UserName=name, AccessKeyId=key["AccessKeyId"])
        self.iam.delete_user(UserName=name)

    def test_at_most_two_keys(self):
        name = unique("carol")
        self.create_user(name)
        ids = [self.iam.create_access_key(UserName=name)["AccessKey"]["AccessKeyId"]
               for _ in range(2)]
        self.iam_error("create_access_key", "LimitExceeded", 409,
                       "Cannot exceed quota for AccessKeysPerUser: 2", UserName=name)
        for key_id in ids:
            self.iam.delete_access_key(UserName=name, AccessKeyId=key_id)
        self.iam.delete_user(UserName=name)

    def test_get_user_for_the_operator_is_root(self):
        user = self.iam.get_user()["User"]
        self.assertEqual(user["Arn"], f"arn:aws:iam::{ACCOUNT}:root")
        self.assertEqual(user["UserId"], ACCOUNT)

    def test_cli_users_and_keys(self):
        name = unique("dave")
        self.serval.cli("iam", "create-user", "--user-name", name)
        key = self.serval.cli_json("iam", "create-access-key", "--user-name", name)["AccessKey"]
        env = self.serval.cli_env()
        env["AWS_ACCESS_KEY_ID"] = key["AccessKeyId"]
        env["AWS_SECRET_ACCESS_KEY"] = key["SecretAccessKey"]
        out = json.loads(self.serval.cli("lambda", "list-functions", env=env).stdout)
        self.assertIn("Functions", out)
        self.serval.cli("iam", "delete-access-key", "--user-name", name, "--access-key-id",
                        key["AccessKeyId"])
        refused = self.serval.cli("lambda", "list-functions", env=env, check=False)
        self.assertNotEqual(refused.returncode, 0)
        self.assertIn("UnrecognizedClientException", refused.stderr)
        self.serval.cli("iam", "delete-user", "--user-name", name)


class KeyPersistenceTest(IamCase):

    def test_keys_survive_a_restart(self):
        name = unique("erin")
        self.iam.create_user(UserName=name)
        active = self.iam.create_access_key(UserName=name)["AccessKey"]
        inactive = self.iam.create_access_key(UserName=name)["AccessKey"]
        self.iam.update_access_key(UserName=name, AccessKeyId=inactive["AccessKeyId"],
                                   Status="Inactive")
        self.serval.kill()  # kill -9 after the 200s
        self.serval.start()
        lam = self.client_with("lambda", active["AccessKeyId"],
                                    active["SecretAccessKey"])
        self.assertIn("Functions", lam.list_functions())
        dead = self.client_with("lambda", inactive["AccessKeyId"],
                                     inactive["SecretAccessKey"])
        with self.assertRaises(ClientError) as ctx:
            dead.list_functions()
        self.assertEqual(ctx.exception.response["Error"]["Code"], "UnrecognizedClientException")
