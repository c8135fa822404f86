"""Issue 2 item 3: Lambda control plane through boto3 and the AWS CLI."""

import json
import os
import time
import unittest

from botocore.exceptions import ClientError

from serval_harness import (
    LAST_MODIFIED_RE, ROLE, ServalTestCase, cli_payload_args, code_sha256, fixture_text,
    function_arn, make_zip, python_zip, unique_name)


class CreateAndGetTest(ServalTestCase):

    def test_create_function_response(self):
        name = unique_name("create")
        zip_bytes = python_zip("echo")
        resp = self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="echo.lambda_handler",
            Code={"ZipFile": zip_bytes}, Description="made by e2e", MemorySize=256, Timeout=7,
            Environment={"Variables": {"A": "1", "B": "two"}})
        self.addCleanup(self._delete_quietly, name)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 201)
        # Real AWS answers Pending on create and Active a moment later; an emulator may answer
        # Active at once (the waiters accept both).
        self.assertIn(resp["State"], ("Pending", "Active"))
        self.assertEqual(resp["FunctionName"], name)
        self.assertEqual(resp["FunctionArn"], function_arn(name))
        self.assertEqual(resp["CodeSha256"], code_sha256(zip_bytes))
        self.assertEqual(resp["CodeSize"], len(zip_bytes))
        self.assertRegex(resp["LastModified"], LAST_MODIFIED_RE)
        self.assertEqual(resp["Runtime"], "python3.12")
        self.assertEqual(resp["Handler"], "echo.lambda_handler")
        self.assertEqual(resp["Role"], ROLE)
        self.assertEqual(resp["MemorySize"], 256)
        self.assertEqual(resp["Timeout"], 7)
        self.assertEqual(resp["Description"], "made by e2e")
        self.assertEqual(resp["Version"], "$LATEST")
        self.assertEqual(resp["Environment"]["Variables"], {"A": "1", "B": "two"})

    def test_defaults(self):
        # AWS defaults: 128 MB, 3 s, empty description.
        name = unique_name("defaults")
        self.create_function(name)
        cfg = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(cfg["MemorySize"], 128)
        self.assertEqual(cfg["Timeout"], 3)
        self.assertEqual(cfg.get("Description", ""), "")

    def test_get_function_and_configuration(self):
        name = unique_name("get")
        zip_bytes = python_zip("echo")
        created = self.create_function(name, zip_bytes, MemorySize=512, Timeout=10,
                                       Description="d1")
        got = self.lam.get_function(FunctionName=name)
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 200)
        cfg = got["Configuration"]
        self.assertEqual(cfg["State"], "Active")
        self.assertEqual(cfg["LastUpdateStatus"], "Successful")
        for key in ("FunctionName", "FunctionArn", "CodeSha256", "CodeSize", "Runtime",
                    "Handler", "MemorySize", "Timeout", "Description", "Version"):
            self.assertEqual(cfg[key], created[key], key)
        self.assertRegex(cfg["LastModified"], LAST_MODIFIED_RE)

        cfg2 = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(cfg2["ResponseMetadata"]["HTTPStatusCode"], 200)
        for key in ("FunctionName", "FunctionArn", "CodeSha256", "CodeSize", "MemorySize",
                    "Timeout", "Description", "State", "LastUpdateStatus", "LastModified"):
            self.assertEqual(cfg2[key], cfg[key], key)

    def test_get_unknown_function(self):
        with self.assertRaises(ClientError) as ctx:
            self.lam.get_function(FunctionName=unique_name("missing"))
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        # Lambda marks the errors its callers cause as the user's.
        self.assertEqual(ctx.exception.response.get("Type"), "User")
        with self.assertRaises(ClientError) as ctx:
            self.lam.get_function_configuration(FunctionName=unique_name("missing"))
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)

    def test_get_by_arn(self):
        name = unique_name("getarn")
        self.create_function(name)
        for ref in (function_arn(name), f"000000000000:function:{name}"):
            cfg = self.lam.get_function_configuration(FunctionName=ref)
            self.assertEqual(cfg["FunctionName"], name, ref)

    def test_arns_of_other_regions_and_accounts_do_not_reach_this_function(self):
        name = unique_name("elsewhere")
        self.create_function(name)
        other_region = f"arn:aws:lambda:eu-west-1:000000000000:function:{name}"
        for call in (self.lam.get_function, self.lam.invoke):
            with self.subTest(call=call.__name__), self.assertRaises(ClientError) as ctx:
                call(FunctionName=other_region)
            self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
            self.assertEqual(ctx.exception.response["Error"]["Message"],
                             "Functions from 'eu-west-1' are not reachable in this region "
                             "('us-east-1')")
        for ref in (f"arn:aws:lambda:us-east-1:111122223333:function:{name}",
                    f"111122223333:function:{name}"):
            with self.subTest(ref=ref), self.assertRaises(ClientError) as ctx:
                self.lam.invoke(FunctionName=ref)
            self.assert_aws_error(ctx, "AccessDeniedException", 403)
        for ref in (f"arn:aws:lambda:nowhere:000000000000:function:{name}",
                    f"arn:aws:lambda:us-east-1:12345:function:{name}"):
            with self.subTest(ref=ref), self.assertRaises(ClientError) as ctx:
                self.lam_novalidate.get_function(FunctionName=ref)
            self.assert_aws_error(ctx, "ValidationException", 400)
        for qualifier in ("invalid!", "a" * 129):
            with self.subTest(qualifier=qualifier), self.assertRaises(ClientError) as ctx:
                self.lam_novalidate.get_function(FunctionName=name, Qualifier=qualifier)
            self.assert_aws_error(ctx, "ValidationException", 400)
            self.assertIn("at 'qualifier' failed to satisfy constraint",
                          ctx.exception.response["Error"]["Message"])


