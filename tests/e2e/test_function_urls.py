"""Lambda function URLs: the control plane (boto3 and the AWS CLI) and the URLs themselves,
reached at http://{url-id}.lambda-url.us-east-1.localhost:{port}/ with a Host header."""
import base64
import json
import signal
import urllib.parse
import uuid

from serval_harness import (REGION, ClientError, ServalTestCase, python_zip, unique_name)

FORBIDDEN = ("Forbidden. For troubleshooting Function URL authorization issues, see: "
             "https://docs.aws.amazon.com/lambda/latest/dg/urls-auth.html")


def header(headers, name):
    values = [v for k, v in headers if k == name]
    return values[0] if values else None


class FunctionUrlCase(ServalTestCase):
    def url_function(self, auth_type="NONE", permit=True, **url_config):
        """A function running fixtures/python/proxy_handler.py with a URL; returns (name, host)."""
        name = unique_name("url")
        self.create_function(name=name, zip_bytes=python_zip("proxy_handler"),
                             handler="proxy_handler.lambda_handler", Timeout=10)
        created = self.lam.create_function_url_config(FunctionName=name, AuthType=auth_type,
                                                      **url_config)
        if permit:
            self.lam.add_permission(FunctionName=name, StatementId="url",
                                    Action="lambda:InvokeFunctionUrl", Principal="*",
                                    FunctionUrlAuthType=auth_type,
                                    **({"Qualifier": url_config["Qualifier"]}
                                       if "Qualifier" in url_config else {}))
        return name, self.host_of(created["FunctionUrl"])

    def knows_invoke_mode(self):
        model = self.lam.meta.service_model.operation_model("CreateFunctionUrlConfig")
        return "InvokeMode" in model.input_shape.members

    def host_of(self, function_url):
        parsed = urllib.parse.urlparse(function_url)
        self.assertEqual(parsed.port, self.serval.port)
        return parsed.hostname

    def call(self, host, path="/", method="GET", **kw):
        return self.serval.host_request(method, host, path, **kw)

    def call_json(self, host, path="/", **kw):
        status, headers, body = self.call(host, path, **kw)
        self.assertEqual(status, 200, body)
        return json.loads(body)


