"""Issue 14 item 4/6: the dashboard at /_serval/ is readable only with the API's credentials (a
login session, SigV4 or Basic auth), and sends its security headers. Plain http.client: nothing
follows redirects behind the test's back."""

import base64
import http.client
import json
import unittest
import urllib.parse

import botocore.auth
import botocore.awsrequest
import botocore.credentials

from serval_harness import REGION, ServalProcess, ServalTestCase

PAGES = ["/_serval/", "/_serval/ui/app.js", "/_serval/ui/vendor/uplot/uPlot.iife.min.js"]
JSON = ["/_serval/api/overview?span=3600", "/_serval/api/queue",
        "/_serval/api/logs?function=x", "/_serval/api/function?name=x"]


def request(endpoint, method, path, body=None, headers=None):
    """(status, lower-cased headers, body bytes) of one request, redirects not followed."""
    url = urllib.parse.urlsplit(endpoint)
    conn = http.client.HTTPConnection(url.hostname, url.port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def login(endpoint, key, secret):
    form = urllib.parse.urlencode({"access_key_id": key, "secret_access_key": secret})
    return request(endpoint, "POST", "/_serval/login", form,
                   {"Content-Type": "application/x-www-form-urlencoded"})


def sigv4_headers(endpoint, path, secret="test", service="monitoring"):
    req = botocore.awsrequest.AWSRequest(method="GET", url=endpoint + path)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", secret), service,
                            REGION).add_auth(req)
    return dict(req.headers.items())


class DashboardAuthTest(ServalTestCase):

    def get(self, path, headers=None):
        return request(self.serval.endpoint, "GET", path, headers=headers)

    def session_cookie(self):
        status, headers, _ = login(self.serval.endpoint, "test", "test")
        self.assertEqual(status, 303)
        self.assertEqual(headers["location"], "/_serval/")
        cookie = headers["set-cookie"]
        for attribute in ("HttpOnly", "SameSite=Strict", "Path=/_serval/", "Max-Age="):
            self.assertIn(attribute, cookie)
        return cookie.split(";")[0]

    def test_anonymous_requests_are_refused(self):
        for path in PAGES + ["/_serval/ui/nope.js", "/_serval"]:
            status, headers, _ = self.get(path)
            self.assertEqual(status, 303, path)
            self.assertIn(headers["location"], ("/_serval/login", "/_serval/"), path)
        for path in JSON:
            status, headers, body = self.get(path)
            self.assertEqual(status, 401, path)
            self.assertEqual(headers["content-type"], "application/json")
            self.assertIn("message", json.loads(body))
        # A forged or stale cookie is no session.
        status, _, _ = self.get(JSON[0], {"Cookie": "serval_session=" + "0" * 64})
        self.assertEqual(status, 401)

    def test_login_page_and_its_stylesheet_are_open_and_nothing_else(self):
        status, headers, body = self.get("/_serval/login")
        self.assertEqual(status, 200)
        self.assertIn(b'name="secret_access_key"', body)
        self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
        self.assertIn("script-src 'self'", headers["content-security-policy"])
        self.assertNotIn("unsafe-inline", headers["content-security-policy"])
        self.assertEqual(headers["x-content-type-options"], "nosniff")
        self.assertEqual(self.get("/_serval/login.css")[0], 200)
        # Serval's own open endpoints stay open.
        self.assertEqual(self.get("/_serval/health")[0], 200)

    def test_wrong_secret_and_unknown_key_are_refused(self):
        for key, secret in (("test", "wrong"), ("nobody", "test"), ("test", "")):
            status, headers, body = login(self.serval.endpoint, key, secret)
            self.assertEqual(status, 401, (key, secret))
            self.assertNotIn("set-cookie", headers)
            self.assertIn(b"The access key or secret is wrong.", body)
        status, _, _ = self.get(JSON[0], {
            "Authorization": "Basic " + base64.b64encode(b"test:wrong").decode()})
        self.assertEqual(status, 401)
        status, _, _ = self.get(JSON[0], sigv4_headers(self.serval.endpoint, JSON[0], "wrong"))
        self.assertEqual(status, 403)

    def test_session_cookie_opens_everything_until_logout(self):
        cookie = self.session_cookie()
        for path in PAGES:
            status, headers, body = self.get(path, {"Cookie": cookie})
            self.assertEqual(status, 200, path)
            self.assertIn("frame-ancestors 'none'", headers["content-security-policy"])
        status, headers, body = self.get(JSON[0], {"Cookie": cookie})
        self.assertEqual(status, 200)
        self.assertEqual(headers["cache-control"], "no-store")
        overview = json.loads(body)
        self.assertIn("totals", overview)
        status, headers, _ = request(self.serval.endpoint, "POST", "/_serval/logout",
                                     headers={"Cookie": cookie})
        self.assertEqual(status, 303)
        self.assertIn("Max-Age=0", headers["set-cookie"])
        self.assertEqual(self.get(JSON[0], {"Cookie": cookie})[0], 401)

    def test_sigv4_and_basic_auth_work(self):
        status, _, body = self.get(JSON[1], sigv4_headers(self.serval.endpoint, JSON[1]))
        self.assertEqual(status, 200, body)
        self.assertIn("async_queued", json.loads(body))
        status, _, body = self.get("/_serval/", {
            "Authorization": "Basic " + base64.b64encode(b"test:test").decode()})
        self.assertEqual(status, 200)
        self.assertIn(b"<html", body)

    def test_code_downloads_stay_lambdas(self):
        # /_serval/code/ is Lambda's (presigned); the dashboard does not claim it.
        status, headers, body = self.get("/_serval/code/nothing.zip")
        self.assertEqual(status, 403, body)
        self.assertNotIn("location", headers)


class DashboardNoAuthTest(unittest.TestCase):

    def test_no_auth_opens_it_like_the_rest(self):
        serval = ServalProcess(extra_args=["--no-auth"])
        self.addCleanup(serval.cleanup)
        self.addCleanup(serval.kill)
        serval.start()
        status, _, body = request(serval.endpoint, "GET", "/_serval/api/queue")
        self.assertEqual(status, 200, body)
        serval.stop()


if __name__ == "__main__":
    unittest.main()
