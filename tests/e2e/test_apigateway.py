"""API Gateway REST APIs with the AWS CLI, boto3 and plain HTTP: the seed's error-handling
Swagger imported unchanged and every case it documents; the control plane's shapes and errors;
Lambda proxy events and responses (multi-value headers and query strings, path parameters,
greedy paths, binary bodies, malformed answers); MOCK and HTTP_PROXY integrations; integration
timeouts; permissions; AWS_IAM methods; oversized payloads; persistence across a restart and
kill -9."""

import base64
import http.client
import http.server
import json
import os
import threading
import urllib.parse
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from serval_harness import (ACCESS_KEY, ACCOUNT, REGION, REPO_ROOT, SECRET_KEY, ServalTestCase,
                            function_arn, make_zip, python_zip, unique_name)

SEED_SWAGGER = os.path.join(REPO_ROOT, "blueprints", "error-handling", "swagger.json")
SEED_FUNCTION = os.path.join(REPO_ROOT, "blueprints", "error-handling", "index.js")


def lambda_uri(name):
    return (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
            f"{function_arn(name)}/invocations")


class GatewayCase(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.serval.client("apigateway")

    # -- helpers -------------------------------------------------------------------------------

    def call(self, method, url, body=None, headers=None, host=None):
        """An unsigned HTTP request, header names sent in the case given (http.client keeps
        it); (status, headers lower-cased, body bytes)."""
        parsed = urllib.parse.urlsplit(url)
        connection = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=60)
        try:
            target = parsed.path + (f"?{parsed.query}" if parsed.query else "")
            connection.putrequest(method, target, skip_host=bool(host),
                                  skip_accept_encoding=True)
            if host:
                connection.putheader("Host", host)
            for name, value in (headers or {}).items():
                connection.putheader(name, value)
            if body is not None:
                connection.putheader("Content-Length", str(len(body)))
            connection.endheaders(body)
            response = connection.getresponse()
            return (response.status, {k.lower(): v for k, v in response.getheaders()},
                    response.read())
        finally:
            connection.close()

    def invoke_url(self, api, stage, path):
        return f"{self.serval.endpoint}/restapis/{api}/{stage}/_user_request_{path}"

    def host_call(self, method, api, stage, path, **kw):
        """The {api}.execute-api.localhost form, sent to Serval's address with that Host."""
        port = self.serval.endpoint.rsplit(":", 1)[1]
        return self.call(method, f"{self.serval.endpoint}/{stage}{path}",
                         host=f"{api}.execute-api.localhost:{port}", **kw)

    def allow_gateway(self, function, api):
        self.lam.add_permission(
            FunctionName=function, StatementId=unique_name("apigw"),
            Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api}/*/*/*")

    def proxy_api(self, function, path_part="{proxy+}", method="ANY", **integration):
        """An API with one AWS_PROXY method on /{path_part}, deployed to stage "test"."""
        api = self.apigw.create_rest_api(name=unique_name("api"),
                                         binaryMediaTypes=["image/png", "application/octet-stream"])
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api["id"])
        root = api["rootResourceId"]
        resource = self.apigw.create_resource(restApiId=api["id"], parentId=root,
                                              pathPart=path_part)
        self.apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod=method,
                              authorizationType=integration.pop("authorizationType", "NONE"))
        self.apigw.put_integration(restApiId=api["id"], resourceId=resource["id"],
                                   httpMethod=method, type="AWS_PROXY",
                                   integrationHttpMethod="POST", uri=lambda_uri(function),
                                   **integration)
        self.apigw.create_deployment(restApiId=api["id"], stageName="test")
        self.allow_gateway(function, api["id"])
        return api["id"]

    def assert_error(self, response, code, status, message=None):
        self.assertEqual(response["Error"]["Code"], code, response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status, response)
        if message is not None:
            self.assertEqual(response["Error"]["Message"], message)


