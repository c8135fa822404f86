"""Issue 8: the HTTP edge, attacked as an attacker would - authentication bypasses, requests that
should be refused before their body, credential scopes, descriptor exhaustion, slow clients,
unread responses, malformed HTTP and connection floods."""

import hashlib
import json
import os
import re
import select
import socket
import time
import unittest
import urllib.parse

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config
from botocore.exceptions import ClientError

from serval_harness import ACCESS_KEY, REGION, SECRET_KEY, ServalTestCase, make_zip, \
    unique_name

HUGE = 80_000_000  # declared Content-Length above the edge's 70167211-byte limit


def connect(port, rcvbuf=None, timeout=10.0):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf is not None:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    sock.settimeout(timeout)
    sock.connect(("127.0.0.1", port))
    return sock


def read_response(sock):
    """Reads one HTTP response (headers, then Content-Length bytes of body).
    Returns (status, lowercased headers, body); status None if the server closed first."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None, {}, data
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return status, headers, body


def closed_within(sock, seconds):
    """True when the server closes `sock` (EOF or reset) within `seconds`, reading what comes."""
    sock.settimeout(0.2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if not sock.recv(65536):
                return True
        except socket.timeout:
            continue
        except (ConnectionResetError, BrokenPipeError):
            return True
    return False


def closed_now(sock):
    """True when the server has already closed `sock`; does not wait."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except ConnectionResetError:
        return True


def trickle_until_closed(sock, data, step):
    """Sends `data` `step` bytes every 0.25 s until the server closes the connection. Returns
    the seconds that took, or None if all of `data` went through."""
    started = time.monotonic()
    for i in range(0, len(data), step):
        try:
            sock.sendall(data[i:i + step])
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started
        if closed_within(sock, 0.25):
            return time.monotonic() - started
    return None


def request_bytes(method, target, headers, body=b""):
    lines = [f"{method} {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class EdgeTestCase(ServalTestCase):

    @property
    def port(self):
        return self.serval.port

    def host(self):
        return f"127.0.0.1:{self.port}"

    def signed_headers(self, method, target, body=b"", service="lambda", region=REGION,
                       secret=SECRET_KEY, extra=None):
        """Headers botocore's signer produces for this request (Host included)."""
        req = botocore.awsrequest.AWSRequest(method=method, url=self.serval.endpoint + target,
                                             data=body, headers=dict(extra or {}))
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, secret), service,
                                region).add_auth(req)
        headers = {"Host": self.host()}
        headers.update(req.headers.items())
        return headers

    def send(self, method, target, headers, body=b""):
        with connect(self.port) as sock:
            sock.sendall(request_bytes(method, target, headers, body))
            return read_response(sock)

    def assert_json_error(self, status, headers, body, statuses, codes):
        self.assertIn(status, statuses, body)
        document = json.loads(body)
        self.assertIn(document["__type"], codes, document)
        self.assertEqual(headers.get("x-amzn-errortype"), document["__type"])
        self.assertTrue(document["message"])


