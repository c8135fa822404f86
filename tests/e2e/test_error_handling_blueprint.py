"""Issue 7: the seed's error-handling blueprint (post 6), deployed with `serval deploy
blueprints/error-handling` as a user would: the post's Swagger, imported as it is but for its
[MY_FUNCTION_ARN], in front of index.js, answers each documented case through both invoke URLs
deploy prints (curl, as the README shows); a redeploy changes nothing."""

import json

from serval_harness import ACCOUNT, REGION, ServalTestCase, curl, invoke_urls

API_NAME = "Best practices for API error responses with API Gateway and Lambda"
UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


class ErrorHandlingBlueprintTest(ServalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deployed = cls.serval_deploy("error-handling", check=True)
        cls.urls = invoke_urls(cls.deployed.stdout)
        apigw = cls.serval.client("apigateway")
        [cls.api] = [a for a in apigw.get_rest_apis()["items"] if a["name"] == API_NAME]

    def test_deploy_sets_up_function_api_and_permission(self):
        out = self.deployed.stdout
        self.assertIn("Function error-handling: created", out)
        self.assertIn(f"RestApi {API_NAME}: created "
                      f"(arn:aws:execute-api:{REGION}:{ACCOUNT}:{self.api['id']})", out)
        self.assertIn("Permission error-handling apigateway-error-handling-get: created", out)
        self.assertEqual(self.urls, [
            f"http://{self.api['id']}.execute-api.localhost:{self.serval.port}/test",
            f"{self.serval.endpoint}/restapis/{self.api['id']}/test/_user_request_"])
        # The post's document, as the import reads it: its version, and the function's ARN where
        # the post wrote [MY_FUNCTION_ARN].
        self.assertEqual(self.api["version"], "2016-04-21T23:52:49Z")
        apigw = self.serval.client("apigateway")
        resources = apigw.get_resources(restApiId=self.api["id"], embed=["methods"])["items"]
        [lambda_resource] = [r for r in resources if r["path"] == "/lambda"]
        integration = lambda_resource["resourceMethods"]["GET"]["methodIntegration"]
        self.assertEqual(integration["uri"],
                         f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/"
                         f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:error-handling/invocations")
        policy = json.loads(self.lam.get_policy(FunctionName="error-handling")["Policy"])
        [statement] = policy["Statement"]
        self.assertEqual(statement["Condition"]["ArnLike"]["AWS:SourceArn"],
                         f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{self.api['id']}/*/GET/lambda")

    def test_success_passes_the_result_through(self):
        for url in self.urls:
            with self.subTest(url=url):
                status, content_type, body = curl(url + "/lambda?status=200")
                self.assertEqual((status, content_type), (200, "application/json"), body)
                answer = json.loads(body)
                self.assertEqual(answer["message"], "Success")
                self.assertRegex(answer["requestId"], UUID_RE)

    def test_each_documented_error_status(self):
        for url in self.urls:
            for status, error_type in ((400, "BadRequest"), (403, "Forbidden"),
                                       (404, "NotFound"), (500, "InternalServerError")):
                with self.subTest(url=url, status=status):
                    code, content_type, body = curl(f"{url}/lambda?status={status}")
                    self.assertEqual((code, content_type), (status, "application/json"), body)
                    answer = json.loads(body)
                    self.assertEqual(list(answer), ["type", "message", "request-id"])
                    self.assertEqual(answer["type"], error_type)
                    self.assertEqual(answer["message"],
                                     f"The request failed with status {status}.")
                    self.assertRegex(answer["request-id"], UUID_RE)

    def test_an_undocumented_status_is_the_posts_500(self):
        code, _, body = curl(self.urls[0] + "/lambda?status=418")
        self.assertEqual(code, 500, body)
        self.assertEqual(json.loads(body)["type"], "InternalServerError")
        self.assertEqual(json.loads(body)["message"],
                         "An unknown error has occurred. Please try again.")

    def test_a_missing_status_is_api_gateways_own_500(self):
        code, content_type, body = curl(self.urls[0] + "/lambda")
        self.assertEqual((code, content_type), (500, "application/json"), body)
        self.assertEqual(json.loads(body), {"message": "Internal server error"})

    def test_other_routes_are_missing_authentication_token(self):
        code, _, body = curl(self.urls[1] + "/nothing")
        self.assertEqual(code, 403, body)
        self.assertEqual(json.loads(body), {"message": "Missing Authentication Token"})

    def test_redeploy_changes_nothing(self):
        again = self.serval_deploy("error-handling")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("0 created, 0 updated, 4 unchanged", again.stdout)
        self.assertEqual(invoke_urls(again.stdout), self.urls)
        deployments = self.serval.client("apigateway").get_deployments(restApiId=self.api["id"])
        self.assertEqual(len(deployments["items"]), 1)