class SeedErrorHandlingTest(GatewayCase):
    """The post's Swagger, imported with `aws apigateway import-rest-api` as it is (only its
    [MY_FUNCTION_ARN] placeholder filled in), answers each documented case."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.function = unique_name("errors")
        with open(SEED_FUNCTION) as f:
            code = make_zip({"index.js": f.read()})
        cls.lam.create_function(FunctionName=cls.function, Runtime="nodejs20.x",
                                Role="arn:aws:iam::000000000000:role/r", Handler="index.handler",
                                Code={"ZipFile": code})
        with open(SEED_SWAGGER) as f:
            swagger = f.read().replace("[MY_FUNCTION_ARN]", function_arn(cls.function))
        path = os.path.join(cls.serval.tmp_root, "swagger.json")
        with open(path, "w") as f:
            f.write(swagger)
        api = json.loads(cls.serval_cli("apigateway", "import-rest-api", "--fail-on-warnings",
                                        "--body", f"fileb://{path}"))
        cls.api = api["id"]
        cls.imported = api
        cls.lam.add_permission(
            FunctionName=cls.function, StatementId="apigw", Action="lambda:InvokeFunction",
            Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{cls.api}/*/GET/lambda")
        cls.serval_cli("apigateway", "create-deployment", "--rest-api-id", cls.api,
                       "--stage-name", "test")

    @classmethod
    def serval_cli(cls, *args):
        import subprocess
        cmd = ["aws", "--endpoint-url", cls.serval.endpoint, "--region", REGION, "--output",
               "json", *args]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120,
                              env=cls.serval.cli_env())
        assert done.returncode == 0, done.stderr
        return done.stdout

    def test_import_gives_the_api_the_post_describes(self):
        self.assertEqual(self.imported["name"],
                         "Best practices for API error responses with API Gateway and Lambda")
        self.assertEqual(self.imported["version"], "2016-04-21T23:52:49Z")
        resources = self.apigw.get_resources(restApiId=self.api, embed=["methods"])["items"]
        by_path = {r["path"]: r for r in resources}
        self.assertEqual(set(by_path), {"/", "/lambda"})
        method = by_path["/lambda"]["resourceMethods"]["GET"]
        self.assertEqual(method["requestParameters"], {"method.request.querystring.status": True})
        self.assertEqual(set(method["methodResponses"]), {"200", "400", "403", "404", "500"})
        integration = method["methodIntegration"]
        self.assertEqual(integration["type"], "AWS")
        self.assertEqual(integration["httpMethod"], "POST")
        self.assertEqual(integration["uri"], lambda_uri(self.function))
        self.assertEqual(integration["requestTemplates"],
                         {"application/json": "{\"failureStatus\" : $input.params('status')\n}"})
        responses = integration["integrationResponses"]
        self.assertEqual(set(responses), {"200", "400", "403", "404", "500"})
        self.assertNotIn("selectionPattern", responses["200"])
        self.assertEqual(responses["404"]["selectionPattern"], '.*httpStatus\\":404.*')

    def test_each_documented_status(self):
        for status, error_type in (("400", "BadRequest"), ("403", "Forbidden"),
                                   ("404", "NotFound"), ("500", "InternalServerError")):
            with self.subTest(status=status):
                code, headers, body = self.call(
                    "GET", self.invoke_url(self.api, "test", f"/lambda?status={status}"))
                self.assertEqual(code, int(status), body)
                self.assertEqual(headers["content-type"], "application/json")
                answer = json.loads(body)
                self.assertEqual(answer["type"], error_type)
                self.assertEqual(answer["message"], f"The request failed with status {status}.")
                self.assertRegex(answer["request-id"], r"^[0-9a-f-]{36}$")

    def test_success_is_the_default_response_passed_through(self):
        code, headers, body = self.host_call("GET", self.api, "test", "/lambda?status=200")
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body)["message"], "Success")
        self.assertTrue(headers["x-amzn-requestid"])

    def test_an_unmapped_status_takes_the_500_pattern(self):
        code, _, body = self.call("GET", self.invoke_url(self.api, "test", "/lambda?status=418"))
        self.assertEqual(code, 500, body)
        self.assertEqual(json.loads(body)["message"],
                         "An unknown error has occurred. Please try again.")

    def test_a_missing_status_reaches_the_integration_and_fails_as_on_aws(self):
        # No request validator: the template renders {"failureStatus" : }, which Lambda refuses
        # as JSON, so API Gateway answers its own 500.
        code, headers, body = self.call("GET", self.invoke_url(self.api, "test", "/lambda"))
        self.assertEqual(code, 500, body)
        self.assertEqual(json.loads(body), {"message": "Internal server error"})

    def test_unknown_routes_methods_and_stages(self):
        for method, url in (("GET", self.invoke_url(self.api, "test", "/nothing")),
                            ("POST", self.invoke_url(self.api, "test", "/lambda")),
                            ("GET", self.invoke_url(self.api, "nostage", "/lambda"))):
            with self.subTest(method=method, url=url):
                code, headers, body = self.call(method, url, body=b"" if method == "POST" else None)
                self.assertEqual(code, 403, body)
                self.assertEqual(json.loads(body), {"message": "Missing Authentication Token"})
                self.assertEqual(headers["x-amzn-errortype"], "MissingAuthenticationTokenException")
        code, _, body = self.call("GET", self.invoke_url("nosuchapi0", "test", "/lambda"))
        self.assertEqual(code, 404, body)

    def test_export_round_trips_through_import(self):
        exported = self.apigw.get_export(restApiId=self.api, stageName="test",
                                         exportType="swagger", parameters={
                                             "extensions": "integrations"},
                                         accepts="application/json")
        document = json.loads(exported["body"].read())
        self.assertEqual(document["swagger"], "2.0")
        self.assertEqual(document["basePath"], "/test")
        integration = document["paths"]["/lambda"]["get"]["x-amazon-apigateway-integration"]
        self.assertEqual(integration["type"], "aws")
        copy = self.apigw.import_rest_api(body=json.dumps(document).encode(), failOnWarnings=True)
        self.addCleanup(self.apigw.delete_rest_api, restApiId=copy["id"])
        methods = {r["path"]: r.get("resourceMethods", {}) for r in
                   self.apigw.get_resources(restApiId=copy["id"], embed=["methods"])["items"]}
        self.assertEqual(
            set(methods["/lambda"]["GET"]["methodIntegration"]["integrationResponses"]),
            {"200", "400", "403", "404", "500"})


class ControlPlaneTest(GatewayCase):
    def test_resource_tree_methods_and_integrations(self):
        api = self.apigw.create_rest_api(name="pets", description="d", tags={"team": "a"})
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api["id"])
        self.assertRegex(api["id"], r"^[a-z0-9]{10}$")
        self.assertEqual(api["endpointConfiguration"]["types"], ["EDGE"])
        self.assertEqual(api["tags"], {"team": "a"})
        root = api["rootResourceId"]
        pets = self.apigw.create_resource(restApiId=api["id"], parentId=root, pathPart="pets")
        self.assertEqual(pets["path"], "/pets")
        pet = self.apigw.create_resource(restApiId=api["id"], parentId=pets["id"],
                                         pathPart="{id}")
        self.assertEqual(pet["path"], "/pets/{id}")
        self.assert_error(self.error_of(self.apigw.create_resource, restApiId=api["id"],
                                        parentId=root, pathPart="pets"),
                          "ConflictException", 409,
                          "Another resource with the same parent already has this name: pets")
        self.assert_error(self.error_of(self.apigw.create_resource, restApiId=api["id"],
                                        parentId=pets["id"], pathPart="{other}"),
                          "BadRequestException", 400)
        method = self.apigw.put_method(restApiId=api["id"], resourceId=pet["id"],
                                       httpMethod="GET", authorizationType="NONE",
                                       requestParameters={"method.request.path.id": True})
        self.assertEqual(method["httpMethod"], "GET")
        self.assert_error(self.error_of(self.apigw.put_method, restApiId=api["id"],
                                        resourceId=pet["id"], httpMethod="GET",
                                        authorizationType="NONE"),
                          "ConflictException", 409, "Method already exists for this resource")
        self.assert_error(self.error_of(self.apigw.put_method, restApiId=api["id"],
                                        resourceId=pet["id"], httpMethod="FETCH",
                                        authorizationType="NONE"),
                          "BadRequestException", 400)
        self.assert_error(self.error_of(self.apigw.put_integration, restApiId=api["id"],
                                        resourceId=pet["id"], httpMethod="GET", type="SOAP"),
                          "BadRequestException", 400)
        self.assert_error(self.error_of(self.apigw.put_integration, restApiId=api["id"],
                                        resourceId=pet["id"], httpMethod="GET", type="MOCK",
                                        timeoutInMillis=30000),
                          "BadRequestException", 400,
                          "Timeout should be between 50 ms and 29000 ms")
        integration = self.apigw.put_integration(
            restApiId=api["id"], resourceId=pet["id"], httpMethod="GET", type="AWS",
            integrationHttpMethod="POST", uri=lambda_uri("somefn"),
            requestTemplates={"application/json": '{"id": "$input.params(\'id\')"}'})
        self.assertEqual(integration["passthroughBehavior"], "WHEN_NO_MATCH")
        self.assertEqual(integration["timeoutInMillis"], 29000)
        self.assertEqual(integration["cacheKeyParameters"], [])
        self.apigw.put_method_response(restApiId=api["id"], resourceId=pet["id"],
                                       httpMethod="GET", statusCode="404")
        response = self.apigw.put_integration_response(
            restApiId=api["id"], resourceId=pet["id"], httpMethod="GET", statusCode="404",
            selectionPattern=".*not found.*")
        self.assertEqual(response["selectionPattern"], ".*not found.*")
        got = self.apigw.get_integration(restApiId=api["id"], resourceId=pet["id"],
                                         httpMethod="GET")
        self.assertEqual(got["integrationResponses"]["404"]["selectionPattern"], ".*not found.*")
        listed = self.apigw.get_resources(restApiId=api["id"])["items"]
        self.assertEqual({r["path"] for r in listed}, {"/", "/pets", "/pets/{id}"})
        self.assertEqual([r.get("resourceMethods") for r in listed if r["path"] == "/pets/{id}"],
                         [{"GET": {}}])
        self.apigw.delete_integration_response(restApiId=api["id"], resourceId=pet["id"],
                                               httpMethod="GET", statusCode="404")
        self.assert_error(self.error_of(self.apigw.get_integration_response, restApiId=api["id"],
                                        resourceId=pet["id"], httpMethod="GET",
                                        statusCode="404"),
                          "NotFoundException", 404)
        self.apigw.delete_resource(restApiId=api["id"], resourceId=pets["id"])
        self.assertEqual({r["path"] for r in self.apigw.get_resources(restApiId=api["id"])["items"]},
                         {"/"})

    def test_unknown_api_and_paging(self):
        self.assert_error(self.error_of(self.apigw.get_rest_api, restApiId="nope123456"),
                          "NotFoundException", 404,
                          f"Invalid API identifier specified {ACCOUNT}:nope123456")
        ids = [self.apigw.create_rest_api(name=f"paged{i}")["id"] for i in range(5)]
        for api_id in ids:
            self.addCleanup(self.apigw.delete_rest_api, restApiId=api_id)
        seen = []
        for page in self.apigw.get_paginator("get_rest_apis").paginate(
                PaginationConfig={"PageSize": 2}):
            seen += [item["id"] for item in page["items"]]
        self.assertTrue(set(ids) <= set(seen))
        self.assertEqual(len(seen), len(set(seen)))

    def test_malformed_documents_are_refused_with_bad_request(self):
        for body in (b"not a document", b"{\"swagger\": \"2.0\"", b"[1, 2]"):
            with self.subTest(body=body):
                self.assert_error(self.error_of(self.apigw.import_rest_api, body=body),
                                  "BadRequestException", 400, "Invalid OpenAPI input.")
        # A part of the wrong type is a warning, as swagger-parser (AWS's importer) reports it;
        # with failOnWarnings it refuses the import.
        response = self.error_of(self.apigw.import_rest_api, body=b"openapi: 3.0.1\npaths: 7\n",
                                 failOnWarnings=True)
        self.assert_error(response, "BadRequestException", 400)
        self.assertTrue(response["Error"]["Message"].startswith("Warnings found during import:"))

    def test_stages_and_deployments(self):
        api = self.apigw.create_rest_api(name="staged")
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api["id"])
        self.assert_error(self.error_of(self.apigw.create_deployment, restApiId=api["id"],
                                        stageName="dev"),
                          "BadRequestException", 400, "The REST API doesn't contain any methods")
        self.apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"],
                              httpMethod="GET", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"],
                                   httpMethod="GET", type="MOCK",
                                   requestTemplates={"application/json": '{"statusCode": 200}'})
        self.apigw.put_method_response(restApiId=api["id"], resourceId=api["rootResourceId"],
                                       httpMethod="GET", statusCode="200")
        self.apigw.put_integration_response(
            restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET",
            statusCode="200",
            responseTemplates={"application/json": '{"stage": "$context.stage", '
                                                   '"color": "$stageVariables.color"}'})
        deployment = self.apigw.create_deployment(restApiId=api["id"], stageName="dev",
                                                  variables={"color": "red"})
        stage = self.apigw.get_stage(restApiId=api["id"], stageName="dev")
        self.assertEqual(stage["deploymentId"], deployment["id"])
        self.assertEqual(stage["variables"], {"color": "red"})
        code, _, body = self.call("GET", self.invoke_url(api["id"], "dev", "/"))
        self.assertEqual((code, json.loads(body)), (200, {"stage": "dev", "color": "red"}))
        self.apigw.update_stage(restApiId=api["id"], stageName="dev", patchOperations=[
            {"op": "replace", "path": "/variables/color", "value": "blue"}])
        code, _, body = self.call("GET", self.invoke_url(api["id"], "dev", "/"))
        self.assertEqual(json.loads(body)["color"], "blue")
        self.assert_error(self.error_of(self.apigw.delete_deployment, restApiId=api["id"],
                                        deploymentId=deployment["id"]),
                          "BadRequestException", 400)
        self.assert_error(self.error_of(self.apigw.create_stage, restApiId=api["id"],
                                        stageName="dev", deploymentId=deployment["id"]),
                          "ConflictException", 409)
        self.apigw.create_stage(restApiId=api["id"], stageName="prod",
                                deploymentId=deployment["id"])
        self.assertEqual({s["stageName"] for s in self.apigw.get_stages(restApiId=api["id"])["item"]},
                         {"dev", "prod"})
        self.apigw.delete_stage(restApiId=api["id"], stageName="prod")
        code, _, _ = self.call("GET", self.invoke_url(api["id"], "prod", "/"))
        self.assertEqual(code, 403)


class ProxyIntegrationTest(GatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.function = unique_name("proxy")
        cls.lam.create_function(FunctionName=cls.function, Runtime="python3.12",
                                Role="arn:aws:iam::000000000000:role/r",
                                Handler="proxy_echo.lambda_handler", Timeout=10,
                                Code={"ZipFile": python_zip("proxy_echo")})

    def setUp(self):
        if not hasattr(type(self), "api"):
            type(self).api = self.proxy_api(self.function)
            # proxy_api registers the API's deletion with this test; the class keeps it.
            self._cleanups.clear()

    def event(self, method="GET", path="/items/a%20b/c", query="?k=1&k=2&single=x",
              headers=None, body=None):
        url = self.invoke_url(self.api, "test", path + query)
        code, _, raw = self.call(method, url, body=body,
                                 headers={"tEsT-HEADeR": "aValUE", **(headers or {})})
        self.assertEqual(code, 200, raw)
        return json.loads(raw)

    def test_the_event_is_format_1_0(self):
        event = self.event()
        self.assertEqual(event["resource"], "/{proxy+}")
        self.assertEqual(event["path"], "/items/a%20b/c")
        self.assertEqual(event["httpMethod"], "GET")
        self.assertEqual(event["pathParameters"], {"proxy": "items/a%20b/c"})
        self.assertEqual(event["queryStringParameters"], {"k": "2", "single": "x"})
        self.assertEqual(event["multiValueQueryStringParameters"],
                         {"k": ["1", "2"], "single": ["x"]})
        self.assertEqual(event["headers"]["tEsT-HEADeR"], "aValUE")
        self.assertEqual(event["multiValueHeaders"]["tEsT-HEADeR"], ["aValUE"])
        # What the gateway adds, as AWS's REST APIs do.
        self.assertEqual(event["headers"]["X-Forwarded-For"], "127.0.0.1")
        self.assertEqual(event["headers"]["X-Forwarded-Proto"], "http")
        self.assertEqual(event["headers"]["X-Forwarded-Port"],
                         self.serval.endpoint.rsplit(":", 1)[1])
        self.assertRegex(event["headers"]["X-Amzn-Trace-Id"], r"^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$")
        self.assertEqual(event["multiValueHeaders"]["X-Forwarded-For"], ["127.0.0.1"])
        self.assertIsNone(event["stageVariables"])
        self.assertIsNone(event["body"])
        self.assertFalse(event["isBase64Encoded"])
        context = event["requestContext"]
        self.assertEqual(context["apiId"], self.api)
        self.assertEqual(context["stage"], "test")
        self.assertEqual(context["accountId"], ACCOUNT)
        self.assertEqual(context["resourcePath"], "/{proxy+}")
        self.assertEqual(context["path"], "/test/items/a%20b/c")
        self.assertEqual(context["protocol"], "HTTP/1.1")
        self.assertRegex(context["requestTime"], r"^\d{2}/[A-Z][a-z]{2}/\d{4}:\d{2}:\d{2}:\d{2} \+0000$")
        self.assertIsInstance(context["requestTimeEpoch"], int)
        self.assertIn("sourceIp", context["identity"])

    def test_no_query_string_gives_nulls_and_text_and_binary_bodies(self):
        event = self.event(method="POST", query="", body=b'{"a": 1}',
                           headers={"Content-Type": "application/json"})
        self.assertIsNone(event["queryStringParameters"])
        self.assertIsNone(event["multiValueQueryStringParameters"])
        self.assertEqual(event["body"], '{"a": 1}')
        self.assertFalse(event["isBase64Encoded"])
        raw = bytes(range(256))
        event = self.event(method="PUT", query="", body=raw,
                           headers={"Content-Type": "application/octet-stream"})
        self.assertTrue(event["isBase64Encoded"])
        self.assertEqual(base64.b64decode(event["body"]), raw)
        # Bytes that are not UTF-8 in a body read as text reach the function as U+FFFD.
        event = self.event(method="POST", query="", body="café ☕".encode("latin-1", "replace"),
                           headers={"Content-Type": "text/plain"})
        self.assertEqual(event["body"], "caf\ufffd ?")
        self.assertFalse(event["isBase64Encoded"])

    def test_response_shapes(self):
        url = self.invoke_url(self.api, "test", "/x?mode=")
        code, headers, body = self.call("GET", url + "multi")
        self.assertEqual((code, body), (201, b"created"))
        self.assertEqual(headers["x-multi"], "a, b")
        self.assertEqual(headers["x-both"], "value-multi, value-solo")
        self.assertEqual(headers["x-flag"], "true")
        code, headers, body = self.call("GET", url + "nostatus")
        self.assertEqual((code, body, headers["content-type"]), (200, b"", "application/json"))
        code, headers, body = self.call("GET", url + "binary", headers={"Accept": "image/png"})
        self.assertEqual((code, body), (200, b"\x89PNG\r\n\x1a\n\x00\xff"))
        code, headers, body = self.call("GET", url + "binary", headers={"Accept": "text/plain"})
        self.assertEqual(base64.b64decode(body), b"\x89PNG\r\n\x1a\n\x00\xff")
        # A framing header from the function cannot change how the answer is framed.
        code, headers, body = self.call("GET", url + "framing")
        self.assertEqual((code, body, headers["x-kept"]), (200, b"longer than one byte", "yes"))
        for mode in ("string", "unknownkey", "badstatus", "crlf", "raise"):
            with self.subTest(mode=mode):
                code, headers, body = self.call("GET", url + mode)
                self.assertEqual(code, 502, body)
                self.assertEqual(json.loads(body), {"message": "Internal server error"})
                self.assertNotIn("set-cookie", headers)

    def test_host_addressing(self):
        code, _, body = self.host_call("GET", self.api, "test", "/a/b?mode=echo")
        self.assertEqual(code, 200, body)
        self.assertEqual(json.loads(body)["pathParameters"], {"proxy": "a/b"})
        port = self.serval.endpoint.rsplit(":", 1)[1]
        self.assertTrue(json.loads(body)["headers"]["Host"].startswith(f"{self.api}.execute-api"))
        self.assertTrue(port)

    def test_oversized_payload_is_413(self):
        code, _, body = self.call("POST", self.invoke_url(self.api, "test", "/big"),
                                  body=b"x" * (10 * 1024 * 1024 + 1))
        self.assertEqual(code, 413, body)

    def test_integration_timeout_is_504(self):
        api = self.proxy_api(self.function, path_part="slow", method="GET", timeoutInMillis=500)
        code, _, body = self.call("GET", self.invoke_url(api, "test", "/slow?mode=sleep&seconds=3"))
        self.assertEqual(code, 504, body)
        self.assertEqual(json.loads(body), {"message": "Endpoint request timed out"})

    def test_without_permission_the_gateway_answers_500(self):
        other = unique_name("noperm")
        self.create_function(name=other, zip_bytes=python_zip("proxy_echo"),
                             handler="proxy_echo.lambda_handler")
        api = self.apigw.create_rest_api(name="noperm")
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api["id"])
        self.apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"],
                              httpMethod="GET", authorizationType="NONE")
        self.apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"],
                                   httpMethod="GET", type="AWS_PROXY", integrationHttpMethod="POST",
                                   uri=lambda_uri(other))
        self.apigw.create_deployment(restApiId=api["id"], stageName="test")
        code, _, body = self.call("GET", self.invoke_url(api["id"], "test", "/"))
        self.assertEqual((code, json.loads(body)), (500, {"message": "Internal server error"}))

    def test_aws_iam_methods_need_a_signature(self):
        api = self.proxy_api(self.function, path_part="secure", method="GET",
                             authorizationType="AWS_IAM")
        url = self.invoke_url(api, "test", "/secure?mode=echo")
        code, _, body = self.call("GET", url)
        self.assertEqual((code, json.loads(body)),
                         (403, {"message": "Missing Authentication Token"}))
        request = botocore.awsrequest.AWSRequest(method="GET", url=url)
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                                "execute-api", REGION).add_auth(request)
        code, _, body = self.call("GET", url, headers=dict(request.headers.items()))
        self.assertEqual(code, 200, body)
        identity = json.loads(body)["requestContext"]["identity"]
        self.assertEqual(identity["accessKey"], ACCESS_KEY)
        # A signature that does not verify is refused even though the route admits anonymity.
        forged = dict(request.headers.items())
        forged["Authorization"] = forged["Authorization"][:-4] + "0000"
        code, _, _ = self.call("GET", url, headers=forged)
        self.assertEqual(code, 403)


class CustomIntegrationTest(GatewayCase):
    def test_binary_payloads_convert_to_text_and_back(self):
        function = unique_name("echo")
        self.create_function(name=function)
        api = self.apigw.create_rest_api(name="binary", binaryMediaTypes=["image/png"])
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api["id"])
        root = api["rootResourceId"]
        self.apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="POST",
                              authorizationType="NONE")
        self.apigw.put_integration(
            restApiId=api["id"], resourceId=root, httpMethod="POST", type="AWS",
            integrationHttpMethod="POST", uri=lambda_uri(function),
            contentHandling="CONVERT_TO_TEXT", passthroughBehavior="NEVER",
            requestTemplates={"image/png": '{"data": "$input.body", "len": $input.body.length()}'})
        self.apigw.put_method_response(restApiId=api["id"], resourceId=root, httpMethod="POST",
                                       statusCode="200")
        self.apigw.put_integration_response(
            restApiId=api["id"], resourceId=root, httpMethod="POST", statusCode="200",
            contentHandling="CONVERT_TO_BINARY",
            responseTemplates={"application/json": "$input.path('$.data')"})
        self.apigw.create_deployment(restApiId=api["id"], stageName="test")
        self.allow_gateway(function, api["id"])
        image = bytes(range(256)) * 4
        code, _, body = self.call("POST", self.invoke_url(api["id"], "test", "/"), body=image,
                                  headers={"Content-Type": "image/png"})
        self.assertEqual((code, body), (200, image))
        # No template for this type and passthrough NEVER: 415.
        code, _, body = self.call("POST", self.invoke_url(api["id"], "test", "/"), body=b"{}",
                                  headers={"Content-Type": "application/xml"})
        self.assertEqual((code, json.loads(body)), (415, {"message": "Unsupported Media Type"}))


class MockAndHttpIntegrationTest(GatewayCase):
    def test_mock_answers_cors_preflight(self):
        api = self.apigw.create_rest_api(name="cors")
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api["id"])
        root = api["rootResourceId"]
        self.apigw.put_method(restApiId=api["id"], resourceId=root, httpMethod="OPTIONS",
                              authorizationType="NONE")
        self.apigw.put_integration(restApiId=api["id"], resourceId=root, httpMethod="OPTIONS",
                                   type="MOCK",
                                   requestTemplates={"application/json": '{"statusCode": 200}'})
        self.apigw.put_method_response(
            restApiId=api["id"], resourceId=root, httpMethod="OPTIONS", statusCode="200",
            responseParameters={"method.response.header.Access-Control-Allow-Origin": False,
                                "method.response.header.Access-Control-Allow-Methods": False})
        self.apigw.put_integration_response(
            restApiId=api["id"], resourceId=root, httpMethod="OPTIONS", statusCode="200",
            responseParameters={
                "method.response.header.Access-Control-Allow-Origin": "'*'",
                "method.response.header.Access-Control-Allow-Methods": "'GET,OPTIONS'"},
            responseTemplates={"application/json": ""})
        self.apigw.create_deployment(restApiId=api["id"], stageName="test")
        code, headers, body = self.call("OPTIONS", self.invoke_url(api["id"], "test", "/"),
                                        headers={"Origin": "http://example.com"})
        self.assertEqual(code, 200, body)
        self.assertEqual(headers["access-control-allow-origin"], "*")
        self.assertEqual(headers["access-control-allow-methods"], "GET,OPTIONS")

    def test_http_proxy_passes_the_request_through(self):
        seen = []

        class Backend(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                seen.append((self.path, body, self.headers.get("X-Custom")))
                self.send_response(207)
                self.send_header("X-Backend", "yes")
                self.send_header("Content-Length", "4")
                self.end_headers()
                self.wfile.write(b"done")

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Backend)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        api = self.apigw.create_rest_api(name="httpproxy")
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api["id"])
        resource = self.apigw.create_resource(restApiId=api["id"],
                                              parentId=api["rootResourceId"],
                                              pathPart="{proxy+}")
        self.apigw.put_method(restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY",
                              authorizationType="NONE",
                              requestParameters={"method.request.path.proxy": True})
        self.apigw.put_integration(
            restApiId=api["id"], resourceId=resource["id"], httpMethod="ANY", type="HTTP_PROXY",
            integrationHttpMethod="ANY",
            uri=f"http://127.0.0.1:{server.server_address[1]}/backend/{{proxy}}",
            requestParameters={"integration.request.path.proxy": "method.request.path.proxy"})
        self.apigw.create_deployment(restApiId=api["id"], stageName="test")
        code, headers, body = self.call("POST", self.invoke_url(api["id"], "test", "/a/b?q=1"),
                                        body=b"payload", headers={"X-Custom": "c"})
        self.assertEqual((code, body, headers["x-backend"]), (207, b"done", "yes"))
        self.assertEqual(seen, [("/backend/a/b?q=1", b"payload", "c")])


class PersistenceTest(ServalTestCase):
    def test_apis_survive_a_restart_and_kill_9(self):
        apigw = self.serval.client("apigateway")
        api = apigw.create_rest_api(name="durable")
        apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"], httpMethod="GET",
                         authorizationType="NONE")
        apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"],
                              httpMethod="GET", type="MOCK",
                              requestTemplates={"application/json": '{"statusCode": 200}'})
        apigw.put_method_response(restApiId=api["id"], resourceId=api["rootResourceId"],
                                  httpMethod="GET", statusCode="200")
        apigw.put_integration_response(restApiId=api["id"], resourceId=api["rootResourceId"],
                                       httpMethod="GET", statusCode="200",
                                       responseTemplates={"application/json": '{"ok": true}'})
        apigw.create_deployment(restApiId=api["id"], stageName="live")
        self.serval.kill()
        self.serval.start()
        again = self.serval.client("apigateway")
        self.assertEqual(again.get_rest_api(restApiId=api["id"])["name"], "durable")
        self.assertEqual(again.get_stage(restApiId=api["id"], stageName="live")["stageName"],
                         "live")
        url = f"{self.serval.endpoint}/restapis/{api['id']}/live/_user_request_/"
        with urllib.request.urlopen(url, timeout=30) as response:
            self.assertEqual(json.loads(response.read()), {"ok": True})
