"""CloudWatch Logs bad input on the wire (issue 14 part 6): malformed JSON, wrongly typed
members, unknown operations, an oversized body, missing required parameters and names over 512
characters all get HTTP 400 in Logs' error shape {"__type": code, "message": text} (ref 2.1) and
change nothing; unsigned and badly signed requests are refused.

moto 5.2.1 lacks (marked `deviates`): 400s for malformed or wrongly typed bodies and unknown
operations (it answers 500 or accepts), InvalidParameterException for missing parameters, the
512-character limit, and signature checks.
"""

import json
import unittest

from logs_case import JSON_11, NAME_TOO_LONG, LogsCase


class LogsBadInputTest(LogsCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.group = cls.create_class_group()
        cls.logs.create_log_stream(logGroupName=cls.group, logStreamName="s")

    def assert_unchanged(self):
        with self.deviates("moto: stores (some of) what it should refuse, then fails with 500"):
            self.assertEqual([s["logStreamName"] for s in self.describe_streams(self.group)],
                             ["s"])
            self.assertEqual(self.get_messages(self.group, "s"), [])

    def test_the_shape_of_a_logs_error(self):
        status, headers, raw = self.raw_logs("DescribeLogStreams",
                                             {"logGroupName": self.group_name("missing")})
        self.assertEqual(status, 400, raw)
        err = json.loads(raw)
        self.assertEqual(err["__type"].split("#")[-1], "ResourceNotFoundException")
        self.assertEqual(err.get("message"), "The specified log group does not exist.", err)
        with self.deviates("moto: Content-Type application/json"):
            self.assertTrue(headers.get("content-type", "").startswith(JSON_11), headers)
        self.assertTrue(headers.get("x-amzn-requestid"), headers)

    def test_malformed_json(self):
        for body in (b'{"logGroupName": ', b"not json", b"\xff\xfe{}", b"[]", b'"string"',
                     b"{" * 10):
            with self.subTest(body=body), self.deviates("moto: 500 or acceptance"):
                self.raw_logs_error("CreateLogStream", body,
                                    ("SerializationException", "InvalidParameterException"))
        self.assert_unchanged()

    def test_wrong_types(self):
        cases = [("DescribeLogStreams", {"logGroupName": self.group, "limit": "5"}),
                 ("DescribeLogStreams", {"logGroupName": 42}),
                 ("PutLogEvents", {"logGroupName": self.group, "logStreamName": "s",
                                   "logEvents": [{"timestamp": "now", "message": "x"}]}),
                 ("PutLogEvents", {"logGroupName": self.group, "logStreamName": "s",
                                   "logEvents": {"timestamp": 1, "message": "x"}}),
                 ("PutLogEvents", {"logGroupName": self.group, "logStreamName": "s",
                                   "logEvents": [{"timestamp": 1, "message": ["x"]}]}),
                 ("GetLogEvents", {"logGroupName": self.group, "logStreamName": "s",
                                   "startFromHead": "yes"})]
        for op, body in cases:
            with self.subTest(op=op, body=body), self.deviates("moto: 500 or acceptance"):
                self.raw_logs_error(op, body,
                                    ("SerializationException", "InvalidParameterException"))
        self.assert_unchanged()

    def test_unknown_operation_and_target(self):
        with self.deviates("moto: 500 on an unknown operation"):
            err = self.raw_logs_error("DropEverything", {"logGroupName": self.group})
            self.assertIn(err["__type"].split("#")[-1],
                          ("UnknownOperationException", "InvalidAction"))
        with self.deviates("moto: 500 on another service's target"):
            self.raw_logs_error(None, {}, target="DynamoDB_20120810.ListTables")
        self.assert_unchanged()

    def test_oversized_body(self):
        # Over the 1,048,576 bytes a batch may have, by far (5 MB of messages).
        body = {"logGroupName": self.group, "logStreamName": "s",
                "logEvents": [{"timestamp": 1, "message": "x" * 1_000_000} for _ in range(5)]}
        status, _, raw = self.raw_logs("PutLogEvents", body)
        with self.deviates("moto: accepts it"):
            self.assertIn(status, (400, 413), raw[:300])
            if status == 400:
                self.assertIn(json.loads(raw)["__type"].split("#")[-1],
                              ("InvalidParameterException", "SerializationException"))
        self.assert_unchanged()

    def test_missing_required_parameters(self):
        cases = [("CreateLogGroup", {}, "logGroupName"),
                 ("CreateLogStream", {"logGroupName": self.group}, "logStreamName"),
                 ("PutLogEvents", {"logGroupName": self.group, "logStreamName": "s"},
                  "logEvents"),
                 ("PutLogEvents", {"logGroupName": self.group, "logStreamName": "s",
                                   "logEvents": [{"message": "no timestamp"}]}, "timestamp"),
                 ("GetLogEvents", {"logGroupName": self.group}, "logStreamName"),
                 ("PutRetentionPolicy", {"logGroupName": self.group}, "retentionInDays"),
                 ("PutSubscriptionFilter", {"logGroupName": self.group, "filterName": "f",
                                            "filterPattern": ""}, "destinationArn")]
        for op, body, member in cases:
            with self.subTest(op=op, member=member), \
                    self.deviates("moto: other codes or 500 for missing parameters"):
                err = self.raw_logs_error(op, body, "InvalidParameterException")
                self.assertIn(member, err.get("message", ""), err)
        self.assert_unchanged()

    def test_names_too_long(self):
        long_name = "n" * 513
        for op, body in (("CreateLogGroup", {"logGroupName": long_name}),
                         ("CreateLogStream", {"logGroupName": self.group,
                                              "logStreamName": long_name}),
                         ("DescribeLogStreams", {"logGroupName": long_name})):
            with self.subTest(op=op), self.deviates("moto: no 512-character limit"):
                err = self.raw_logs_error(op, body, "InvalidParameterException")
                if op == "CreateLogGroup":
                    self.assertEqual(err["message"], NAME_TOO_LONG)  # [recorded]
        self.assertEqual(self.describe_groups(logGroupNamePrefix="nnnnnnnn"), [])
        self.assert_unchanged()

    def test_names_and_tags_reserved_for_aws(self):
        for name in ("aws/mine", "AWS/Mine"):
            with self.subTest(name=name), self.deviates("moto: takes reserved names"):
                err = self.raw_logs_error("CreateLogGroup", {"logGroupName": name},
                                          "InvalidParameterException")
                self.assertEqual(err["message"],
                                 "Log groups starting with AWS/ are reserved for AWS.")
        # A function's group is the user's to create ahead of its first invocation.
        self.logs.create_log_group(logGroupName="/aws/lambda/made-by-hand")
        self.logs.delete_log_group(logGroupName="/aws/lambda/made-by-hand")
        for op, body in (("CreateLogGroup", {"logGroupName": self.group_name("t"),
                                             "tags": {"aws:owner": "me"}}),
                         ("TagLogGroup", {"logGroupName": self.group, "tags": {"AWS:x": "1"}})):
            with self.subTest(op=op), self.deviates("moto: takes aws: tag keys"):
                err = self.raw_logs_error(op, body, "InvalidParameterException")
                self.assertIn("^(?!aws:)", err["message"])
        self.assert_unchanged()

    def test_unsigned_and_badly_signed_requests_are_refused(self):
        name = self.group_name("unsigned")
        with self.deviates("moto: no signature check"):
            status, _, raw = self.raw_logs("CreateLogGroup", {"logGroupName": name}, sign=False)
            self.assertIn(status, (400, 403), raw)
            self.assertTrue(json.loads(raw).get("__type"), raw)
            bad = self.serval.client("logs")
            bad._request_signer._credentials.secret_key = "not-the-secret"  # noqa: SLF001
            err = self.error_of(bad.create_log_group, logGroupName=name)
            self.assertIn(err["Error"]["Code"],
                          ("InvalidSignatureException", "UnrecognizedClientException"))
            self.assertIn(err["ResponseMetadata"]["HTTPStatusCode"], (400, 403))
            # Signed for another service's scope.
            status, _, raw = self.serval.raw_json("lambda", "Logs_20140328.CreateLogGroup",
                                                  {"logGroupName": name}, JSON_11)
            self.assertIn(status, (400, 403), raw)
            self.assertIsNone(self.describe_group(name))


if __name__ == "__main__":
    unittest.main()
