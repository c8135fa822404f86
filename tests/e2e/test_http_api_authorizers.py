"""HTTP API authorizers end to end: JWT authorizers against an OpenID Connect issuer this test
serves itself on 127.0.0.1 (discovery document and key set; tokens signed RS256 with the
cryptography package), and Lambda (REQUEST) authorizers with payload formats 1.0 and 2.0."""
import base64
import http.server
import json
import threading
import time

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from serval_harness import ACCOUNT, REGION, function_arn, python_zip, unique_name
from test_http_apis import HttpApiCase


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def int_bytes(number: int) -> bytes:
    return number.to_bytes((number.bit_length() + 7) // 8, "big")


class Issuer:
    """An OpenID Connect issuer on a free loopback port: its discovery document, a key set with
    one RSA key ("k1"), and a signer of tokens; it counts the key set's fetches."""

    def __init__(self):
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        numbers = self.key.public_key().public_numbers()
        self.jwks = {"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256",
                               "n": b64url(int_bytes(numbers.n)),
                               "e": b64url(int_bytes(numbers.e))}]}
        self.jwks_fetches = 0
        issuer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.url, "jwks_uri": issuer.url + "/keys"}
                elif self.path == "/keys":
                    issuer.jwks_fetches += 1
                    body = issuer.jwks
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def token(self, key=None, header=None, **claims):
        now = int(time.time())
        body = {"iss": self.url, "aud": "api-client", "sub": "alice", "iat": now - 5,
                "exp": now + 300, "scope": "read write"}
        body.update(claims)
        body = {k: v for k, v in body.items() if v is not None}
        head = {"alg": "RS256", "typ": "JWT", "kid": "k1"}
        head.update(header or {})
        signing_input = (b64url(json.dumps(head).encode()) + "." +
                         b64url(json.dumps(body).encode())).encode()
        signature = (key or self.key).sign(signing_input, padding.PKCS1v15(), hashes.SHA256())
        return signing_input.decode() + "." + b64url(signature)


class AuthorizerCase(HttpApiCase):
    """An API with a 2.0 and a 1.0 integration of the echoing proxy function, which API Gateway
    may invoke, and a $default stage."""

    def setUp(self):
        self.function = self.proxy_function()
        self.api_id = self.apigw.create_api(Name="auth", ProtocolType="HTTP")["ApiId"]
        self.delete_api_later(self.api_id)
        self.allow_gateway(self.function, self.api_id)
        self.v2, self.v1 = (self.apigw.create_integration(
            ApiId=self.api_id, IntegrationType="AWS_PROXY",
            IntegrationUri=function_arn(self.function),
            PayloadFormatVersion=version)["IntegrationId"] for version in ("2.0", "1.0"))
        self.apigw.create_stage(ApiId=self.api_id, StageName="$default", AutoDeploy=True)

    def route(self, key, integration, **kw):
        self.apigw.create_route(ApiId=self.api_id, RouteKey=key,
                                Target=f"integrations/{integration}", **kw)

    def get(self, path, headers=None):
        status, headers, body = self.serval.host_request(
            "GET", f"{self.api_id}.execute-api.localhost", path, headers=headers)
        return status, dict(headers), json.loads(body)


