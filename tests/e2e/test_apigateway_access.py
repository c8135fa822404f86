"""API Gateway REST API access control with boto3, the AWS CLI and plain HTTP: Lambda TOKEN and
REQUEST authorizers (policies, caching, context), API keys and usage plans (throttle, quota),
stage throttling and request validators; and the attacks each must stop."""

import json
import time

from serval_harness import REGION, ACCOUNT, python_zip, unique_name
from test_apigateway import GatewayCase, lambda_uri


class AccessCase(GatewayCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.backend = unique_name("backend")
        cls.authorizer_fn = unique_name("authz")
        for name, module in ((cls.backend, "proxy_echo"), (cls.authorizer_fn, "authorizer")):
            cls.lam.create_function(FunctionName=name, Runtime="python3.12",
                                    Role="arn:aws:iam::000000000000:role/r",
                                    Handler=f"{module}.lambda_handler", Timeout=10,
                                    Code={"ZipFile": python_zip(module)})

    def api_with(self, methods, api_key_source="HEADER"):
        """An API whose /pets and /other resources have a GET each, AWS_PROXY to the echo
        backend, deployed to "test"; `methods(api_id)` gives put_method's extra arguments."""
        api = self.apigw.create_rest_api(name=unique_name("api"), apiKeySource=api_key_source)
        api_id = api["id"]
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api_id)
        extra = methods(api_id)
        for part in ("pets", "other"):
            resource = self.apigw.create_resource(restApiId=api_id,
                                                  parentId=api["rootResourceId"], pathPart=part)
            self.apigw.put_method(restApiId=api_id, resourceId=resource["id"], httpMethod="GET",
                                  **{"authorizationType": "NONE", **extra})
            self.apigw.put_integration(restApiId=api_id, resourceId=resource["id"],
                                       httpMethod="GET", type="AWS_PROXY",
                                       integrationHttpMethod="POST", uri=lambda_uri(self.backend))
        self.apigw.create_deployment(restApiId=api_id, stageName="test")
        self.allow_gateway(self.backend, api_id)
        return api_id

    def authorizer(self, api_id, **kw):
        kw.setdefault("type", "TOKEN")
        if kw["type"] == "TOKEN":
            kw.setdefault("identitySource", "method.request.header.Authorization")
        created = self.apigw.create_authorizer(restApiId=api_id, name=unique_name("a"),
                                               authorizerUri=lambda_uri(self.authorizer_fn), **kw)
        self.lam.add_permission(
            FunctionName=self.authorizer_fn, StatementId=unique_name("authz"),
            Action="lambda:InvokeFunction", Principal="apigateway.amazonaws.com",
            SourceArn=f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}/authorizers/"
                      f"{created['id']}")
        return created

    def get(self, api_id, path, headers=None):
        code, response_headers, body = self.call("GET", self.invoke_url(api_id, "test", path),
                                                 headers=headers)
        return code, response_headers, json.loads(body) if body else None


