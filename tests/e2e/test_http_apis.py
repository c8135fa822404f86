"""API Gateway v2 HTTP APIs: the control plane with boto3 and the AWS CLI, and the APIs served
at http://{api}.execute-api.localhost:{port}/ and http://127.0.0.1:{port}/_aws/execute-api/{api}/.
Serving goes through the execute-api front end (src/services/apigateway/); where that front end
is not in the binary, the serving tests skip."""
import contextlib
import json

from serval_harness import (ACCOUNT, REGION, ClientError, ServalTestCase, function_arn,
                            python_zip, unique_name)


def header(headers, name):
    values = [v for k, v in headers if k == name]
    return values[0] if values else None


class HttpApiCase(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.apigw = cls.serval.client("apigatewayv2")

    def proxy_function(self):
        name = unique_name("api")
        self.create_function(name=name, zip_bytes=python_zip("proxy_handler"),
                             handler="proxy_handler.lambda_handler", Timeout=10)
        return name

    def allow_gateway(self, function, api_id, source="*"):
        """What AWS requires (and quick create does not do): the function's resource policy lets
        API Gateway invoke it for the API's execute-api ARNs."""
        self.lam.add_permission(
            FunctionName=function, StatementId=unique_name("apigw"),
            Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/{source}")

    def delete_api_later(self, api_id):
        def delete():
            with contextlib.suppress(self.apigw.exceptions.NotFoundException):
                self.apigw.delete_api(ApiId=api_id)
        self.addCleanup(delete)


class HttpApiControlPlaneTest(HttpApiCase):
    def test_quick_create_makes_route_integration_and_stage(self):
        name = self.proxy_function()
        api = self.apigw.create_api(Name="quick", ProtocolType="HTTP", Target=function_arn(name))
        self.delete_api_later(api["ApiId"])
        self.assertEqual(api["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertRegex(api["ApiId"], r"^[a-z0-9]{10}$")
        self.assertEqual(api["ApiEndpoint"],
                         f"http://{api['ApiId']}.execute-api.localhost:{self.serval.port}")
        self.assertEqual(api["RouteSelectionExpression"], "$request.method $request.path")
        routes = self.apigw.get_routes(ApiId=api["ApiId"])["Items"]
        self.assertEqual([r["RouteKey"] for r in routes], ["$default"])
        integration = self.apigw.get_integration(
            ApiId=api["ApiId"], IntegrationId=routes[0]["Target"].split("/")[1])
        self.assertEqual(integration["IntegrationType"], "AWS_PROXY")
        self.assertEqual(integration["PayloadFormatVersion"], "2.0")
        self.assertEqual(integration["TimeoutInMillis"], 30000)
        stages = self.apigw.get_stages(ApiId=api["ApiId"])["Items"]
        self.assertEqual([(s["StageName"], s["AutoDeploy"]) for s in stages], [("$default", True)])

    def test_resources_crud(self):
        name = self.proxy_function()
        api = self.apigw.create_api(Name="crud", ProtocolType="HTTP", Description="d",
                                    Tags={"team": "a"})
        api_id = api["ApiId"]
        self.delete_api_later(api_id)
        integration = self.apigw.create_integration(
            ApiId=api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn(name),
            PayloadFormatVersion="1.0", TimeoutInMillis=5000)
        route = self.apigw.create_route(ApiId=api_id, RouteKey="GET /pets/{id}",
                                        Target=f"integrations/{integration['IntegrationId']}")
        self.assertEqual(route["AuthorizationType"], "NONE")
        with self.assertRaises(ClientError) as ctx:
            self.apigw.create_route(ApiId=api_id, RouteKey="GET /pets/{id}")
        self.assert_aws_error(ctx, ["ConflictException"], [409])
        with self.assertRaises(ClientError) as ctx:
            self.apigw.create_route(ApiId=api_id, RouteKey="FETCH /x")
        self.assert_aws_error(ctx, ["BadRequestException"], [400])
        updated = self.apigw.update_route(ApiId=api_id, RouteId=route["RouteId"],
                                          RouteKey="GET /pets/{petId}")
        self.assertEqual(updated["RouteKey"], "GET /pets/{petId}")
        self.assertEqual(self.apigw.get_route(ApiId=api_id, RouteId=route["RouteId"])["RouteKey"],
                         "GET /pets/{petId}")
        stage = self.apigw.create_stage(ApiId=api_id, StageName="prod",
                                        StageVariables={"color": "blue"})
        self.assertEqual(stage["StageVariables"], {"color": "blue"})
        deployment = self.apigw.create_deployment(ApiId=api_id, StageName="prod")
        self.assertEqual(deployment["DeploymentStatus"], "DEPLOYED")
        self.assertEqual(self.apigw.get_stage(ApiId=api_id, StageName="prod")["DeploymentId"],
                         deployment["DeploymentId"])
        self.assertEqual(len(self.apigw.get_deployments(ApiId=api_id)["Items"]), 1)
        authorizer = self.apigw.create_authorizer(
            ApiId=api_id, AuthorizerType="JWT", Name="jwt",
            IdentitySource=["$request.header.Authorization"],
            JwtConfiguration={"Audience": ["aud"], "Issuer": "https://issuer.example"})
        self.assertEqual([a["Name"] for a in self.apigw.get_authorizers(ApiId=api_id)["Items"]],
                         ["jwt"])
        self.assertEqual(authorizer["JwtConfiguration"]["Issuer"], "https://issuer.example")
        updated_api = self.apigw.update_api(ApiId=api_id, Name="renamed", CorsConfiguration={
            "AllowOrigins": ["https://a.example"], "AllowMethods": ["GET"]})
        self.assertEqual(updated_api["Name"], "renamed")
        self.assertEqual(self.apigw.get_api(ApiId=api_id)["CorsConfiguration"]["AllowOrigins"],
                         ["https://a.example"])
        self.apigw.delete_cors_configuration(ApiId=api_id)
        self.assertNotIn("CorsConfiguration", self.apigw.get_api(ApiId=api_id))
        arn = f"arn:aws:apigateway:{REGION}::/apis/{api_id}"
        self.apigw.tag_resource(ResourceArn=arn, Tags={"env": "test"})
        self.assertEqual(self.apigw.get_tags(ResourceArn=arn)["Tags"],
                         {"team": "a", "env": "test"})
        self.apigw.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(self.apigw.get_tags(ResourceArn=arn)["Tags"], {"env": "test"})
        self.apigw.delete_route(ApiId=api_id, RouteId=route["RouteId"])
        with self.assertRaises(ClientError) as ctx:
            self.apigw.get_route(ApiId=api_id, RouteId=route["RouteId"])
        self.assert_aws_error(ctx, ["NotFoundException"], [404])
        self.assertIn(api_id, [a["ApiId"] for a in self.apigw.get_apis()["Items"]])

    def test_errors(self):
        with self.assertRaises(ClientError) as ctx:
            self.apigw.get_api(ApiId="nosuchapi0")
        self.assert_aws_error(ctx, ["NotFoundException"], [404])
        with self.assertRaises(ClientError) as ctx:
            self.apigw.create_api(Name="ws", ProtocolType="WEBSOCKET",
                                  RouteSelectionExpression="$request.body.action")
        self.assert_aws_error(ctx, ["BadRequestException"], [400])
        api_id = self.apigw.create_api(Name="e", ProtocolType="HTTP")["ApiId"]
        self.delete_api_later(api_id)
        with self.assertRaises(ClientError) as ctx:
            self.apigw.create_integration(ApiId=api_id, IntegrationType="HTTP_PROXY",
                                          IntegrationUri="https://example.com",
                                          IntegrationMethod="GET", PayloadFormatVersion="1.0")
        self.assert_aws_error(ctx, ["BadRequestException"], [400])
        with self.assertRaises(ClientError) as ctx:
            self.apigw.create_route(ApiId=api_id, RouteKey="GET /x", Target="integrations/nope")
        self.assert_aws_error(ctx, ["BadRequestException"], [400])
        with self.assertRaises(ClientError) as ctx:
            self.apigw.create_stage(ApiId=api_id, StageName="s", DeploymentId="nope")
        self.assert_aws_error(ctx, ["BadRequestException"], [400])
        self.apigw.create_stage(ApiId=api_id, StageName="s")
        with self.assertRaises(ClientError) as ctx:
            self.apigw.create_stage(ApiId=api_id, StageName="s")
        self.assert_aws_error(ctx, ["ConflictException"], [409])
        self.apigw.delete_api(ApiId=api_id)
        with self.assertRaises(ClientError) as ctx:
            self.apigw.get_routes(ApiId=api_id)
        self.assert_aws_error(ctx, ["NotFoundException"], [404])
        self.apigw.create_api(Name="again", ProtocolType="HTTP")  # the store still works

    def test_cli(self):
        name = self.proxy_function()
        api = self.serval.cli_json("apigatewayv2", "create-api", "--name", "cli",
                                   "--protocol-type", "HTTP", "--target", function_arn(name))
        self.delete_api_later(api["ApiId"])
        routes = self.serval.cli_json("apigatewayv2", "get-routes", "--api-id", api["ApiId"])
        self.assertEqual(routes["Items"][0]["RouteKey"], "$default")
        self.serval.cli("apigatewayv2", "delete-api", "--api-id", api["ApiId"])
        p = self.serval.cli("apigatewayv2", "get-api", "--api-id", api["ApiId"], check=False)
        self.assertIn("NotFoundException", p.stderr)

    def test_apis_survive_restart(self):
        api_id = self.apigw.create_api(Name="durable", ProtocolType="HTTP")["ApiId"]
        self.apigw.create_stage(ApiId=api_id, StageName="prod")
        self.serval.stop()
        self.serval.start()
        type(self).apigw = self.serval.client("apigatewayv2")
        type(self).lam = self.serval.client()
        self.assertEqual(self.apigw.get_api(ApiId=api_id)["Name"], "durable")
        self.assertEqual(self.apigw.get_stage(ApiId=api_id, StageName="prod")["StageName"], "prod")


class HttpApiServingTest(HttpApiCase):
    """Through the execute-api front end, by host and by path."""

    def setUp(self):
        self.function = self.proxy_function()
        api = self.apigw.create_api(Name="serve", ProtocolType="HTTP", CorsConfiguration={
            "AllowOrigins": ["https://app.example"], "AllowMethods": ["GET", "POST"]})
        self.api_id = api["ApiId"]
        self.delete_api_later(self.api_id)
        uri = function_arn(self.function)
        self.v2 = self.apigw.create_integration(
            ApiId=self.api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri,
            PayloadFormatVersion="2.0")["IntegrationId"]
        self.v1 = self.apigw.create_integration(
            ApiId=self.api_id, IntegrationType="AWS_PROXY", IntegrationUri=uri,
            PayloadFormatVersion="1.0")["IntegrationId"]
        for key, integration in (("GET /pets/{id}", self.v2), ("ANY /v1/{proxy+}", self.v1),
                                 ("GET /pets/dog", self.v2), ("$default", self.v2)):
            self.apigw.create_route(ApiId=self.api_id, RouteKey=key,
                                    Target=f"integrations/{integration}")
        self.apigw.create_route(ApiId=self.api_id, RouteKey="GET /private",
                                AuthorizationType="AWS_IAM", Target=f"integrations/{self.v2}")
        self.apigw.create_stage(ApiId=self.api_id, StageName="$default", AutoDeploy=True)
        self.apigw.create_stage(ApiId=self.api_id, StageName="prod", AutoDeploy=True,
                                StageVariables={"color": "blue"})
        self.allow_gateway(self.function, self.api_id)
        status, headers, body = self.by_path("/pets/dog?mode=dict")
        if status != 200 and b'"message"' not in body:
            self.skipTest(f"no execute-api front end in this binary (answered {status})")

    def by_host(self, path, **kw):
        return self.serval.host_request(kw.pop("method", "GET"),
                                        f"{self.api_id}.execute-api.localhost", path, **kw)

    def by_path(self, path, **kw):
        return self.serval.host_request(kw.pop("method", "GET"), "127.0.0.1",
                                        f"/_aws/execute-api/{self.api_id}{path}", **kw)

    def test_payload_2_0_route_and_stage(self):
        status, headers, body = self.by_host("/prod/pets/7?mode=echo&a=1&a=2",
                                             headers={"Cookie": "k=v"})
        self.assertEqual(status, 200, body)
        self.assertTrue(header(headers, "apigw-requestid"))
        event = json.loads(body)
        self.assertEqual(event["version"], "2.0")
        self.assertEqual(event["routeKey"], "GET /pets/{id}")
        # A named stage's segment stays in the path the function sees (AWS sends it so; a
        # $default stage has none).
        self.assertEqual(event["rawPath"], "/prod/pets/7")
        self.assertEqual(event["requestContext"]["http"]["path"], "/prod/pets/7")
        self.assertEqual(event["pathParameters"], {"id": "7"})
        self.assertEqual(event["stageVariables"], {"color": "blue"})
        self.assertEqual(event["queryStringParameters"], {"mode": "echo", "a": "1,2"})
        self.assertEqual(event["cookies"], ["k=v"])
        ctx = event["requestContext"]
        self.assertEqual((ctx["apiId"], ctx["stage"], ctx["routeKey"]),
                         (self.api_id, "prod", "GET /pets/{id}"))
        self.assertEqual(ctx["domainName"], f"{self.api_id}.execute-api.localhost")

    def test_payload_1_0(self):
        status, headers, body = self.by_path("/v1/a/b?mode=echo", method="POST", body=b"hi",
                                             headers={"Content-Type": "text/plain",
                                                      "X-Case": "Kept"})
        self.assertEqual(status, 200, body)
        event = json.loads(body)
        self.assertEqual(event["version"], "1.0")
        self.assertEqual(event["resource"], "/v1/{proxy+}")
        self.assertEqual(event["httpMethod"], "POST")
        self.assertEqual(event["pathParameters"], {"proxy": "a/b"})
        self.assertEqual(event["path"], "/v1/a/b")
        # HTTP APIs name headers in lower case in format 1.0 too; values keep theirs.
        self.assertEqual(event["headers"]["x-case"], "Kept")
        self.assertNotIn("X-Case", event["headers"])
        self.assertEqual(event["multiValueQueryStringParameters"], {"mode": ["echo"]})
        self.assertEqual(event["body"], "hi")
        self.assertEqual(event["requestContext"]["stage"], "$default")
        # A text body that is not UTF-8 still reaches the function, its stray bytes as U+FFFD.
        status, _, body = self.by_path("/v1/a/b?mode=echo", method="POST", body=b"caf\xe9",
                                       headers={"Content-Type": "text/plain"})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["body"], "caf\ufffd")

    def test_route_matching_and_not_found(self):
        for path, route in (("/pets/dog?mode=echo", "GET /pets/dog"),
                            ("/pets/cat?mode=echo", "GET /pets/{id}"),
                            ("/elsewhere?mode=echo", "$default")):
            status, headers, body = self.by_host(path)
            self.assertEqual(status, 200, body)
            self.assertEqual(json.loads(body)["routeKey"], route)
        self.apigw.delete_route(ApiId=self.api_id, RouteId=next(
            r["RouteId"] for r in self.apigw.get_routes(ApiId=self.api_id)["Items"]
            if r["RouteKey"] == "$default"))
        status, headers, body = self.by_host("/elsewhere")
        self.assertEqual((status, json.loads(body)), (404, {"message": "Not Found"}))
        self.assertTrue(header(headers, "apigw-requestid"))

    def test_responses_errors_and_cors(self):
        status, headers, body = self.by_host("/pets/1?mode=custom")
        self.assertEqual((status, body), (418, b"i'm a teapot"))
        self.assertEqual([v for k, v in headers if k == "set-cookie"], ["a=1; Path=/", "b=2"])
        status, headers, body = self.by_host("/pets/1?mode=error")
        self.assertEqual((status, json.loads(body)), (500, {"message": "Internal Server Error"}))
        status, headers, body = self.by_host("/pets/1?mode=inject")
        self.assertEqual(status, 500)
        self.assertFalse([v for k, v in headers if k == "set-cookie"])
        status, headers, body = self.by_host("/private?mode=echo")
        self.assertEqual((status, json.loads(body)), (403, {"message": "Forbidden"}))
        status, headers, body = self.by_host("/pets/1", method="OPTIONS", headers={
            "Origin": "https://app.example", "Access-Control-Request-Method": "GET"})
        self.assertEqual(status, 204)
        self.assertEqual(header(headers, "access-control-allow-origin"), "https://app.example")

    def test_integration_needs_the_functions_permission(self):
        other = self.proxy_function()
        integration = self.apigw.create_integration(
            ApiId=self.api_id, IntegrationType="AWS_PROXY", IntegrationUri=function_arn(other),
            PayloadFormatVersion="2.0")["IntegrationId"]
        self.apigw.create_route(ApiId=self.api_id, RouteKey="GET /other/{id}",
                                Target=f"integrations/{integration}")
        status, headers, body = self.by_host("/other/1?mode=echo")
        self.assertEqual((status, json.loads(body)), (500, {"message": "Internal Server Error"}))
        # The policy names the route as AWS's execute-api ARN does: STAGE/VERB/route path.
        self.allow_gateway(other, self.api_id, "*/GET/other/{id}")
        status, headers, body = self.by_host("/other/1?mode=echo")
        self.assertEqual(status, 200, body)

    def test_integration_timeout_is_503(self):
        self.apigw.update_integration(ApiId=self.api_id, IntegrationId=self.v2,
                                      TimeoutInMillis=500)
        status, headers, body = self.by_host("/pets/1?mode=sleep&seconds=3")
        self.assertEqual((status, json.loads(body)), (503, {"message": "Service Unavailable"}))


if __name__ == "__main__":
    import unittest
    unittest.main()