class AuthenticationBeforeBodyTest(EdgeTestCase):
    """Default limits: nothing a service does is reachable without a valid signature."""

    def test_oversized_content_length_does_not_skip_the_signature(self):
        name = unique_name("victim")
        self.create_function(name=name, Environment={"Variables": {"SECRET": "hunter2"}})
        self.lam.add_permission(FunctionName=name, StatementId="s1", Action="lambda:InvokeFunction",
                                Principal="events.amazonaws.com")
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=5)
        location = self.lam.get_function(FunctionName=name)["Code"]["Location"]
        code_path = urllib.parse.urlsplit(location).path
        events = self.serval.client("events")
        rule = unique_name("rule")
        events.put_rule(Name=rule, ScheduleExpression="rate(1 hour)")
        self.addCleanup(events.delete_rule, Name=rule)

        fn = f"/2015-03-31/functions/{name}"
        attacks = [
            ("GET", fn, {}), ("DELETE", fn, {}), ("GET", fn + "/policy", {}),
            ("GET", fn + "/aliases", {}), ("GET", fn + "/versions", {}),
            ("GET", f"/2019-09-30/functions/{name}/concurrency", {}),
            ("DELETE", f"/2017-10-31/functions/{name}/concurrency", {}),
            ("GET", code_path, {}),
            ("POST", "/", {"X-Amz-Target": "AWSEvents.DeleteRule",
                           "Content-Type": "application/x-amz-json-1.1"}),
            ("POST", "/", {"X-Amz-Target": "AWSEvents.ListRules",
                           "Content-Type": "application/x-amz-json-1.1"}),
        ]
        for method, target, extra in attacks:
            with self.subTest(method=method, target=target):
                headers = {"Host": self.host(), "Content-Length": str(HUGE), **extra}
                status, resp_headers, body = self.send(method, target, headers)
                self.assertIn(status, (403, 413), body)
                self.assertNotIn(b"hunter2", body)
                self.assertNotIn(b"PK", body[:2])
                self.assertNotIn(rule.encode(), body)
        # Nothing was deleted or changed.
        config = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(config["Environment"]["Variables"]["SECRET"], "hunter2")
        self.assertEqual(
            self.lam.get_function_concurrency(FunctionName=name)["ReservedConcurrentExecutions"], 5)
        self.assertEqual(events.describe_rule(Name=rule)["Name"], rule)

    def test_signed_oversized_request_gets_413_before_routing(self):
        name = unique_name("victim")
        self.create_function(name=name)
        target = f"/2015-03-31/functions/{name}"
        headers = self.signed_headers("DELETE", target)
        headers["Content-Length"] = str(HUGE)
        status, resp_headers, body = self.send("DELETE", target, headers)
        self.assert_json_error(status, resp_headers, body, (413,),
                               ("RequestEntityTooLargeException",))
        self.assertEqual(self.lam.get_function(FunctionName=name)["Configuration"]["FunctionName"],
                         name)

    def test_unsigned_request_is_refused_before_its_body_is_sent(self):
        name = unique_name("fn")
        self.create_function(name=name)
        with connect(self.port, timeout=5) as sock:
            t0 = time.monotonic()
            sock.sendall(request_bytes("POST", f"/2015-03-31/functions/{name}/invocations",
                                       {"Host": self.host(), "Content-Length": "1000000"}))
            status, headers, body = read_response(sock)  # no body byte sent
            self.assertLess(time.monotonic() - t0, 3)
        self.assert_json_error(status, headers, body, (403,),
                               ("MissingAuthenticationTokenException",))

    def test_wrong_secret_with_declared_payload_hash_is_refused_before_the_body(self):
        body = b'{"hello": "world"}'
        target = "/2015-03-31/functions/anything/invocations"
        headers = self.signed_headers(
            "POST", target, body, secret="not-the-secret",
            extra={"X-Amz-Content-SHA256": hashlib.sha256(body).hexdigest()})
        headers["Content-Length"] = str(len(body))
        with connect(self.port, timeout=5) as sock:
            sock.sendall(request_bytes("POST", target, headers))  # the body never follows
            status, resp_headers, resp_body = read_response(sock)
        self.assert_json_error(status, resp_headers, resp_body, (403,),
                               ("InvalidSignatureException",))

    def test_unknown_key_and_skewed_clock_are_refused_before_the_body(self):
        target = "/2015-03-31/functions/anything/invocations"
        unknown = self.signed_headers("POST", target, b"{}")
        unknown["Authorization"] = unknown["Authorization"].replace(
            f"Credential={ACCESS_KEY}/", "Credential=AKIDNOBODY/")
        skewed = self.signed_headers("POST", target, b"{}")
        skewed["X-Amz-Date"] = "20200101T000000Z"
        for headers, code in ((unknown, "UnrecognizedClientException"),
                              (skewed, "InvalidSignatureException")):
            with self.subTest(code=code), connect(self.port, timeout=5) as sock:
                headers["Content-Length"] = "100000"
                sock.sendall(request_bytes("POST", target, headers))
                status, resp_headers, body = read_response(sock)
                self.assert_json_error(status, resp_headers, body, (403,), (code,))

    def test_credential_scoped_to_another_region_is_refused(self):
        other = boto3.client("lambda", endpoint_url=self.serval.endpoint, region_name="eu-west-1",
                             aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
                             config=Config(retries={"total_max_attempts": 1}))
        with self.assertRaises(ClientError) as ctx:
            other.list_functions()
        err = self.assert_aws_error(ctx, "InvalidSignatureException", 403)
        self.assertEqual(err.response["Error"]["Message"],
                         "Credential should be scoped to a valid region, not 'eu-west-1'. ")

    def test_credential_scoped_to_another_service_is_refused(self):
        target = "/2015-03-31/functions"
        status, headers, body = self.send("GET", target,
                                          self.signed_headers("GET", target, service="events"))
        self.assert_json_error(status, headers, body, (403,), ("InvalidSignatureException",))
        self.assertEqual(json.loads(body)["message"],
                         "Credential should be scoped to correct service: 'lambda'. ")
        # And an EventBridge call signed for Lambda.
        events_body = b"{}"
        extra = {"X-Amz-Target": "AWSEvents.ListRules",
                 "Content-Type": "application/x-amz-json-1.1"}
        headers = self.signed_headers("POST", "/", events_body, service="lambda", extra=extra)
        headers["Content-Length"] = str(len(events_body))
        status, resp_headers, body = self.send("POST", "/", headers, events_body)
        self.assert_json_error(status, resp_headers, body, (403,), ("InvalidSignatureException",))
        self.assertIn("'events'", json.loads(body)["message"])

    def test_malformed_http_gets_400(self):
        with connect(self.port, timeout=5) as sock:
            sock.sendall(b"THIS IS NOT HTTP AT ALL\r\n\r\n")
            status, headers, body = read_response(sock)
        self.assert_json_error(status, headers, body, (400,), ("BadRequestException",))

    def test_huge_header_gets_431(self):
        with connect(self.port, timeout=5) as sock:
            sock.sendall(request_bytes("GET", "/_serval/health",
                                       {"Host": self.host(), "X-Padding": "a" * 100_000}))
            status, headers, body = read_response(sock)
        self.assert_json_error(status, headers, body, (431,),
                               ("RequestHeaderFieldsTooLargeException",))
        self.assertTrue(self.serval.healthy())


