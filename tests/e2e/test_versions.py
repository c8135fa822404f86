"""Issue 3 item 3: published versions and aliases (boto3 and the AWS CLI)."""

import collections
import json
import unittest

from serval_harness import ROLE, ServalProcess, ServalTestCase, function_arn, make_zip, unique_name


def versioned_zip(tag: str) -> bytes:
    """A python function answering with a fixed tag, so tests can tell versions apart."""
    return make_zip({"app.py": "import os\n"
                               "def lambda_handler(event, context):\n"
                               f"    return {{'tag': {tag!r}, 'version': os.environ['AWS_LAMBDA_FUNCTION_VERSION'],\n"
                               "            'arn': context.invoked_function_arn}\n"})


class VersionsTest(ServalTestCase):

    def make(self, tag="v1", **kw):
        resp = self.create_function(zip_bytes=versioned_zip(tag), handler="app.lambda_handler", **kw)
        return resp["FunctionName"], resp

    def test_publish_snapshots_code_and_configuration(self):
        name, _ = self.make("one")
        v1 = self.lam.publish_version(FunctionName=name, Description="first")
        self.assertEqual(v1["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(v1["Version"], "1")
        self.assertEqual(v1["FunctionArn"], function_arn(name) + ":1")
        self.assertEqual(v1["Description"], "first")
        # Publishing an unchanged $LATEST returns the existing version, as AWS does.
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "1")

        self.lam.update_function_code(FunctionName=name, ZipFile=versioned_zip("two"))
        self.lam.update_function_configuration(FunctionName=name, MemorySize=256)
        v2 = self.lam.publish_version(FunctionName=name)
        self.assertEqual(v2["Version"], "2")
        self.assertEqual(v2["MemorySize"], 256)
        self.lam.update_function_code(FunctionName=name, ZipFile=versioned_zip("three"))

        # $LATEST keeps changing; published versions do not.
        for qualifier, tag, version in (("1", "one", "1"), ("2", "two", "2"),
                                        ("$LATEST", "three", "$LATEST")):
            resp, body = self.invoke(name, {}, Qualifier=qualifier)
            self.assertEqual(resp["ExecutedVersion"], version)
            out = json.loads(body)
            self.assertEqual((out["tag"], out["version"]), (tag, version))
        self.assertEqual(self.invoke_json(f"{name}:1")["tag"], "one")
        self.assertEqual(self.invoke_json(name)["tag"], "three")
        self.assertEqual(
            self.lam.get_function_configuration(FunctionName=name, Qualifier="1")["MemorySize"], 128)

        versions = self.lam.list_versions_by_function(FunctionName=name)["Versions"]
        self.assertEqual([v["Version"] for v in versions], ["$LATEST", "1", "2"])
        self.assertEqual(versions[0]["FunctionArn"], function_arn(name) + ":$LATEST")
        paginator = self.lam.get_paginator("list_versions_by_function")
        paged = [v["Version"] for page in paginator.paginate(FunctionName=name,
                                                             PaginationConfig={"PageSize": 1})
                 for v in page["Versions"]]
        self.assertEqual(paged, ["$LATEST", "1", "2"])

    def test_version_numbers_are_not_reused_and_versions_delete(self):
        name, _ = self.make()
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_configuration(FunctionName=name, Description="b")
        self.lam.publish_version(FunctionName=name)
        self.lam.delete_function(FunctionName=name, Qualifier="2")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.invoke(FunctionName=name, Qualifier="2")
        self.lam.update_function_configuration(FunctionName=name, Description="c")
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "3")
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException):
            self.lam.delete_function(FunctionName=name, Qualifier="$LATEST")

    def test_create_and_update_with_publish(self):
        name, created = self.make("p1", Publish=True)
        self.assertEqual(created["Version"], "1")
        updated = self.lam.update_function_code(FunctionName=name, ZipFile=versioned_zip("p2"),
                                                Publish=True)
        self.assertEqual(updated["Version"], "2")
        self.assertEqual(self.invoke_json(name, Qualifier="2")["tag"], "p2")

    def test_publish_checks_code_sha_and_revision(self):
        name, created = self.make()
        with self.assertRaises(self.lam.exceptions.InvalidParameterValueException):
            self.lam.publish_version(FunctionName=name, CodeSha256="bm90IHRoZSBzaGE=")
        with self.assertRaises(self.lam.exceptions.PreconditionFailedException):
            self.lam.publish_version(FunctionName=name, RevisionId="stale")
        self.assertEqual(self.lam.publish_version(FunctionName=name,
                                                  CodeSha256=created["CodeSha256"])["Version"], "1")


