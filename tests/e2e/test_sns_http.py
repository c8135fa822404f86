"""SNS HTTP/HTTPS subscriptions, driven by boto3 against a small HTTP endpoint in the test: the
SubscriptionConfirmation handshake (confirmed by visiting SubscribeURL, anonymously, as
subscribers do), notifications with SNS's headers, every signature verified by the test with
openssl against the certificate fetched from SigningCertURL, raw delivery, retries under a
delivery policy, unsubscribing through UnsubscribeURL, and a delivery acknowledged before kill -9
made after restart."""

import base64
import http.server
import json
import os
import subprocess
import tempfile
import threading
import time
import urllib.request

from botocore.exceptions import ClientError

from serval_harness import ServalTestCase, unique_name

FAST_RETRIES = json.dumps({"healthyRetryPolicy": {
    "minDelayTarget": 1, "maxDelayTarget": 1, "numRetries": 3, "numNoDelayRetries": 0,
    "numMinDelayRetries": 0, "numMaxDelayRetries": 0, "backoffFunction": "linear"}})


class Endpoint:
    """An HTTP server on a free port that records every POST (headers and JSON body) and answers
    with the statuses queued in `answers` (then 200)."""

    def __init__(self, port=0):
        self.posts = []
        self.answers = []
        self.lock = threading.Lock()
        endpoint = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                with endpoint.lock:
                    endpoint.posts.append({"headers": {k.lower(): v for k, v in
                                                       self.headers.items()},
                                           "body": body, "path": self.path})
                    status = endpoint.answers.pop(0) if endpoint.answers else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def wait_for(self, count, timeout=30):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.posts) >= count:
                    return list(self.posts)
            time.sleep(0.05)
        raise AssertionError(f"{len(self.posts)} of {count} posts arrived in {timeout}s")

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# What SNS signs, in this order, for each message type (AWS's documented canonical string).
SIGNED_KEYS = {
    "Notification": ["Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type"],
    "SubscriptionConfirmation": ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token",
                                 "TopicArn", "Type"],
}


def verify_signature(message):
    """Checks `message`'s Signature with openssl against the certificate at SigningCertURL, as
    an SNS subscriber does; returns the certificate URL."""
    cert_url = message.get("SigningCertURL") or message.get("SigningCertUrl")
    with urllib.request.urlopen(cert_url, timeout=10) as response:
        certificate = response.read()
    text = "".join(f"{key}\n{message[key]}\n" for key in SIGNED_KEYS[message["Type"]]
                   if key in message and message[key] is not None)
    digest = {"1": "-sha1", "2": "-sha256"}[message["SignatureVersion"]]
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: os.path.join(tmp, name) for name in ("cert", "key", "sig", "data")}

        def write(name, data):
            with open(paths[name], "wb") as f:
                f.write(data)

        write("cert", certificate)
        write("sig", base64.b64decode(message["Signature"]))
        write("data", text.encode())
        write("key", subprocess.run(["openssl", "x509", "-pubkey", "-noout", "-in",
                                     paths["cert"]], check=True, capture_output=True).stdout)
        result = subprocess.run(["openssl", "dgst", digest, "-verify", paths["key"],
                                 "-signature", paths["sig"], paths["data"]],
                                capture_output=True, text=True)
    if result.returncode != 0:
        raise AssertionError(f"signature does not verify: {result.stdout} {result.stderr}\n"
                             f"signed text: {text!r}")
    return cert_url