class AuthorizerTest(AccessCase):
    def token_api(self, **authorizer):
        holder = {}

        def methods(api_id):
            holder["authorizer"] = self.authorizer(api_id, **authorizer)
            return {"authorizationType": "CUSTOM", "authorizerId": holder["authorizer"]["id"]}

        return self.api_with(methods), holder["authorizer"]

    def test_control_plane_shapes(self):
        api_id, created = self.token_api(identityValidationExpression="^Bearer .+$")
        self.assertEqual(created["type"], "TOKEN")
        self.assertEqual(created["authType"], "custom")
        self.assertNotIn("authorizerResultTtlInSeconds", created)
        got = self.apigw.get_authorizer(restApiId=api_id, authorizerId=created["id"])
        self.assertEqual(got["identitySource"], "method.request.header.Authorization")
        updated = self.apigw.update_authorizer(
            restApiId=api_id, authorizerId=created["id"],
            patchOperations=[{"op": "replace", "path": "/authorizerResultTtlInSeconds",
                              "value": "60"}])
        self.assertEqual(updated["authorizerResultTtlInSeconds"], 60)
        listed = self.apigw.get_authorizers(restApiId=api_id)["items"]
        self.assertEqual([a["id"] for a in listed], [created["id"]])
        self.assert_error(self.error_of(self.apigw.delete_authorizer, restApiId=api_id,
                                        authorizerId=created["id"]), "ConflictException", 409)
        self.assert_error(self.error_of(self.apigw.create_authorizer, restApiId="nosuchapi0",
                                        name="a", type="TOKEN", authorizerUri="x"),
                          "ConflictException", 409)
        self.assert_error(self.error_of(self.apigw.update_authorizer, restApiId=api_id,
                                        authorizerId=created["id"], patchOperations=[
                                            {"op": "replace", "path": "/authorizerResultTtlInSeconds",
                                             "value": "4000"}]),
                          "BadRequestException", 400)

    def test_allow_deny_unauthorized_and_malformed(self):
        api_id, _ = self.token_api()
        code, _, body = self.get(api_id, "/pets", {"Authorization": "allow-1"})
        self.assertEqual(code, 200, body)
        authorizer = body["requestContext"]["authorizer"]
        self.assertEqual(authorizer["principalId"], "user-allow-1")
        self.assertEqual(authorizer["number"], "7")
        self.assertEqual(authorizer["flag"], "true")
        self.assertEqual(authorizer["token"], "allow-1")
        self.assertIn("integrationLatency", authorizer)
        cases = (({}, 401, "Unauthorized", "UnauthorizedException"),
                 ({"Authorization": "unauthorized"}, 401, "Unauthorized", "UnauthorizedException"),
                 ({"Authorization": "deny"}, 403,
                  "User is not authorized to access this resource with an explicit deny",
                  "AccessDeniedException"),
                 ({"Authorization": "broken"}, 500, None, "AuthorizerConfigurationException"))
        for headers, status, message, error_type in cases:
            with self.subTest(headers=headers):
                code, response_headers, body = self.get(api_id, "/pets", headers)
                self.assertEqual(code, status, body)
                self.assertEqual(body, {"message": message})
                self.assertEqual(response_headers["x-amzn-errortype"], error_type)

    def test_an_allow_for_one_method_does_not_open_another(self):
        api_id, _ = self.token_api(authorizerResultTtlInSeconds=300)
        code, _, _ = self.get(api_id, "/pets", {"Authorization": "pets-only"})
        self.assertEqual(code, 200)
        # The cached policy is evaluated again for this request's own method ARN.
        code, _, body = self.get(api_id, "/other", {"Authorization": "pets-only"})
        self.assertEqual(code, 403, body)
        self.assertEqual(body, {"message": "User is not authorized to access this resource"})

    def test_answers_are_cached_per_token(self):
        api_id, _ = self.token_api(authorizerResultTtlInSeconds=300)
        first = self.get(api_id, "/pets", {"Authorization": "allow-a"})[2]
        second = self.get(api_id, "/other", {"Authorization": "allow-a"})[2]
        self.assertEqual(first["requestContext"]["authorizer"]["invocation"],
                         second["requestContext"]["authorizer"]["invocation"])
        # A different token is never answered from another token's cached allow.
        code, _, body = self.get(api_id, "/pets", {"Authorization": "deny-b"})
        self.assertEqual(code, 403, body)
        third = self.get(api_id, "/pets", {"Authorization": "allow-c"})[2]
        self.assertEqual(third["requestContext"]["authorizer"]["token"], "allow-c")
        self.assertNotEqual(third["requestContext"]["authorizer"]["invocation"],
                            first["requestContext"]["authorizer"]["invocation"])

    def test_ttl_zero_calls_the_function_every_time(self):
        api_id, _ = self.token_api(authorizerResultTtlInSeconds=0)
        first = self.get(api_id, "/pets", {"Authorization": "allow-a"})[2]
        second = self.get(api_id, "/pets", {"Authorization": "allow-a"})[2]
        self.assertNotEqual(first["requestContext"]["authorizer"]["invocation"],
                            second["requestContext"]["authorizer"]["invocation"])

    def test_identity_validation_expression_refuses_without_calling(self):
        api_id, _ = self.token_api(identityValidationExpression="^allow-[0-9]+$")
        self.assertEqual(self.get(api_id, "/pets", {"Authorization": "allow-12"})[0], 200)
        code, _, body = self.get(api_id, "/pets", {"Authorization": "allow-x"})
        self.assertEqual((code, body), (401, {"message": "Unauthorized"}))

    def test_request_authorizer_with_header_and_query_identity(self):
        api_id, _ = self.token_api(
            type="REQUEST",
            identitySource="method.request.header.X-User, method.request.querystring.tenant")
        code, _, body = self.get(api_id, "/pets?tenant=t1", {"X-User": "allow"})
        self.assertEqual(code, 200, body)
        self.assertEqual(body["requestContext"]["authorizer"]["token"], "allow|t1")
        for path, headers in (("/pets", {"X-User": "allow"}), ("/pets?tenant=t1", {})):
            with self.subTest(path=path, headers=headers):
                code, _, body = self.get(api_id, path, headers)
                self.assertEqual((code, body), (401, {"message": "Unauthorized"}))
        # The identity of the cache is both values: another tenant is asked afresh.
        code, _, body = self.get(api_id, "/pets?tenant=t2", {"X-User": "deny"})
        self.assertEqual(code, 403, body)

    def test_the_authorizer_needs_its_own_permission(self):
        api = self.apigw.create_rest_api(name=unique_name("api"))
        self.addCleanup(self.apigw.delete_rest_api, restApiId=api["id"])
        authorizer = self.apigw.create_authorizer(
            restApiId=api["id"], name="nopermission", type="TOKEN",
            identitySource="method.request.header.Authorization",
            authorizerUri=lambda_uri(self.authorizer_fn))
        self.apigw.put_method(restApiId=api["id"], resourceId=api["rootResourceId"],
                              httpMethod="GET", authorizationType="CUSTOM",
                              authorizerId=authorizer["id"])
        self.apigw.put_integration(restApiId=api["id"], resourceId=api["rootResourceId"],
                                   httpMethod="GET", type="MOCK",
                                   requestTemplates={"application/json": '{"statusCode": 200}'})
        self.apigw.put_method_response(restApiId=api["id"], resourceId=api["rootResourceId"],
                                       httpMethod="GET", statusCode="200")
        self.apigw.put_integration_response(restApiId=api["id"],
                                            resourceId=api["rootResourceId"], httpMethod="GET",
                                            statusCode="200")
        self.apigw.create_deployment(restApiId=api["id"], stageName="test")
        code, _, body = self.get(api["id"], "/", {"Authorization": "allow"})
        self.assertEqual((code, body), (500, {"message": None}))