class CliTest(ServalTestCase):
    """The AWS CLI (v1 or v2) against serval: create from fileb://, waiter, get, list, delete."""

    def test_cli_create_wait_get_delete(self):
        name = unique_name("cli")
        zip_bytes = python_zip("echo")
        zip_path = os.path.join(self.serval.tmp_root, f"{name}.zip")
        with open(zip_path, "wb") as f:
            f.write(zip_bytes)
        created = self.serval.cli_json(
            "lambda", "create-function", "--function-name", name, "--runtime", "python3.11",
            "--role", ROLE, "--handler", "echo.lambda_handler", "--zip-file", f"fileb://{zip_path}",
            "--environment", "Variables={K1=v1}")
        self.addCleanup(self._delete_quietly, name)
        self.assertEqual(created["FunctionArn"], function_arn(name))
        self.assertEqual(created["CodeSha256"], code_sha256(zip_bytes))

        t0 = time.monotonic()
        self.serval.cli("lambda", "wait", "function-active", "--function-name", name, timeout=120)
        self.assertLess(time.monotonic() - t0, 60)

        got = self.serval.cli_json("lambda", "get-function", "--function-name", name)
        self.assertEqual(got["Configuration"]["State"], "Active")
        self.assertEqual(got["Configuration"]["Environment"]["Variables"], {"K1": "v1"})

        listed = self.serval.cli_json("lambda", "list-functions")
        self.assertIn(name, [f["FunctionName"] for f in listed["Functions"]])

        out_path = os.path.join(self.serval.tmp_root, f"{name}.out")
        meta = self.serval.cli_json("lambda", "invoke", "--function-name", name, "--payload",
                                    '{"via": "cli"}', *cli_payload_args(), out_path)
        self.assertEqual(meta["StatusCode"], 200)
        self.assertEqual(meta.get("ExecutedVersion"), "$LATEST")
        with open(out_path, "rb") as f:
            self.assertEqual(json.loads(f.read()), {"via": "cli"})

        p = self.serval.cli("lambda", "delete-function", "--function-name", name)
        self.assertEqual(p.returncode, 0)
        p = self.serval.cli("lambda", "get-function", "--function-name", name, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ResourceNotFoundException", p.stderr)

    def test_cli_update_function_code(self):
        name = unique_name("cliupd")
        self.create_function(name)
        new_zip = make_zip({"echo.py": fixture_text("python", "echo_v2.py")})
        zip_path = os.path.join(self.serval.tmp_root, f"{name}.zip")
        with open(zip_path, "wb") as f:
            f.write(new_zip)
        upd = self.serval.cli_json("lambda", "update-function-code", "--function-name", name,
                                   "--zip-file", f"fileb://{zip_path}")
        self.assertEqual(upd["CodeSha256"], code_sha256(new_zip))
        self.serval.cli("lambda", "wait", "function-updated", "--function-name", name,
                        timeout=120)
        self.assertEqual(self.invoke_json(name, {"a": 1}), {"version": 2, "event": {"a": 1}})


class ListFunctionsTest(ServalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A fresh data dir should hold no functions, but tolerate a pre-deployed demo function.
        baseline = [f["FunctionName"] for f in cls.lam.list_functions()["Functions"]]
        cls.created = sorted(unique_name(f"list{i}") for i in range(7))
        zip_bytes = python_zip("echo")
        for n in cls.created:
            cls.lam.create_function(FunctionName=n, Runtime="python3.12", Role=ROLE,
                                    Handler="echo.lambda_handler", Code={"ZipFile": zip_bytes})
        cls.names = sorted(baseline + cls.created)
        total = len(cls.names)
        cls.expected_page_sizes = [3] * (total // 3) + ([total % 3] if total % 3 else [])

    def test_account_settings_count_the_functions(self):
        before = self.lam.get_account_settings()
        self.assertEqual(before["AccountLimit"]["CodeSizeZipped"], 52428800)
        self.assertEqual(before["AccountLimit"]["CodeSizeUnzipped"], 262144000)
        self.assertEqual(before["AccountUsage"]["FunctionCount"], len(self.names))
        self.assertGreater(before["AccountUsage"]["TotalCodeSize"], 0)
        name = self.created[0]
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=7)
        self.addCleanup(self.lam.delete_function_concurrency, FunctionName=name)
        limit = self.lam.get_account_settings()["AccountLimit"]
        self.assertEqual(limit["UnreservedConcurrentExecutions"], limit["ConcurrentExecutions"] - 7)

    def test_operations_serval_lacks_are_lambdas_json_errors(self):
        # Signed for Lambda, answered by Lambda (not by S3's catch-all path in XML).
        for call in (lambda: self.lam.list_layers(),
                     lambda: self.lam.get_function_code_signing_config(
                         FunctionName=self.created[0])):
            with self.assertRaises(ClientError) as caught:
                call()
            self.assertEqual(caught.exception.response["Error"]["Code"], "UnknownOperationException")
            self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 404)

    def test_list_contains_all_with_configuration(self):
        funcs = self.lam.list_functions()["Functions"]
        by_name = {f["FunctionName"]: f for f in funcs}
        for n in self.created:
            self.assertIn(n, by_name)
            self.assertTrue(by_name[n]["FunctionArn"].startswith(function_arn(n)))
            self.assertEqual(by_name[n]["Runtime"], "python3.12")
            self.assertRegex(by_name[n]["LastModified"], LAST_MODIFIED_RE)

    def test_manual_pagination_max_items_marker(self):
        seen, marker, pages = [], None, 0
        while True:
            kw = {"MaxItems": 3}
            if marker:
                kw["Marker"] = marker
            page = self.lam.list_functions(**kw)
            pages += 1
            self.assertLessEqual(len(page["Functions"]), 3)
            seen += [f["FunctionName"] for f in page["Functions"]]
            marker = page.get("NextMarker")
            if not marker:
                break
            self.assertEqual(len(page["Functions"]), 3, "a non-final page must be full")
            self.assertLess(pages, 20, "pagination does not terminate")
        self.assertEqual(len(seen), len(set(seen)), f"duplicates across pages: {seen}")
        self.assertEqual(sorted(seen), self.names)
        self.assertEqual(pages, len(self.expected_page_sizes))  # 7 functions: 3 + 3 + 1

    def test_max_items_one(self):
        page = self.lam.list_functions(MaxItems=1)
        self.assertEqual(len(page["Functions"]), 1)
        self.assertIn("NextMarker", page)

    def test_boto3_paginator(self):
        paginator = self.lam.get_paginator("list_functions")
        pages = list(paginator.paginate(PaginationConfig={"PageSize": 3}))
        names = [f["FunctionName"] for p in pages for f in p["Functions"]]
        self.assertEqual(sorted(names), self.names)
        self.assertEqual([len(p["Functions"]) for p in pages], self.expected_page_sizes)

    def test_cli_max_items(self):
        # CLI pagination: --max-items limits output and yields a NextToken to resume from.
        first = self.serval.cli_json("lambda", "list-functions", "--max-items", "4",
                                     "--page-size", "3")
        self.assertEqual(len(first["Functions"]), 4)
        self.assertIn("NextToken", first)
        rest = self.serval.cli_json("lambda", "list-functions", "--starting-token",
                                    first["NextToken"], "--page-size", "3")
        names = [f["FunctionName"] for f in first["Functions"] + rest["Functions"]]
        self.assertEqual(sorted(names), self.names)


class UpdateAndDeleteTest(ServalTestCase):

    def test_update_function_code(self):
        name = unique_name("updcode")
        old_zip = python_zip("echo")
        created = self.create_function(name, old_zip)
        self.assertEqual(self.invoke_json(name, {"x": 1}), {"x": 1})  # warm an environment
        time.sleep(0.01)
        new_zip = make_zip({"echo.py": fixture_text("python", "echo_v2.py")})
        upd = self.lam.update_function_code(FunctionName=name, ZipFile=new_zip)
        self.assertEqual(upd["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(upd["CodeSha256"], code_sha256(new_zip))
        self.assertNotEqual(upd["CodeSha256"], created["CodeSha256"])
        self.assertEqual(upd["CodeSize"], len(new_zip))
        self.assertRegex(upd["LastModified"], LAST_MODIFIED_RE)
        self.assertIn(upd.get("LastUpdateStatus"), ("InProgress", "Successful"))
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        cfg = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(cfg["CodeSha256"], code_sha256(new_zip))
        # The next invoke runs the new code, even though an old environment was warm.
        self.assertEqual(self.invoke_json(name, {"x": 2}), {"version": 2, "event": {"x": 2}})

    def test_update_function_configuration_takes_effect(self):
        name = unique_name("updcfg")
        self.create_function(name, python_zip("context_env"),
                             handler="context_env.lambda_handler", MemorySize=128, Timeout=3,
                             Environment={"Variables": {"USER_VAR": "before"}})
        before = self.invoke_json(name, {})
        self.assertEqual(before["env"]["USER_VAR"], "before")
        self.assertLessEqual(before["context"]["remaining_ms"], 3000)

        upd = self.lam.update_function_configuration(
            FunctionName=name, MemorySize=256, Timeout=20, Description="after",
            Environment={"Variables": {"USER_VAR": "after", "SECOND_VAR": "2nd"}})
        self.assertEqual(upd["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(upd["MemorySize"], 256)
        self.assertEqual(upd["Timeout"], 20)
        self.assertEqual(upd["Description"], "after")
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})

        cfg = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(cfg["MemorySize"], 256)
        self.assertEqual(cfg["Timeout"], 20)
        self.assertEqual(cfg["Description"], "after")
        self.assertEqual(cfg["Environment"]["Variables"], {"USER_VAR": "after", "SECOND_VAR": "2nd"})

        after = self.invoke_json(name, {})
        self.assertEqual(after["env"]["USER_VAR"], "after")
        self.assertEqual(after["env"]["SECOND_VAR"], "2nd")
        self.assertEqual(after["env"]["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256")
        self.assertEqual(str(after["context"]["memory_limit_in_mb"]), "256")
        # Deadline follows the new timeout: more than the old 3 s remain.
        self.assertGreater(after["context"]["remaining_ms"], 3000)
        self.assertLessEqual(after["context"]["remaining_ms"], 20000)

    def test_configuration_blocks_are_kept_and_reported(self):
        shape = self.lam.meta.service_model.operation_model("CreateFunction").input_shape
        if "LoggingConfig" not in shape.members:
            self.skipTest("this botocore predates LoggingConfig (2023)")
        name = unique_name("blocks")
        created = self.create_function(
            name, TracingConfig={"Mode": "Active"}, KMSKeyArn="arn:aws:kms:us-east-1:000000000000:key/k",
            LoggingConfig={"LogFormat": "JSON", "ApplicationLogLevel": "DEBUG"},
            VpcConfig={"SubnetIds": ["subnet-1"], "SecurityGroupIds": ["sg-1"]},
            SnapStart={"ApplyOn": "PublishedVersions"})
        self.assertEqual(created["TracingConfig"], {"Mode": "Active"})
        self.assertEqual(created["LoggingConfig"], {
            "LogFormat": "JSON", "ApplicationLogLevel": "DEBUG", "SystemLogLevel": "INFO",
            "LogGroup": f"/aws/lambda/{name}"})
        self.assertEqual(created["VpcConfig"]["SubnetIds"], ["subnet-1"])
        self.assertEqual(created["VpcConfig"]["SecurityGroupIds"], ["sg-1"])
        self.assertEqual(created["KMSKeyArn"], "arn:aws:kms:us-east-1:000000000000:key/k")
        self.assertEqual(created["SnapStart"]["ApplyOn"], "PublishedVersions")
        # A later update changes what it names and keeps the rest; versions keep theirs.
        self.lam.update_function_configuration(FunctionName=name,
                                               LoggingConfig={"LogGroup": "custom/group"})
        published = self.lam.publish_version(FunctionName=name)
        self.assertEqual(published["LoggingConfig"]["LogGroup"], "custom/group")
        self.assertEqual(published["LoggingConfig"]["ApplicationLogLevel"], "DEBUG")
        self.assertEqual(published["TracingConfig"], {"Mode": "Active"})
        got = self.lam.get_function_configuration(FunctionName=name, Qualifier="1")
        self.assertEqual(got["VpcConfig"]["SubnetIds"], ["subnet-1"])
        for bad, code in [({"LoggingConfig": {"LogFormat": "Text", "ApplicationLogLevel": "INFO"}},
                           "InvalidParameterValueException"),
                          ({"TracingConfig": {"Mode": "Sometimes"}}, "ValidationException"),
                          ({"LoggingConfig": {"LogFormat": "XML"}}, "ValidationException")]:
            with self.subTest(bad=bad), self.assertRaises(ClientError) as ctx:
                self.lam_novalidate.update_function_configuration(FunctionName=name, **bad)
            self.assert_aws_error(ctx, code, 400)
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["LoggingConfig"]
                         ["LogFormat"], "JSON")
        # The invocation still works (the settings have nothing to change it here).
        self.assertEqual(self.invoke_json(name, {"x": 1}), {"x": 1})

    def test_update_configuration_partial_keeps_other_fields(self):
        name = unique_name("updpart")
        self.create_function(name, MemorySize=384, Timeout=9, Description="keep me",
                             Environment={"Variables": {"KEEP": "yes"}})
        self.lam.update_function_configuration(FunctionName=name, Timeout=11)
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 60})
        cfg = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(cfg["Timeout"], 11)
        self.assertEqual(cfg["MemorySize"], 384)
        self.assertEqual(cfg["Description"], "keep me")
        self.assertEqual(cfg["Environment"]["Variables"], {"KEEP": "yes"})

    def test_update_unknown_function(self):
        with self.assertRaises(ClientError) as ctx:
            self.lam.update_function_configuration(FunctionName=unique_name("nope"), Timeout=5)
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        with self.assertRaises(ClientError) as ctx:
            self.lam.update_function_code(FunctionName=unique_name("nope"),
                                          ZipFile=python_zip("echo"))
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)

    def test_delete_function(self):
        name = unique_name("del")
        self.create_function(name, cleanup=False)
        self.invoke_json(name, {})  # leave a warm environment behind
        resp = self.lam.delete_function(FunctionName=name)
        # The model says 200 but real AWS answers 204 with an empty body.
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as ctx:
            self.lam.get_function(FunctionName=name)
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        with self.assertRaises(ClientError) as ctx:
            self.invoke(name, {})
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        with self.assertRaises(ClientError) as ctx:
            self.lam.delete_function(FunctionName=name)
        self.assert_aws_error(ctx, "ResourceNotFoundException", 404)
        self.assertNotIn(name, self.list_function_names())

    def test_delete_then_recreate_same_name(self):
        name = unique_name("recreate")
        self.create_function(name, cleanup=False)
        self.assertEqual(self.invoke_json(name, {"v": 1}), {"v": 1})
        self.lam.delete_function(FunctionName=name)
        new_zip = make_zip({"echo.py": fixture_text("python", "echo_v2.py")})
        self.create_function(name, new_zip)
        self.assertEqual(self.invoke_json(name, {"v": 1}), {"version": 2, "event": {"v": 1}})


if __name__ == "__main__":
    unittest.main()