class HttpSubscriptionTest(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sns = cls.serval.client("sns")

    def setUp(self):
        self.endpoint = Endpoint()
        self.addCleanup(self.endpoint.close)

    def subscribe_and_confirm(self, topic, **attributes):
        answer = self.sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=self.endpoint.url,
                                    Attributes=attributes)
        self.assertEqual(answer["SubscriptionArn"], "pending confirmation")
        confirmation = self.endpoint.wait_for(1)[0]
        message = json.loads(confirmation["body"])
        self.assertEqual(message["Type"], "SubscriptionConfirmation")
        self.assertEqual(confirmation["headers"]["x-amz-sns-message-type"],
                         "SubscriptionConfirmation")
        self.assertEqual(confirmation["headers"]["x-amz-sns-topic-arn"], topic)
        verify_signature(message)
        # A subscriber confirms by visiting SubscribeURL, without credentials.
        with urllib.request.urlopen(message["SubscribeURL"], timeout=10) as response:
            body = response.read().decode()
        self.assertIn("<ConfirmSubscriptionResult>", body)
        listed = self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        self.assertEqual(len(listed), 1)
        return listed[0]["SubscriptionArn"]

    def test_handshake_then_signed_notifications(self):
        topic = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        arn = self.subscribe_and_confirm(topic)
        self.assertTrue(arn.startswith(topic + ":"), arn)
        attributes = self.sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        self.assertEqual(attributes["PendingConfirmation"], "false")
        self.assertEqual(attributes["ConfirmationWasAuthenticated"], "false")
        self.assertIn("healthyRetryPolicy", json.loads(attributes["EffectiveDeliveryPolicy"]))
        published = self.sns.publish(TopicArn=topic, Message="over http", Subject="Hi",
                                     MessageAttributes={"k": {"DataType": "String",
                                                              "StringValue": "v"}})
        post = self.endpoint.wait_for(2)[1]
        headers = post["headers"]
        self.assertEqual(headers["x-amz-sns-message-type"], "Notification")
        self.assertEqual(headers["x-amz-sns-message-id"], published["MessageId"])
        self.assertEqual(headers["x-amz-sns-topic-arn"], topic)
        self.assertEqual(headers["x-amz-sns-subscription-arn"], arn)
        self.assertTrue(headers["content-type"].startswith("text/plain"))
        message = json.loads(post["body"])
        self.assertEqual(message["Message"], "over http")
        self.assertEqual(message["Subject"], "Hi")
        self.assertEqual(message["MessageAttributes"], {"k": {"Type": "String", "Value": "v"}})
        self.assertIn("UnsubscribeURL", message)
        verify_signature(message)
        # SignatureVersion 2 signs with SHA-256.
        self.sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion",
                                      AttributeValue="2")
        self.sns.publish(TopicArn=topic, Message="sha256 this time")
        message = json.loads(self.endpoint.wait_for(3)[2]["body"])
        self.assertEqual(message["SignatureVersion"], "2")
        self.assertNotIn("Subject", message)
        verify_signature(message)
        # UnsubscribeURL works without credentials.
        with urllib.request.urlopen(message["UnsubscribeURL"], timeout=10) as response:
            self.assertEqual(response.status, 200)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"], [])

    def test_nothing_is_sent_before_confirmation(self):
        topic = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=self.endpoint.url)
        self.endpoint.wait_for(1)
        self.sns.publish(TopicArn=topic, Message="too early")
        time.sleep(1.0)
        self.assertEqual(len(self.endpoint.posts), 1)
        listed = self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
        self.assertEqual(listed[0]["SubscriptionArn"], "PendingConfirmation")
        with self.assertRaises(ClientError) as ctx:
            self.sns.confirm_subscription(TopicArn=topic, Token="0" * 64)
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidParameter")
        # A signed ConfirmSubscription with the real token confirms, authenticated.
        token = json.loads(self.endpoint.posts[0]["body"])["Token"]
        arn = self.sns.confirm_subscription(TopicArn=topic, Token=token,
                                            AuthenticateOnUnsubscribe="true")["SubscriptionArn"]
        attributes = self.sns.get_subscription_attributes(SubscriptionArn=arn)["Attributes"]
        self.assertEqual(attributes["ConfirmationWasAuthenticated"], "true")
        self.sns.publish(TopicArn=topic, Message="now")
        self.assertEqual(json.loads(self.endpoint.wait_for(2)[1]["body"])["Message"], "now")
        # AuthenticateOnUnsubscribe: the anonymous link no longer unsubscribes.
        url = (f"{self.serval.endpoint}/SimpleNotificationService/?Action=Unsubscribe"
               f"&SubscriptionArn={arn}")
        with self.assertRaises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(url, timeout=10)
        self.assertEqual(refused.exception.code, 403)
        self.assertEqual(len(self.sns.list_subscriptions_by_topic(TopicArn=topic)[
            "Subscriptions"]), 1)

    def test_raw_delivery_and_filter(self):
        topic = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        arn = self.subscribe_and_confirm(topic, FilterPolicy='{"ok":["yes"]}')
        self.sns.set_subscription_attributes(SubscriptionArn=arn,
                                             AttributeName="RawMessageDelivery",
                                             AttributeValue="true")
        self.sns.publish(TopicArn=topic, Message="filtered out",
                         MessageAttributes={"ok": {"DataType": "String", "StringValue": "no"}})
        self.sns.publish(TopicArn=topic, Message="raw body",
                         MessageAttributes={"ok": {"DataType": "String", "StringValue": "yes"}})
        post = self.endpoint.wait_for(2)[1]
        time.sleep(0.5)
        self.assertEqual(len(self.endpoint.posts), 2)
        self.assertEqual(post["body"], b"raw body")
        self.assertEqual(post["headers"]["x-amz-sns-rawdelivery"], "true")

    def test_failed_deliveries_are_retried_by_the_policy(self):
        topic = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        arn = self.subscribe_and_confirm(topic)
        self.sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy",
                                             AttributeValue=FAST_RETRIES)
        self.endpoint.answers = [500, 503]
        self.sns.publish(TopicArn=topic, Message="eventually")
        posts = self.endpoint.wait_for(4, timeout=20)
        bodies = [json.loads(p["body"])["Message"] for p in posts[1:]]
        self.assertEqual(bodies, ["eventually"] * 3)
        for bad in ['{"healthyRetryPolicy":{"numRetries":3}}', "not json",
                    '{"healthyRetryPolicy":{"minDelayTarget":5,"maxDelayTarget":1,'
                    '"numRetries":1}}']:
            with self.assertRaises(ClientError) as ctx:
                self.sns.set_subscription_attributes(SubscriptionArn=arn,
                                                     AttributeName="DeliveryPolicy",
                                                     AttributeValue=bad)
            self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidParameter")

    def test_certificate_is_served_and_others_are_not(self):
        topic = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=self.endpoint.url)
        message = json.loads(self.endpoint.wait_for(1)[0]["body"])
        with urllib.request.urlopen(message["SigningCertURL"], timeout=10) as response:
            self.assertIn(b"BEGIN CERTIFICATE", response.read())
        with self.assertRaises(urllib.error.HTTPError) as ctx:
            urllib.request.urlopen(f"{self.serval.endpoint}/SimpleNotificationService-00.pem",
                                   timeout=10)
        self.assertEqual(ctx.exception.code, 404)

    def test_bad_http_subscriptions(self):
        topic = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        for protocol, endpoint in [("http", "https://example.com/x"), ("https", "ftp://x"),
                                   ("http", "")]:
            with self.assertRaises(ClientError) as ctx:
                self.sns.subscribe(TopicArn=topic, Protocol=protocol, Endpoint=endpoint)
            self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidParameter")


class HttpDurabilityTest(ServalTestCase):
    def test_delivery_acknowledged_before_kill_9_is_made_after_restart(self):
        sns = self.serval.client("sns")
        endpoint = Endpoint()
        port = endpoint.port
        topic = sns.create_topic(Name=unique_name("t"))["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
        token = json.loads(endpoint.wait_for(1)[0]["body"])["Token"]
        arn = sns.confirm_subscription(TopicArn=topic, Token=token)["SubscriptionArn"]
        sns.set_subscription_attributes(SubscriptionArn=arn, AttributeName="DeliveryPolicy",
                                        AttributeValue=FAST_RETRIES)
        endpoint.close()  # the endpoint is down: the delivery waits for a retry
        sns.publish(TopicArn=topic, Message="kept across kill -9")
        self.serval.kill()
        endpoint = Endpoint(port=port)
        self.addCleanup(endpoint.close)
        self.serval.start()
        post = endpoint.wait_for(1, timeout=30)[0]
        self.assertEqual(json.loads(post["body"])["Message"], "kept across kill -9")


if __name__ == "__main__":
    import unittest
    unittest.main()