class FunctionUrlControlPlaneTest(FunctionUrlCase):
    def test_lifecycle_as_aws_answers(self):
        name = unique_name("url")
        self.create_function(name=name)
        created = self.lam.create_function_url_config(FunctionName=name, AuthType="NONE")
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertRegex(created["FunctionUrl"],
                         rf"^http://[a-z0-9]{{32}}\.lambda-url\.{REGION}\.localhost:"
                         rf"{self.serval.port}/$")
        self.assertTrue(created["FunctionArn"].endswith(f":function:{name}"))
        self.assertNotIn("InvokeMode", created)
        self.assertNotIn("LastModifiedTime", created)
        with self.assertRaises(ClientError) as ctx:
            self.lam.create_function_url_config(FunctionName=name, AuthType="NONE")
        self.assert_aws_error(ctx, ["ResourceConflictException"], [409])
        self.assertIn("FunctionUrlConfig exists for this Lambda function",
                      ctx.exception.response["Error"]["Message"])
        got = self.lam.get_function_url_config(FunctionName=name)
        self.assertEqual(got["FunctionUrl"], created["FunctionUrl"])
        if self.knows_invoke_mode():
            self.assertEqual(got["InvokeMode"], "BUFFERED")
        self.assertIn("LastModifiedTime", got)
        cors = {"AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"],
                "MaxAge": 60}
        updated = self.lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM",
                                                      Cors=cors)
        self.assertEqual(updated["AuthType"], "AWS_IAM")
        self.assertEqual(updated["Cors"], cors)
        self.assertEqual(updated["FunctionUrl"], created["FunctionUrl"], "the URL id is stable")
        listed = self.lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
        self.assertEqual([c["AuthType"] for c in listed], ["AWS_IAM"])
        deleted = self.lam.delete_function_url_config(FunctionName=name)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        with self.assertRaises(ClientError) as ctx:
            self.lam.get_function_url_config(FunctionName=name)
        self.assert_aws_error(ctx, ["ResourceNotFoundException"], [404])
        self.assertEqual(ctx.exception.response["Error"]["Message"],
                         "The resource you requested does not exist.")

    def test_aliases_paging_and_errors(self):
        name = unique_name("url")
        self.create_function(name=name)
        version = self.lam.publish_version(FunctionName=name)["Version"]
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
        self.lam.create_function_url_config(FunctionName=name, AuthType="NONE")
        # InvokeMode came in 2023 (Debian's boto3 1.26 does not know it).
        mode = {"InvokeMode": "BUFFERED"} if self.knows_invoke_mode() else {}
        aliased = self.lam.create_function_url_config(FunctionName=name, Qualifier="live",
                                                      AuthType="NONE", **mode)
        self.assertTrue(aliased["FunctionArn"].endswith(f":function:{name}:live"))
        self.assertEqual(aliased.get("InvokeMode"), mode.get("InvokeMode"))
        first = self.lam.list_function_url_configs(FunctionName=name, MaxItems=1)
        self.assertEqual(len(first["FunctionUrlConfigs"]), 1)
        second = self.lam.list_function_url_configs(FunctionName=name, MaxItems=1,
                                                     Marker=first["NextMarker"])
        self.assertNotIn("NextMarker", second)
        arns = [c["FunctionArn"] for c in first["FunctionUrlConfigs"] +
                second["FunctionUrlConfigs"]]
        self.assertEqual(sorted(a.endswith(":live") for a in arns), [False, True])
        for qualifier in ("1", "$LATEST"):
            with self.assertRaises(ClientError) as ctx:
                self.lam_novalidate.get_function_url_config(FunctionName=name, Qualifier=qualifier)
            self.assert_aws_error(ctx, ["ValidationException"], [400])
            self.assertIn(f"Value '{qualifier}' at 'qualifier' failed to satisfy constraint",
                          ctx.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as ctx:
            self.lam.create_function_url_config(FunctionName=name, Qualifier="nope",
                                                AuthType="NONE")
        self.assert_aws_error(ctx, ["ResourceNotFoundException"], [404])
        self.assertEqual(ctx.exception.response["Error"]["Message"], "Function does not exist")
        with self.assertRaises(ClientError) as ctx:
            self.lam.create_function_url_config(FunctionName=unique_name("absent"),
                                                AuthType="NONE")
        self.assert_aws_error(ctx, ["ResourceNotFoundException"], [404])
        with self.assertRaises(ClientError) as ctx:
            self.lam_novalidate.create_function_url_config(FunctionName=name, Qualifier="live",
                                                           AuthType="OPEN")
        self.assert_aws_error(ctx, ["ValidationException"], [400])
        self.assertIn("Value 'OPEN' at 'authType' failed to satisfy constraint: Member must "
                      "satisfy enum value set: [AWS_IAM, NONE]",
                      ctx.exception.response["Error"]["Message"])
        with self.assertRaises(ClientError) as ctx:
            self.lam.get_function_url_config(FunctionName=f"{name}:other", Qualifier="live")
        self.assert_aws_error(ctx, ["InvalidParameterValueException"], [400])
        # Deleting the alias deletes its URL.
        self.lam.delete_alias(FunctionName=name, Name="live")
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion=version)
        with self.assertRaises(ClientError) as ctx:
            self.lam.get_function_url_config(FunctionName=name, Qualifier="live")
        self.assert_aws_error(ctx, ["ResourceNotFoundException"], [404])
        status, headers, body = self.call(self.host_of(aliased["FunctionUrl"]))
        self.assertEqual((status, body), (403, b'{"Message":null}'))

    def test_cli(self):
        name = unique_name("url")
        self.create_function(name=name)
        created = self.serval.cli_json("lambda", "create-function-url-config", "--function-name",
                                       name, "--auth-type", "NONE", "--cors",
                                       "AllowOrigins=https://a.example,MaxAge=10")
        self.assertEqual(created["Cors"], {"AllowOrigins": ["https://a.example"], "MaxAge": 10})
        got = self.serval.cli_json("lambda", "get-function-url-config", "--function-name", name)
        self.assertEqual(got["FunctionUrl"], created["FunctionUrl"])
        listed = self.serval.cli_json("lambda", "list-function-url-configs", "--function-name",
                                      name)
        self.assertEqual(len(listed["FunctionUrlConfigs"]), 1)
        self.serval.cli("lambda", "delete-function-url-config", "--function-name", name)
        p = self.serval.cli("lambda", "get-function-url-config", "--function-name", name,
                            check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ResourceNotFoundException", p.stderr)

    def test_deleting_the_function_deletes_its_urls(self):
        name, host = self.url_function()
        self.assertEqual(self.call(host)[0], 200)
        self.lam.delete_function(FunctionName=name)
        self.create_function(name=name, zip_bytes=python_zip("proxy_handler"),
                             handler="proxy_handler.lambda_handler")
        with self.assertRaises(ClientError):
            self.lam.get_function_url_config(FunctionName=name)
        self.assertEqual(self.call(host)[0:3:2], (403, b'{"Message":null}'))


class FunctionUrlInvokeTest(FunctionUrlCase):
    def test_get_event_is_payload_2_0(self):
        name, host = self.url_function()
        status, headers, body = self.call(
            host, "/some/pa%20th?mode=echo&x=1&x=2&e=a%2Bb", headers={
                "X-Repeat": "one", "Cookie": "c1=v1; c2=v2", "User-Agent": "ua/1"})
        self.assertEqual(status, 200, body)
        self.assertTrue(header(headers, "x-amzn-requestid"))
        event = json.loads(body)
        url_id = host.split(".")[0]
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "$default")
        self.assertEqual(event["rawPath"], "/some/pa%20th")
        self.assertEqual(event["rawQueryString"], "mode=echo&x=1&x=2&e=a%2Bb")
        self.assertEqual(event["queryStringParameters"], {"mode": "echo", "x": "1,2", "e": "a+b"})
        self.assertEqual(event["cookies"], ["c1=v1", "c2=v2"])
        self.assertEqual(event["headers"]["x-repeat"], "one")
        self.assertEqual(event["headers"]["host"], f"{host}:{self.serval.port}")
        self.assertNotIn("cookie", event["headers"])
        self.assertNotIn("body", event)
        self.assertFalse(event["isBase64Encoded"])
        self.assertNotIn("pathParameters", event)
        self.assertNotIn("stageVariables", event)
        ctx = event["requestContext"]
        self.assertEqual(ctx["accountId"], "anonymous")
        self.assertEqual(ctx["apiId"], url_id)
        self.assertEqual(ctx["domainName"], host)
        self.assertEqual(ctx["domainPrefix"], url_id)
        self.assertEqual(ctx["http"], {"method": "GET", "path": "/some/pa%20th",
                                       "protocol": "HTTP/1.1", "sourceIp": "127.0.0.1",
                                       "userAgent": "ua/1"})
        self.assertEqual(ctx["requestId"], header(headers, "x-amzn-requestid"))
        self.assertEqual(ctx["stage"], "$default")
        self.assertRegex(ctx["time"], r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$")
        self.assertIsInstance(ctx["timeEpoch"], int)

    def test_post_text_and_binary_bodies(self):
        name, host = self.url_function()
        event = self.call_json(host, "/?mode=echo", method="POST", body=b'{"k": "v"}',
                               headers={"Content-Type": "application/json"})
        self.assertEqual(event["body"], '{"k": "v"}')
        self.assertFalse(event["isBase64Encoded"])
        raw = bytes(range(256))
        event = self.call_json(host, "/?mode=echo", method="PUT", body=raw,
                               headers={"Content-Type": "application/octet-stream"})
        self.assertTrue(event["isBase64Encoded"])
        self.assertEqual(base64.b64decode(event["body"]), raw)

    def test_response_shapes(self):
        name, host = self.url_function()
        status, headers, body = self.call(host, "/?mode=custom")
        self.assertEqual((status, body), (418, b"i'm a teapot"))
        self.assertEqual(header(headers, "x-custom"), "yes")
        self.assertEqual([v for k, v in headers if k == "set-cookie"], ["a=1; Path=/", "b=2"])
        status, headers, body = self.call(host, "/?mode=string")
        self.assertEqual((status, body), (200, b"hello"))
        self.assertEqual(header(headers, "content-type"), "application/json")
        status, headers, body = self.call(host, "/?mode=dict")
        self.assertEqual((status, json.loads(body)), (200, {"hello": "world"}))
        status, headers, body = self.call(host, "/?mode=binary")
        self.assertEqual((status, body), (200, b"\x00\x01\xfe\xff"))
        self.assertEqual(header(headers, "content-type"), "application/octet-stream")

    def test_function_error_is_502(self):
        name, host = self.url_function()
        status, headers, body = self.call(host, "/?mode=error", method="POST", body=b"{}")
        self.assertEqual((status, body), (502, b"Internal Server Error"))

    def test_cors(self):
        name, host = self.url_function(Cors={"AllowOrigins": ["https://app.example"],
                                             "AllowMethods": ["GET", "POST"],
                                             "AllowHeaders": ["x-token"],
                                             "ExposeHeaders": ["x-custom"], "MaxAge": 300})
        status, headers, body = self.call(host, "/anything", method="OPTIONS", headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 204)
        self.assertEqual(header(headers, "access-control-allow-origin"), "https://app.example")
        self.assertEqual(header(headers, "access-control-allow-methods"), "GET,POST")
        self.assertEqual(header(headers, "access-control-allow-headers"), "x-token")
        self.assertEqual(header(headers, "access-control-max-age"), "300")
        status, headers, body = self.call(host, "/?mode=custom",
                                          headers={"Origin": "https://app.example"})
        self.assertEqual(status, 418)
        self.assertEqual(header(headers, "access-control-allow-origin"), "https://app.example")
        self.assertEqual(header(headers, "access-control-expose-headers"), "x-custom")
        status, headers, body = self.call(host, "/x", method="OPTIONS", headers={
            "Origin": "https://evil.example", "Access-Control-Request-Method": "GET"})
        self.assertIsNone(header(headers, "access-control-allow-origin"))

    def test_aws_iam_urls_want_a_lambda_signature(self):
        name, host = self.url_function(auth_type="AWS_IAM", permit=False)
        status, headers, body = self.call(host, "/?mode=echo")
        self.assertEqual((status, json.loads(body)), (403, {"Message": "Forbidden"}))
        self.assertEqual(header(headers, "x-amzn-errortype"), "AccessDeniedException")
        event = self.call_json(host, "/?mode=echo", sign_service="lambda")
        iam = event["requestContext"]["authorizer"]["iam"]
        self.assertEqual(iam["accessKey"], "test")
        self.assertEqual(event["requestContext"]["accountId"], iam["accountId"])
        self.assertEqual(self.call(host, "/?mode=echo", method="POST", body=b'{"a":1}',
                                   headers={"Content-Type": "application/json"},
                                   sign_service="lambda")[0], 200)


class FunctionUrlAttackTest(FunctionUrlCase):
    def test_signature_for_another_service_or_region(self):
        name, host = self.url_function(auth_type="AWS_IAM", permit=False)
        for service, region in (("execute-api", REGION), ("lambda", "eu-west-1")):
            status, headers, body = self.call(host, "/?mode=echo", sign_service=service,
                                              sign_region=region)
            self.assertEqual(status, 403, (service, region, body))
            self.assertNotIn(b"requestContext", body)

    def test_forged_tampered_and_unpermitted_urls(self):
        name, host = self.url_function()
        suffix = host.split(".", 1)[1]
        for forged in (uuid.uuid4().hex, "a" * 32, "x." + host.split(".")[0]):
            status, headers, body = self.call(f"{forged}.{suffix}", "/?mode=echo")
            self.assertEqual((status, body), (403, b'{"Message":null}'), forged)
        # A NONE URL without the public permission is forbidden.
        other, other_host = self.url_function(permit=False)
        status, headers, body = self.call(other_host, "/?mode=echo")
        self.assertEqual((status, json.loads(body)), (403, {"Message": FORBIDDEN}))

    def test_oversized_body_is_413(self):
        name, host = self.url_function()
        status, headers, body = self.call(host, "/?mode=echo", method="POST",
                                          body=b"a" * (6 * 1024 * 1024 + 1),
                                          headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 413, body)
        self.assertEqual(header(headers, "x-amzn-errortype"), "RequestEntityTooLargeException")

    def test_header_injection_from_the_function_is_refused(self):
        name, host = self.url_function()
        status, headers, body = self.call(host, "/?mode=inject")
        self.assertEqual(status, 502)
        self.assertFalse([v for k, v in headers if k == "set-cookie"])
        self.assertIsNone(header(headers, "x-evil"))


class FunctionUrlPersistenceTest(FunctionUrlCase):
    def restart(self, sig):
        if sig == signal.SIGKILL:
            self.serval.proc.send_signal(sig)
            self.serval.proc.wait()
            self.serval.kill()
        else:
            self.serval.stop(sig)
        self.serval.start()
        type(self).lam = self.serval.client()

    def test_urls_survive_restart_and_kill_9(self):
        name, host = self.url_function(Cors={"AllowOrigins": ["*"]})
        url_id = host.split(".")[0]
        for sig in (signal.SIGTERM, signal.SIGKILL):
            self.restart(sig)
            got = self.lam.get_function_url_config(FunctionName=name)
            self.assertEqual(got["FunctionUrl"].split("//")[1].split(".")[0], url_id)
            self.assertEqual(got["Cors"], {"AllowOrigins": ["*"]})
            self.assertEqual(self.call_json(self.host_of(got["FunctionUrl"]), "/?mode=dict"),
                             {"hello": "world"})
        # A 201 means on disk: created, then killed at once.
        second = unique_name("url")
        self.create_function(name=second)
        created = self.lam.create_function_url_config(FunctionName=second, AuthType="AWS_IAM")
        self.restart(signal.SIGKILL)
        got = self.lam.get_function_url_config(FunctionName=second)
        self.assertEqual(got["FunctionUrl"].split(".")[0], created["FunctionUrl"].split(".")[0])
        self.assertEqual(got["AuthType"], "AWS_IAM")


if __name__ == "__main__":
    import unittest
    unittest.main()