class ApiKeyTest(AccessCase):
    def keyed_api(self, api_key_source="HEADER", methods=None):
        return self.api_with(methods or (lambda api_id: {"apiKeyRequired": True}),
                             api_key_source=api_key_source)

    def plan(self, api_id, key_id=None, **kw):
        plan = self.apigw.create_usage_plan(name=unique_name("plan"),
                                            apiStages=[{"apiId": api_id, "stage": "test"}], **kw)
        self.addCleanup(self.apigw.delete_usage_plan, usagePlanId=plan["id"])
        if key_id:
            self.apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key_id,
                                             keyType="API_KEY")
        return plan

    def key(self, **kw):
        key = self.apigw.create_api_key(name=unique_name("key"), enabled=True, **kw)
        self.addCleanup(self.apigw.delete_api_key, apiKey=key["id"])
        return key

    def test_control_plane_shapes(self):
        key = self.key(value="a" * 20 + "b" * 10, description="d")
        self.assertEqual(key["value"], "a" * 20 + "b" * 10)
        self.assertEqual(key["stageKeys"], [])
        generated = self.key()
        self.assertRegex(generated["value"], r"^[A-Za-z0-9]{40}$")
        got = self.apigw.get_api_key(apiKey=key["id"])
        self.assertNotIn("value", got)
        self.assertEqual(self.apigw.get_api_key(apiKey=key["id"], includeValue=True)["value"],
                         key["value"])
        self.assert_error(self.error_of(self.apigw.create_api_key, value="short"),
                          "BadRequestException", 400,
                          "API Key value should be at least 20 characters")
        self.assert_error(self.error_of(self.apigw.update_api_key, apiKey=key["id"],
                                        patchOperations=[{"op": "replace", "path": "/id",
                                                          "value": "x"}]),
                          "BadRequestException", 400,
                          "Invalid patch path  '/id' specified for op 'replace'. Must be one of: "
                          "[/description, /enabled, /name, /customerId]")
        updated = self.apigw.update_api_key(apiKey=key["id"], patchOperations=[
            {"op": "replace", "path": "/enabled", "value": "false"}])
        self.assertFalse(updated["enabled"])
        api_id = self.keyed_api()
        plan = self.plan(api_id, key["id"], throttle={"rateLimit": 5, "burstLimit": 2},
                         quota={"limit": 100, "period": "DAY"})
        self.assertEqual(plan["throttle"], {"burstLimit": 2, "rateLimit": 5.0})
        self.assertEqual(plan["quota"], {"limit": 100, "offset": 0, "period": "DAY"})
        plan_keys = self.apigw.get_usage_plan_keys(usagePlanId=plan["id"])["items"]
        self.assertEqual(plan_keys, [{"id": key["id"], "name": key["name"], "type": "API_KEY",
                                      "value": key["value"]}])
        by_key = self.apigw.get_usage_plans(keyId=key["id"])["items"]
        self.assertEqual([p["id"] for p in by_key], [plan["id"]])
        self.assert_error(self.error_of(self.apigw.update_usage_plan, usagePlanId=plan["id"],
                                        patchOperations=[{"op": "add", "path": "/apiStages",
                                                          "value": "nocolon"}]),
                          "BadRequestException", 400, "Invalid API Stage specified")
        self.assert_error(self.error_of(self.apigw.update_usage_plan, usagePlanId=plan["id"],
                                        patchOperations=[{"op": "add", "path": "/apiStages",
                                                          "value": f"{api_id}:nostage"}]),
                          "NotFoundException", 404,
                          f"Invalid API Stage {{api: {api_id}, stage: nostage}} specified for "
                          f"usageplan {plan['id']}")
        self.assert_error(self.error_of(self.apigw.get_usage_plan, usagePlanId="nosuchplan"),
                          "NotFoundException", 404, "Invalid Usage Plan ID specified")
        patched = self.apigw.update_usage_plan(usagePlanId=plan["id"], patchOperations=[
            {"op": "replace", "path": "/quota/limit", "value": "5000"},
            {"op": "replace", "path": "/throttle/rateLimit", "value": "200"}])
        self.assertEqual(patched["quota"]["limit"], 5000)
        self.assertEqual(patched["throttle"]["rateLimit"], 200.0)

    def test_the_cli_manages_keys_and_plans(self):
        api_id = self.keyed_api()
        key = self.serval.cli_json("apigateway", "create-api-key", "--name", unique_name("cli"),
                                   "--enabled")
        self.addCleanup(self.apigw.delete_api_key, apiKey=key["id"])
        plan = self.serval.cli_json("apigateway", "create-usage-plan", "--name",
                                    unique_name("cliplan"), "--api-stages",
                                    f"apiId={api_id},stage=test")
        self.addCleanup(self.apigw.delete_usage_plan, usagePlanId=plan["id"])
        self.serval.cli_json("apigateway", "create-usage-plan-key", "--usage-plan-id",
                             plan["id"], "--key-id", key["id"], "--key-type", "API_KEY")
        listed = self.serval.cli_json("apigateway", "get-api-keys", "--include-values")
        values = {k["id"]: k.get("value") for k in listed["items"]}
        self.assertEqual(values[key["id"]], key["value"])
        code, _, body = self.get(api_id, "/pets", {"x-api-key": key["value"]})
        self.assertEqual(code, 200, body)
        self.assertEqual(body["requestContext"]["identity"]["apiKeyId"], key["id"])

    def test_missing_unknown_disabled_and_unplanned_keys_are_forbidden(self):
        api_id = self.keyed_api()
        good = self.key()
        disabled = self.key()
        unplanned = self.key()
        self.plan(api_id, good["id"])
        self.plan(api_id, disabled["id"])
        self.apigw.update_api_key(apiKey=disabled["id"], patchOperations=[
            {"op": "replace", "path": "/enabled", "value": "false"}])
        # A key of a plan bound to another API's stage does not open this one.
        other_api = self.keyed_api()
        elsewhere = self.key()
        self.plan(other_api, elsewhere["id"])
        self.assertEqual(self.get(api_id, "/pets", {"x-api-key": good["value"]})[0], 200)
        for headers in ({}, {"x-api-key": "forged" + good["value"][6:]},
                        {"x-api-key": disabled["value"]}, {"x-api-key": unplanned["value"]},
                        {"x-api-key": elsewhere["value"]}, {"x-api-key": good["id"]}):
            with self.subTest(headers=headers):
                code, response_headers, body = self.get(api_id, "/pets", headers)
                self.assertEqual((code, body), (403, {"message": "Forbidden"}))
                self.assertEqual(response_headers["x-amzn-errortype"], "ForbiddenException")

    def test_usage_plan_throttle_and_quota(self):
        api_id = self.keyed_api()
        throttled = self.key()
        self.plan(api_id, throttled["id"], throttle={"rateLimit": 0.01, "burstLimit": 2})
        codes = [self.get(api_id, "/pets", {"x-api-key": throttled["value"]})[0] for _ in range(3)]
        self.assertEqual(codes, [200, 200, 429])
        code, headers, body = self.get(api_id, "/pets", {"x-api-key": throttled["value"]})
        self.assertEqual((code, body), (429, {"message": "Too Many Requests"}))
        limited = self.key()
        self.plan(api_id, limited["id"], quota={"limit": 2, "period": "DAY"})
        codes = [self.get(api_id, "/pets", {"x-api-key": limited["value"]})[0] for _ in range(2)]
        self.assertEqual(codes, [200, 200])
        code, headers, body = self.get(api_id, "/pets", {"x-api-key": limited["value"]})
        self.assertEqual((code, body), (429, {"message": "Limit Exceeded"}))
        self.assertEqual(headers["x-amzn-errortype"], "LimitExceededException")

    def test_the_key_can_come_from_the_authorizer(self):
        key = self.key()
        holder = {}

        def methods(api_id):
            holder["authorizer"] = self.authorizer(api_id, authorizerResultTtlInSeconds=0)
            return {"authorizationType": "CUSTOM", "authorizerId": holder["authorizer"]["id"],
                    "apiKeyRequired": True}

        api_id = self.api_with(methods, api_key_source="AUTHORIZER")
        self.plan(api_id, key["id"])
        code, _, body = self.get(api_id, "/pets", {"Authorization": "allow-key=" + key["value"]})
        self.assertEqual(code, 200, body)
        # The header is not where this API looks.
        code, _, body = self.get(api_id, "/pets", {"Authorization": "allow",
                                                   "x-api-key": key["value"]})
        self.assertEqual((code, body), (403, {"message": "Forbidden"}))