class DeadlinesAndCapsTest(EdgeTestCase):
    """Short deadlines and a small connection cap, so slow clients are cut off in seconds."""

    SERVAL_ARGS = ("--request-header-timeout-seconds", "2", "--transfer-timeout-seconds", "2",
                   "--max-connections", "8")

    def test_slow_header_is_cut_off(self):
        with connect(self.port) as sock:
            header = b"GET /_serval/health HTTP/1.1\r\nHost: x\r\nX-Slow: " + b"a" * 40
            seconds = trickle_until_closed(sock, header, 1)  # 4 B/s for 20 s
            self.assertIsNotNone(seconds, "a header trickling for 20 s was still being read")
            self.assertLess(seconds, 5)

    def test_silent_connection_is_cut_off(self):
        with connect(self.port) as sock:
            self.assertTrue(closed_within(sock, 5))

    def test_slow_body_is_cut_off(self):
        target = "/2015-03-31/functions/anything/invocations"
        body = b"x" * 2000
        headers = self.signed_headers("POST", target, body)
        headers["Content-Length"] = str(len(body))
        with connect(self.port) as sock:
            sock.sendall(request_bytes("POST", target, headers))
            seconds = trickle_until_closed(sock, body, 10)  # 40 B/s for 50 s
            self.assertIsNotNone(seconds, "a body trickling at 40 B/s was still being read")
            self.assertLess(seconds, 6)

    def test_unread_response_is_released_by_the_write_deadline(self):
        name = unique_name("big")
        payload = os.urandom(8 << 20)  # incompressible: the zip stays 8 MB
        self.create_function(name=name, zip_bytes=make_zip({
            "echo.py": "def lambda_handler(event, context):\n    return event\n",
            "blob.bin": payload}))
        location = self.lam.get_function(FunctionName=name)["Code"]["Location"]
        parts = urllib.parse.urlsplit(location)
        with connect(self.port, rcvbuf=4096) as sock:
            sock.sendall(request_bytes("GET", parts.path + "?" + parts.query,
                                       {"Host": self.host()}))
            time.sleep(5)  # never read: the server's write stalls past its 2 s deadline
            received = 0
            sock.settimeout(5)
            try:
                while True:
                    chunk = sock.recv(1 << 20)
                    if not chunk:
                        break
                    received += len(chunk)
            except (ConnectionResetError, socket.timeout):
                pass
        self.assertLess(received, len(payload), "the stalled response was kept, not released")

    def test_connection_cap_answers_overloaded(self):
        held = []
        try:
            for _ in range(8):
                held.append(connect(self.port))
            time.sleep(0.3)
            with connect(self.port, timeout=5) as sock:
                sock.sendall(request_bytes("GET", "/_serval/health", {"Host": self.host()}))
                status, headers, body = read_response(sock)
            self.assert_json_error(status, headers, body, (429,), ("TooManyRequestsException",))
        finally:
            for sock in held:
                sock.close()
        # Once they are gone, clients are served again.
        deadline = time.monotonic() + 5
        while not self.serval.healthy():
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)


class DescriptorExhaustionTest(EdgeTestCase):
    """Serval runs with a small RLIMIT_NOFILE it cannot raise; a flood of connections exhausts
    it. Accepting must survive that."""

    RLIMIT_NOFILE = 64

    def test_accept_survives_running_out_of_descriptors(self):
        flood = []
        try:
            for _ in range(120):
                flood.append(connect(self.port))
            # Connections beyond the limit are closed by Serval rather than left hanging.
            time.sleep(1.5)
            shed = sum(1 for sock in flood if closed_now(sock))
            self.assertGreater(shed, 0, "no connection beyond the limit was closed")
        finally:
            for sock in flood:
                sock.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                self.assertIn("Functions", self.serval.client(read_timeout=3).list_functions())
                break
            except Exception:  # still shedding the backlog
                self.assertLess(time.monotonic(), deadline, "Serval stopped accepting for good")
                time.sleep(0.2)
        log = self.serval.log_text()
        self.assertIn("Too many open files", log)
        # Logged once per burst, not once per failed accept.
        self.assertLess(len(re.findall(r"accept on port \d+ failed", log)), 5, log[-2000:])


if __name__ == "__main__":
    unittest.main()