class JwtAuthorizerTest(AuthorizerCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.issuer = Issuer()

    @classmethod
    def tearDownClass(cls):
        cls.issuer.close()
        super().tearDownClass()

    def setUp(self):
        super().setUp()
        self.authorizer = self.apigw.create_authorizer(
            ApiId=self.api_id, AuthorizerType="JWT", Name="jwt",
            IdentitySource=["$request.header.Authorization"],
            JwtConfiguration={"Issuer": self.issuer.url, "Audience": ["other", "api-client"]},
        )["AuthorizerId"]
        jwt = dict(AuthorizationType="JWT", AuthorizerId=self.authorizer)
        self.route("GET /jwt", self.v2, **jwt)
        self.route("GET /v1", self.v1, **jwt)
        self.route("GET /read", self.v2, AuthorizationScopes=["read"], **jwt)
        self.route("GET /admin", self.v2, AuthorizationScopes=["admin"], **jwt)

    def bearer(self, token):
        return {"Authorization": "Bearer " + token}

    def assert_invalid(self, path, headers, description=None):
        status, headers, body = self.get(path, headers)
        self.assertEqual((status, body), (401, {"message": "Unauthorized"}))
        self.assertTrue(headers["www-authenticate"].startswith(
            'Bearer scope="" error="invalid_token" error_description="'), headers)
        if description:
            self.assertIn(description, headers["www-authenticate"])

    def test_valid_token_reaches_the_integration_with_its_claims(self):
        token = self.issuer.token(custom=5)
        for headers in (self.bearer(token), {"Authorization": token}):
            status, _, event = self.get("/jwt?mode=echo", headers)
            self.assertEqual(status, 200, event)
            jwt = event["requestContext"]["authorizer"]["jwt"]
            self.assertEqual(jwt["claims"]["sub"], "alice")
            self.assertEqual(jwt["claims"]["custom"], "5")
            self.assertEqual(jwt["claims"]["iss"], self.issuer.url)
            self.assertIsNone(jwt["scopes"])
        status, _, event = self.get("/v1?mode=echo", self.bearer(token))
        self.assertEqual(status, 200, event)
        self.assertEqual(event["requestContext"]["authorizer"]["claims"]["sub"], "alice")

    def test_invalid_tokens_are_401(self):
        other_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        unsigned = self.issuer.token().rsplit(".", 1)[0]
        none_alg = (b64url(b'{"alg":"none","typ":"JWT"}') + "." + unsigned.split(".")[1] + ".")
        cases = [
            (self.issuer.token(exp=int(time.time()) - 10), "the token has expired"),
            (self.issuer.token(aud="someone-else"), "the token does not have a valid audience"),
            (self.issuer.token(iss="http://127.0.0.1:1"), "the token does not have a valid issuer"),
            (self.issuer.token(nbf=int(time.time()) + 600), "the token is not valid yet"),
            (self.issuer.token(key=other_key), "the token's signature is invalid"),
            (self.issuer.token(header={"kid": "nope"}), "key id"),
            (none_alg, "signing method none is invalid"),
            (self.issuer.token(header={"alg": "HS256"}), "signing method HS256 is invalid"),
            ("garbage", "the token is malformed"),
        ]
        for token, description in cases:
            with self.subTest(description=description):
                self.assert_invalid("/jwt?mode=echo", self.bearer(token), description)
        self.assert_invalid("/jwt?mode=echo", {})
        # client_id stands in for a missing aud.
        status, _, event = self.get("/jwt?mode=echo",
                                    self.bearer(self.issuer.token(aud=None, client_id="other")))
        self.assertEqual(status, 200, event)

    def test_unknown_key_ids_refresh_the_key_set_at_most_once_a_minute(self):
        self.assertEqual(self.get("/jwt?mode=echo", self.bearer(self.issuer.token()))[0], 200)
        fetches = self.issuer.jwks_fetches
        for _ in range(3):
            self.assert_invalid("/jwt?mode=echo", self.bearer(self.issuer.token(
                header={"kid": "rotated"})))
        self.assertLessEqual(self.issuer.jwks_fetches, fetches + 1)

    def test_route_scopes(self):
        status, _, event = self.get("/read?mode=echo", self.bearer(self.issuer.token()))
        self.assertEqual(status, 200, event)
        self.assertEqual(event["requestContext"]["authorizer"]["jwt"]["scopes"], ["read", "write"])
        status, headers, body = self.get("/admin?mode=echo", self.bearer(self.issuer.token()))
        self.assertEqual((status, body), (403, {"message": "Forbidden"}))
        self.assertIn('error="insufficient_scope"', headers["www-authenticate"])
        status, _, _ = self.get("/admin?mode=echo",
                                self.bearer(self.issuer.token(scope=None, scp=["admin"])))
        self.assertEqual(status, 200)

    def test_an_issuer_that_cannot_be_reached_fails_closed(self):
        closed = Issuer()
        url = closed.url
        closed.close()
        authorizer = self.apigw.create_authorizer(
            ApiId=self.api_id, AuthorizerType="JWT", Name="gone",
            IdentitySource=["$request.header.Authorization"],
            JwtConfiguration={"Issuer": url, "Audience": ["api-client"]})["AuthorizerId"]
        self.route("GET /gone", self.v2, AuthorizationType="JWT", AuthorizerId=authorizer)
        self.assert_invalid("/gone?mode=echo", self.bearer(self.issuer.token(iss=url)),
                            "the signing keys could not be fetched")


class LambdaAuthorizerTest(AuthorizerCase):
    def setUp(self):
        super().setUp()
        self.authorizer_function = unique_name("authz")
        self.create_function(name=self.authorizer_function,
                             zip_bytes=python_zip("http_authorizer"),
                             handler="http_authorizer.lambda_handler")

    def authorizer(self, version="2.0", simple=False, ttl=0, sources=("$request.header.X-User",),
                   allowed=True):
        uri = (f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/"
               f"{function_arn(self.authorizer_function)}/invocations")
        kw = {"EnableSimpleResponses": True} if simple else {}
        authorizer = self.apigw.create_authorizer(
            ApiId=self.api_id, AuthorizerType="REQUEST", Name=unique_name("a"),
            AuthorizerUri=uri, IdentitySource=list(sources), AuthorizerPayloadFormatVersion=version,
            AuthorizerResultTtlInSeconds=ttl, **kw)["AuthorizerId"]
        if allowed:
            self.allow_gateway(self.authorizer_function, self.api_id, f"authorizers/{authorizer}")
        return authorizer

    def custom_route(self, key, integration, authorizer):
        self.route(key, integration, AuthorizationType="CUSTOM", AuthorizerId=authorizer)

    def test_simple_responses_allow_and_deny_with_context(self):
        self.custom_route("GET /simple", self.v2, self.authorizer(simple=True))
        status, _, event = self.get("/simple?mode=echo", {"X-User": "simple-allow"})
        self.assertEqual(status, 200, event)
        context = event["requestContext"]["authorizer"]["lambda"]
        self.assertEqual((context["user"], context["number"], context["list"]),
                         ("simple-allow", 7, ["a"]))
        self.assertEqual(context["arn"], f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{self.api_id}"
                                         "/$default/GET/simple")
        status, _, body = self.get("/simple?mode=echo", {"X-User": "simple-deny"})
        self.assertEqual((status, body), (403, {"message": "Forbidden"}))
        status, _, body = self.get("/simple?mode=echo")
        self.assertEqual((status, body), (401, {"message": "Unauthorized"}))
        status, _, body = self.get("/simple?mode=echo", {"X-User": "broken"})
        self.assertEqual((status, body), (500, {"message": "Internal Server Error"}))

    def test_policies_in_both_formats(self):
        self.custom_route("GET /v2", self.v2, self.authorizer())
        self.custom_route("GET /v1", self.v1, self.authorizer(version="1.0"))
        status, _, event = self.get("/v2?mode=echo", {"X-User": "allow"})
        self.assertEqual(status, 200, event)
        self.assertEqual(event["requestContext"]["authorizer"]["lambda"]["user"], "allow")
        status, _, event = self.get("/v1?mode=echo", {"X-User": "allow"})
        self.assertEqual(status, 200, event)
        authorizer = event["requestContext"]["authorizer"]
        self.assertEqual((authorizer["user"], authorizer["principalId"]), ("allow", "user-allow"))
        for path in ("/v1?mode=echo", "/v2?mode=echo"):
            self.assertEqual(self.get(path, {"X-User": "deny"})[0], 403)

    def test_answers_are_cached_by_identity_for_the_ttl(self):
        self.custom_route("GET /cached", self.v2, self.authorizer(simple=True, ttl=300))
        self.custom_route("GET /uncached", self.v2, self.authorizer(simple=True, ttl=0))

        def invocation(path, user):
            status, _, event = self.get(path, {"X-User": user})
            self.assertEqual(status, 200, event)
            return event["requestContext"]["authorizer"]["lambda"]["invocation"]

        self.assertEqual(invocation("/cached?mode=echo", "simple-allow"),
                         invocation("/cached?mode=echo", "simple-allow"))
        self.assertNotEqual(invocation("/uncached?mode=echo", "simple-allow"),
                            invocation("/uncached?mode=echo", "simple-allow"))

    def test_identity_sources_of_each_kind(self):
        authorizer = self.authorizer(simple=True, sources=(
            "$request.querystring.user", "$context.routeKey", "$request.header.X-Tenant"))
        self.custom_route("GET /query", self.v2, authorizer)
        status, _, event = self.get("/query?mode=echo&user=simple-allow", {"X-Tenant": "t"})
        self.assertEqual(status, 200, event)
        self.assertEqual(self.get("/query?mode=echo&user=simple-allow")[0], 401)

    def test_the_authorizer_needs_the_functions_permission(self):
        self.custom_route("GET /denied", self.v2, self.authorizer(simple=True, allowed=False))
        status, _, body = self.get("/denied?mode=echo", {"X-User": "simple-allow"})
        self.assertEqual((status, body), (500, {"message": "Internal Server Error"}))


if __name__ == "__main__":
    import unittest
    unittest.main()