class AliasesTest(ServalTestCase):

    def setUp(self):
        self.name = self.create_function(zip_bytes=versioned_zip("a"),
                                         handler="app.lambda_handler")["FunctionName"]
        self.lam.publish_version(FunctionName=self.name)
        self.lam.update_function_code(FunctionName=self.name, ZipFile=versioned_zip("b"))
        self.lam.publish_version(FunctionName=self.name)

    def test_alias_lifecycle(self):
        alias = self.lam.create_alias(FunctionName=self.name, Name="prod", FunctionVersion="1",
                                      Description="production")
        self.assertEqual(alias["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(alias["AliasArn"], function_arn(self.name) + ":prod")
        out = self.invoke_json(f"{self.name}:prod")
        self.assertEqual((out["tag"], out["arn"]), ("a", function_arn(self.name) + ":prod"))
        resp, _ = self.invoke(self.name, {}, Qualifier="prod")
        self.assertEqual(resp["ExecutedVersion"], "1")

        got = self.lam.get_alias(FunctionName=self.name, Name="prod")
        self.assertEqual((got["FunctionVersion"], got["Description"]), ("1", "production"))
        with self.assertRaises(self.lam.exceptions.PreconditionFailedException):
            self.lam.update_alias(FunctionName=self.name, Name="prod", FunctionVersion="2",
                                  RevisionId="stale")
        self.lam.update_alias(FunctionName=self.name, Name="prod", FunctionVersion="2",
                              RevisionId=got["RevisionId"])
        self.assertEqual(self.invoke_json(f"{self.name}:prod")["tag"], "b")

        self.lam.create_alias(FunctionName=self.name, Name="dev", FunctionVersion="$LATEST")
        listed = self.lam.list_aliases(FunctionName=self.name)["Aliases"]
        self.assertEqual(sorted(a["Name"] for a in listed), ["dev", "prod"])
        only_2 = self.lam.list_aliases(FunctionName=self.name, FunctionVersion="2")["Aliases"]
        self.assertEqual([a["Name"] for a in only_2], ["prod"])

        # A version an alias points at cannot be deleted.
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.delete_function(FunctionName=self.name, Qualifier="2")
        self.lam.delete_alias(FunctionName=self.name, Name="prod")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_alias(FunctionName=self.name, Name="prod")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.invoke(FunctionName=f"{self.name}:prod")
        self.lam.delete_function(FunctionName=self.name, Qualifier="2")

    def test_routing_weights_are_honoured(self):
        self.lam.create_alias(FunctionName=self.name, Name="canary", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
        counts = collections.Counter(
            self.invoke(self.name, {}, Qualifier="canary")[0]["ExecutedVersion"]
            for _ in range(200))
        # 200 draws at p=0.3: the mean is 60, the standard deviation 6.5; 30..90 is > 4 sigma.
        self.assertEqual(set(counts), {"1", "2"})
        self.assertTrue(30 <= counts["2"] <= 90, counts)

    def test_bad_aliases_are_refused(self):
        cases = [
            (dict(Name="123", FunctionVersion="1"), "ValidationException"),
            (dict(Name="bad name", FunctionVersion="1"), "ValidationException"),
            (dict(Name="ghost", FunctionVersion="9"), "ResourceNotFoundException"),
            (dict(Name="w", FunctionVersion="1",
                  RoutingConfig={"AdditionalVersionWeights": {"2": 1.5}}), "ValidationException"),
            (dict(Name="w", FunctionVersion="$LATEST",
                  RoutingConfig={"AdditionalVersionWeights": {"2": 0.5}}),
             "InvalidParameterValueException"),
            (dict(Name="w", FunctionVersion="1",
                  RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}}),
             "InvalidParameterValueException"),
        ]
        for params, code in cases:
            with self.subTest(params=params), self.assertRaises(Exception) as ctx:
                self.lam_novalidate.create_alias(FunctionName=self.name, **params)
            self.assert_aws_error(ctx, code, (400, 404))
        self.assertEqual(self.lam.list_aliases(FunctionName=self.name)["Aliases"], [])
        self.lam.create_alias(FunctionName=self.name, Name="once", FunctionVersion="1")
        with self.assertRaises(self.lam.exceptions.ResourceConflictException):
            self.lam.create_alias(FunctionName=self.name, Name="once", FunctionVersion="1")

    def test_cli_alias_and_qualified_invoke(self):
        self.serval.cli("lambda", "create-alias", "--function-name", self.name, "--name", "live",
                        "--function-version", "2")
        out = self.serval.cli_json("lambda", "invoke", "--function-name", self.name,
                                   "--qualifier", "live", "/dev/null")
        self.assertEqual(out["ExecutedVersion"], "2")

    def test_deleting_function_deletes_versions_and_aliases(self):
        self.lam.create_alias(FunctionName=self.name, Name="x", FunctionVersion="1")
        self.lam.delete_function(FunctionName=self.name)
        self.create_function(name=self.name, zip_bytes=versioned_zip("new"),
                             handler="app.lambda_handler", cleanup=False)
        self.assertEqual([v["Version"] for v in
                          self.lam.list_versions_by_function(FunctionName=self.name)["Versions"]],
                         ["$LATEST"])
        self.assertEqual(self.lam.list_aliases(FunctionName=self.name)["Aliases"], [])
        self.assertEqual(self.lam.publish_version(FunctionName=self.name)["Version"], "1")


class VersionsSurviveRestartTest(unittest.TestCase):

    def test_versions_and_aliases_survive_restart(self):
        first = ServalProcess()
        self.addCleanup(first.cleanup)
        self.addCleanup(first.kill)
        lam = first.start().client()
        name = unique_name("persist-ver")
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                            Handler="app.lambda_handler", Code={"ZipFile": versioned_zip("old")},
                            Publish=True)
        lam.update_function_code(FunctionName=name, ZipFile=versioned_zip("new"))
        lam.create_alias(FunctionName=name, Name="stable", FunctionVersion="1")
        first.stop()

        second = ServalProcess(data_dir=first.data_dir)
        self.addCleanup(second.cleanup)
        self.addCleanup(second.kill)
        lam = second.start().client()
        resp = lam.invoke(FunctionName=name, Qualifier="stable")
        self.assertEqual(json.loads(resp["Payload"].read())["tag"], "old")
        self.assertEqual(resp["ExecutedVersion"], "1")
        # The version counter survived too: the next publish is 2, not 1 again.
        self.assertEqual(lam.publish_version(FunctionName=name)["Version"], "2")
        second.stop()


if __name__ == "__main__":
    unittest.main()