class StageThrottlingTest(AccessCase):
    def test_burst_then_429(self):
        api_id = self.api_with(lambda api_id: {})
        self.apigw.update_stage(restApiId=api_id, stageName="test", patchOperations=[
            {"op": "replace", "path": "/*/*/throttling/rateLimit", "value": "0.01"},
            {"op": "replace", "path": "/*/*/throttling/burstLimit", "value": "1"},
            {"op": "replace", "path": "/~1other/GET/throttling/burstLimit", "value": "3"},
            {"op": "replace", "path": "/~1other/GET/throttling/rateLimit", "value": "0.01"}])
        self.assertEqual(self.get(api_id, "/pets")[0], 200)
        code, headers, body = self.get(api_id, "/pets")
        self.assertEqual((code, body), (429, {"message": "Too Many Requests"}))
        self.assertEqual(headers["x-amzn-errortype"], "TooManyRequestsException")
        # /other has its own, larger bucket.
        self.assertEqual([self.get(api_id, "/other")[0] for _ in range(4)], [200, 200, 200, 429])


class RequestValidatorTest(AccessCase):
    def validated_api(self, **validator):
        holder = {}

        def methods(api_id):
            self.apigw.create_model(
                restApiId=api_id, name="Pet", contentType="application/json",
                schema=json.dumps({"$schema": "http://json-schema.org/draft-04/schema#",
                                   "type": "object", "required": ["name"],
                                   "properties": {"name": {"type": "string", "minLength": 1},
                                                  "age": {"type": "integer", "minimum": 0}}}))
            holder["validator"] = self.apigw.create_request_validator(
                restApiId=api_id, name="v", **validator)
            return {"requestValidatorId": holder["validator"]["id"],
                    "requestParameters": {"method.request.querystring.status": True,
                                          "method.request.header.x-trace": True},
                    "requestModels": {"application/json": "Pet"}}

        return self.api_with(methods), holder["validator"]

    def post(self, api_id, path, body, headers=None):
        # The validated methods are GETs; a GET may carry a body.
        code, _, raw = self.call("GET", self.invoke_url(api_id, "test", path), body=body,
                                 headers={"Content-Type": "application/json", **(headers or {})})
        return code, json.loads(raw)

    def test_missing_parameters(self):
        api_id, validator = self.validated_api(validateRequestParameters=True)
        self.assertEqual(validator["validateRequestParameters"], True)
        self.assertEqual(validator["validateRequestBody"], False)
        code, body = self.post(api_id, "/pets", b"not json")
        self.assertEqual((code, body),
                         (400, {"message": "Missing required request parameters: [x-trace, status]"}))
        code, body = self.post(api_id, "/pets?status=1", b"", {"x-trace": "t"})
        self.assertEqual(code, 200, body)

    def test_body_against_the_model(self):
        api_id, validator = self.validated_api(validateRequestBody=True)
        for bad in (b"not json", b"{}", b'{"name": ""}', b'{"name": "x", "age": -1}', b"[]"):
            with self.subTest(body=bad):
                self.assertEqual(self.post(api_id, "/pets", bad),
                                 (400, {"message": "Invalid request body"}))
        self.assertEqual(self.post(api_id, "/pets", b'{"name": "rex", "age": 3}')[0], 200)
        # Turning the validator off lets anything through (after a new deployment).
        self.apigw.update_request_validator(restApiId=api_id, requestValidatorId=validator["id"],
                                            patchOperations=[{"op": "replace",
                                                              "path": "/validateRequestBody",
                                                              "value": "false"}])
        self.apigw.create_deployment(restApiId=api_id, stageName="test")
        self.assertEqual(self.post(api_id, "/pets", b"not json")[0], 200)

    def test_models_and_validators_control_plane(self):
        api_id, validator = self.validated_api()
        self.assert_error(self.error_of(self.apigw.create_model, restApiId=api_id, name="Pet",
                                        contentType="application/json", schema='{"type": "x"}'),
                          "ConflictException", 409, "Model name already exists for this REST API")
        self.assert_error(self.error_of(self.apigw.create_model, restApiId=api_id, name="Empty2",
                                        contentType="application/json", schema="{}"),
                          "BadRequestException", 400,
                          "Model schema must have at least 1 property or array items defined")
        self.assert_error(self.error_of(self.apigw.delete_model, restApiId=api_id,
                                        modelName="Pet"), "ConflictException", 409)
        self.assert_error(self.error_of(self.apigw.get_model, restApiId=api_id,
                                        modelName="Nope"), "NotFoundException", 404,
                          "Invalid model name specified: Nope")
        self.assertEqual(self.apigw.get_model(restApiId=api_id, modelName="Pet")["name"], "Pet")
        self.assert_error(self.error_of(self.apigw.update_request_validator, restApiId=api_id,
                                        requestValidatorId=validator["id"],
                                        patchOperations=[{"op": "add",
                                                          "path": "/validateRequestBody",
                                                          "value": "true"}]),
                          "BadRequestException", 400,
                          "Invalid patch path  '/validateRequestBody' specified for op 'add'. "
                          "Please choose supported operations")
        self.assert_error(self.error_of(self.apigw.create_request_validator,
                                        restApiId="nosuchapi0", name="v"),
                          "BadRequestException", 400, "Invalid REST API identifier specified")
        listed = self.apigw.get_request_validators(restApiId=api_id)["items"]
        self.assertEqual([v["id"] for v in listed], [validator["id"]])


