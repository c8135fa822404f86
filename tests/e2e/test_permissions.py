"""Issue 3 item 4: tags and resource-based policies, with boto3 and the AWS CLI."""

import json
import unittest

from serval_harness import ServalTestCase, function_arn


class TagsTest(ServalTestCase):

    def test_tag_untag_list(self):
        name = self.create_function(Tags={"team": "core"})["FunctionName"]
        arn = function_arn(name)
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"team": "core"})
        resp = self.lam.tag_resource(Resource=arn, Tags={"env": "dev", "cost": "1"})
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.lam.untag_resource(Resource=arn, TagKeys=["cost", "absent"])
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"team": "core", "env": "dev"})
        self.assertEqual(self.lam.get_function(FunctionName=name)["Tags"],
                         {"team": "core", "env": "dev"})
        # Tagging does not change the function's code or configuration revision.
        before = self.lam.get_function_configuration(FunctionName=name)["RevisionId"]
        self.lam.tag_resource(Resource=arn, Tags={"more": "x"})
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["RevisionId"],
                         before)

    def test_bad_tags_and_unknown_resource(self):
        name = self.create_function()["FunctionName"]
        arn = function_arn(name)
        with self.assertRaises(Exception) as ctx:
            self.lam.tag_resource(Resource=arn, Tags={"aws:reserved": "x"})
        self.assert_aws_error(ctx, "InvalidParameterValueException", 400)
        with self.assertRaises(Exception) as ctx:
            self.lam.tag_resource(Resource=arn, Tags={f"k{i}": "v" for i in range(51)})
        self.assert_aws_error(ctx, "InvalidParameterValueException", 400)
        with self.assertRaises(Exception) as ctx:
            self.lam.list_tags(Resource=function_arn("no-such-function"))
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {})

    def test_cli_tags(self):
        name = self.create_function()["FunctionName"]
        self.serval.cli("lambda", "tag-resource", "--resource", function_arn(name),
                        "--tags", "a=1,b=2")
        out = self.serval.cli_json("lambda", "list-tags", "--resource", function_arn(name))
        self.assertEqual(out["Tags"], {"a": "1", "b": "2"})


class PolicyTest(ServalTestCase):

    def test_add_get_remove_permission(self):
        name = self.create_function()["FunctionName"]
        added = self.lam.add_permission(FunctionName=name, StatementId="s3", Action="lambda:InvokeFunction",
                                        Principal="s3.amazonaws.com",
                                        SourceArn="arn:aws:s3:::bucket",
                                        SourceAccount="000000000000")
        self.assertEqual(added["ResponseMetadata"]["HTTPStatusCode"], 201)
        statement = json.loads(added["Statement"])  # a JSON document inside a string, as AWS
        self.assertEqual(statement["Sid"], "s3")
        self.assertEqual(statement["Principal"], {"Service": "s3.amazonaws.com"})
        self.assertEqual(statement["Resource"], function_arn(name))
        self.assertEqual(statement["Condition"]["ArnLike"]["AWS:SourceArn"], "arn:aws:s3:::bucket")
        self.lam.add_permission(FunctionName=name, StatementId="acct", Action="lambda:*",
                                Principal="223456789012")

        self.lam.add_permission(FunctionName=name, StatementId="alexa", Action="lambda:InvokeFunction",
                                Principal="alexa-appkit.amazon.com")

        policy = json.loads(self.lam.get_policy(FunctionName=name)["Policy"])
        self.assertEqual(policy["Version"], "2012-10-17")
        # In the order they were added, as AWS lists them.
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["s3", "acct", "alexa"])
        by_sid = {s["Sid"]: s for s in policy["Statement"]}
        self.assertEqual(by_sid["acct"]["Principal"], {"AWS": "arn:aws:iam::223456789012:root"})

        with self.assertRaises(Exception) as ctx:
            self.lam.add_permission(FunctionName=name, StatementId="s3",
                                    Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
        self.assert_aws_error(ctx, "ResourceConflictException", 409)

        self.lam.remove_permission(FunctionName=name, StatementId="s3")
        with self.assertRaises(Exception) as ctx:
            self.lam.remove_permission(FunctionName=name, StatementId="s3")
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "Statement s3 is not found in resource policy.")
        self.lam.remove_permission(FunctionName=name, StatementId="acct")
        self.lam.remove_permission(FunctionName=name, StatementId="alexa")
        with self.assertRaises(Exception) as ctx:
            self.lam.get_policy(FunctionName=name)
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        with self.assertRaises(Exception) as ctx:
            self.lam.remove_permission(FunctionName=name, StatementId="s3")
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "No policy is associated with the given resource.")

    def test_qualified_policies_are_separate(self):
        name = self.create_function()["FunctionName"]
        self.lam.publish_version(FunctionName=name)
        added = self.lam.add_permission(FunctionName=name, Qualifier="1", StatementId="v1",
                                        Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
        self.assertEqual(json.loads(added["Statement"])["Resource"], function_arn(name) + ":1")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_policy(FunctionName=name)
        self.assertEqual(len(json.loads(
            self.lam.get_policy(FunctionName=name, Qualifier="1")["Policy"])["Statement"]), 1)

    def test_bad_permissions(self):
        name = self.create_function()["FunctionName"]
        for params, code in [
            (dict(StatementId="bad id!", Action="lambda:InvokeFunction", Principal="*"),
             "ValidationException"),
            (dict(StatementId="ok", Action="s3:GetObject", Principal="*"), "ValidationException"),
            (dict(StatementId="ok", Action="lambda:InvokeFunction", Principal="invalid.nonaws.com"),
             "InvalidParameterValueException"),
            (dict(StatementId="ok", Action="lambda:InvokeFunction", Principal="*",
                  Qualifier="$LATEST"), "InvalidParameterValueException"),
        ]:
            with self.subTest(params=params), self.assertRaises(Exception) as ctx:
                self.lam_novalidate.add_permission(FunctionName=name, **params)
            self.assert_aws_error(ctx, code, 400)
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_policy(FunctionName=name)

    def test_cli_policy(self):
        name = self.create_function()["FunctionName"]
        out = self.serval.cli_json("lambda", "add-permission", "--function-name", name,
                                   "--statement-id", "cli", "--action", "lambda:InvokeFunction",
                                   "--principal", "events.amazonaws.com")
        self.assertEqual(json.loads(out["Statement"])["Sid"], "cli")
        policy = self.serval.cli_json("lambda", "get-policy", "--function-name", name)
        self.assertEqual(json.loads(policy["Policy"])["Statement"][0]["Sid"], "cli")


if __name__ == "__main__":
    unittest.main()
