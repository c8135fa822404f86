"""Issue 3 item 5: every API request is authenticated with AWS Signature Version 4."""

import datetime
import json
import os
import unittest
from unittest import mock

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config
from botocore.exceptions import ClientError

from serval_harness import REGION, ServalProcess, ServalTestCase

LIST_PATH = "/2015-03-31/functions"


def signed_headers(endpoint, path, key, secret, when=None, body=b""):
    """Headers botocore's own signer produces, optionally as if signed at `when` (UTC)."""
    req = botocore.awsrequest.AWSRequest(method="GET", url=endpoint + path, data=body)
    signer = botocore.auth.SigV4Auth(botocore.credentials.Credentials(key, secret), "lambda", REGION)
    if when is None:
        signer.add_auth(req)
    elif hasattr(botocore.auth, "get_current_datetime"):  # botocore >= 1.31
        with mock.patch("botocore.auth.get_current_datetime", return_value=when):
            signer.add_auth(req)
    else:  # older botocore (Debian's) reads datetime.datetime.utcnow()
        fake = mock.Mock(wraps=datetime.datetime)
        fake.utcnow.return_value = when.replace(tzinfo=None)
        with mock.patch("botocore.auth.datetime.datetime", fake):
            signer.add_auth(req)
    return dict(req.headers.items())


class SignatureTest(ServalTestCase):

    def client_with(self, key, secret):
        return boto3.client("lambda", endpoint_url=self.serval.endpoint, region_name=REGION,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            config=Config(retries={"total_max_attempts": 1}))

    def assert_refused(self, status, headers, body, code, http_status=403):
        self.assertEqual(status, http_status, body)
        self.assertEqual(headers.get("x-amzn-errortype"), code)
        self.assertEqual(json.loads(body)["__type"], code)

    def test_unsigned_request_is_refused(self):
        status, headers, body = self.serval.raw("GET", LIST_PATH, sign=False)
        self.assert_refused(status, headers, body, "MissingAuthenticationTokenException")

    def test_health_needs_no_signature(self):
        status, _, body = self.serval.raw("GET", "/_serval/health", sign=False)
        self.assertEqual((status, json.loads(body)), (200, {"status": "ok"}))

    def test_right_key_works_wrong_secret_and_unknown_key_do_not(self):
        self.assertIn("Functions", self.client_with("test", "test").list_functions())
        with self.assertRaises(ClientError) as ctx:
            self.client_with("test", "not-the-secret").list_functions()
        self.assert_aws_error(ctx, "InvalidSignatureException", 403)
        with self.assertRaises(ClientError) as ctx:
            self.client_with("AKIDUNKNOWN", "whatever").list_functions()
        self.assert_aws_error(ctx, "UnrecognizedClientException", 403)

    def test_cli_with_wrong_secret_is_refused(self):
        env = self.serval.cli_env()
        env["AWS_SECRET_ACCESS_KEY"] = "wrong"
        out = self.serval.cli("lambda", "list-functions", check=False, env=env)
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("InvalidSignatureException", out.stderr)

    def test_timestamps_more_than_15_minutes_off_are_refused(self):
        now = datetime.datetime.now(datetime.timezone.utc)
        for offset in (datetime.timedelta(minutes=-16), datetime.timedelta(minutes=16)):
            with self.subTest(offset=offset):
                headers = signed_headers(self.serval.endpoint, LIST_PATH, "test", "test",
                                         when=now + offset)
                status, resp_headers, body = self.serval.raw("GET", LIST_PATH, headers=headers,
                                                             sign=False)
                self.assert_refused(status, resp_headers, body, "InvalidSignatureException")
        headers = signed_headers(self.serval.endpoint, LIST_PATH, "test", "test",
                                 when=now - datetime.timedelta(minutes=10))
        status, _, body = self.serval.raw("GET", LIST_PATH, headers=headers, sign=False)
        self.assertEqual(status, 200, body)

    def test_tampered_body_is_refused(self):
        path = "/2015-03-31/functions/any/invocations"
        req = botocore.awsrequest.AWSRequest(method="POST", url=self.serval.endpoint + path,
                                             data=b'{"a":1}')
        botocore.auth.SigV4Auth(botocore.credentials.Credentials("test", "test"), "lambda",
                                REGION).add_auth(req)
        status, headers, body = self.serval.raw("POST", path, body=b'{"a":2}',
                                                headers=dict(req.headers.items()), sign=False)
        self.assert_refused(status, headers, body, "InvalidSignatureException")


class CodeLocationTest(ServalTestCase):

    def test_code_location_is_a_presigned_url_for_the_zip(self):
        from serval_harness import python_zip
        import urllib.error
        import urllib.request
        zip_bytes = python_zip("echo")
        name = self.create_function(zip_bytes=zip_bytes)["FunctionName"]
        code = self.lam.get_function(FunctionName=name)["Code"]
        self.assertEqual(code["RepositoryType"], "S3")
        self.assertIn("X-Amz-Signature=", code["Location"])
        with urllib.request.urlopen(code["Location"], timeout=10) as response:
            self.assertEqual(response.read(), zip_bytes)  # no credentials needed: presigned
        unsigned = code["Location"].split("?")[0]
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(unsigned, timeout=10)
        self.assertEqual(ctx.exception.code, 403)
        tampered = code["Location"].replace("X-Amz-Expires=600", "X-Amz-Expires=601")
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(tampered, timeout=10)
        self.assertEqual(ctx.exception.code, 403)


class CredentialsFileTest(unittest.TestCase):

    def start(self, **kw):
        serval = ServalProcess(**kw)
        self.addCleanup(serval.cleanup)
        self.addCleanup(serval.kill)
        return serval

    def client(self, serval, key, secret):
        return boto3.client("lambda", endpoint_url=serval.endpoint, region_name=REGION,
                            aws_access_key_id=key, aws_secret_access_key=secret,
                            config=Config(retries={"total_max_attempts": 1}))

    def test_operator_keys_replace_the_default(self):
        serval = self.start()
        os.makedirs(serval.data_dir, exist_ok=True)
        with open(os.path.join(serval.data_dir, "credentials"), "w") as f:
            f.write("# operator keys\nAKIDOPERATOR0001 s3cr3t/with+chars\n")
        serval.start()
        self.assertIn("Functions",
                      self.client(serval, "AKIDOPERATOR0001", "s3cr3t/with+chars").list_functions())
        with self.assertRaises(ClientError) as ctx:
            self.client(serval, "test", "test").list_functions()
        self.assertEqual(ctx.exception.response["Error"]["Code"], "UnrecognizedClientException")
        serval.stop()

    def test_no_auth_accepts_unsigned_requests(self):
        serval = self.start(extra_args=["--no-auth"])
        serval.start()
        status, _, body = serval.raw("GET", LIST_PATH, sign=False)
        self.assertEqual(status, 200, body)
        serval.stop()

    def test_credentials_flag_and_bad_file(self):
        serval = self.start()
        keys = os.path.join(serval.tmp_root, "keys")
        with open(keys, "w") as f:
            f.write("FLAGKEY flagsecret\n")
        serval.extra_args = ["--credentials-file", keys]
        serval.start()
        self.assertIn("Functions", self.client(serval, "FLAGKEY", "flagsecret").list_functions())
        serval.stop()
        with open(keys, "w") as f:
            f.write("only-one-field\n")
        with self.assertRaises(AssertionError):  # serval refuses to start, saying why
            serval.start()
        self.assertIn("keys", serval.log_tail())


if __name__ == "__main__":
    unittest.main()