class PersistenceTest(AccessCase):
    def test_keys_and_plans_survive_kill_9(self):
        api_id = self.api_with(lambda api_id: {"apiKeyRequired": True})
        key = self.apigw.create_api_key(name=unique_name("key"), enabled=True)
        plan = self.apigw.create_usage_plan(name=unique_name("plan"),
                                            apiStages=[{"apiId": api_id, "stage": "test"}])
        self.apigw.create_usage_plan_key(usagePlanId=plan["id"], keyId=key["id"],
                                         keyType="API_KEY")
        self.serval.kill()
        self.serval.start()
        again = self.serval.client("apigateway")
        self.assertEqual(again.get_api_key(apiKey=key["id"], includeValue=True)["value"],
                         key["value"])
        self.assertEqual([k["id"] for k in again.get_usage_plan_keys(
            usagePlanId=plan["id"])["items"]], [key["id"]])
        self.assertEqual(self.get(api_id, "/pets", {"x-api-key": key["value"]})[0], 200)
        self.assertEqual(self.get(api_id, "/pets")[0], 403)
        again.delete_usage_plan(usagePlanId=plan["id"])
        again.delete_api_key(apiKey=key["id"])
        again.delete_rest_api(restApiId=api_id)
        self._cleanups.clear()  # the clients registered before the restart are stale


if __name__ == "__main__":
    import unittest
    unittest.main()
