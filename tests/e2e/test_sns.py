"""SNS with boto3 and the AWS CLI: topics (attributes, tags, idempotent creation, paging),
Lambda subscriptions, Publish and PublishBatch fanned out to functions that record the event they
got (the SNS envelope as AWS delivers it), filter policies on attributes and on the body, FIFO
topics, SNS's error shape for bad input, and a Publish acknowledged before kill -9 delivered after
restart."""

import json
import re
import time

from botocore.exceptions import ClientError

from serval_harness import (ACCOUNT, REGION, ServalProcess, ServalTestCase, function_arn,
                            python_zip, unique_name)

TIMESTAMP_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def topic_arn(name):
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"


class SnsCase(ServalTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sns = cls.serval.client("sns")
        cls.s3 = cls.serval.client("s3")

    def assert_error(self, response, code, status, message=None):
        self.assertEqual(response["Error"]["Code"], code, response)
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status, response)
        self.assertEqual(response["Error"].get("Type"), "Sender", response)
        if message is not None:
            self.assertEqual(response["Error"]["Message"], message)

    def recorder(self, allow_topic=None):
        """A function that writes each event it gets into a fresh bucket; returns (function name,
        bucket). SNS may invoke it for `allow_topic` when given."""
        bucket = unique_name("rec").lower()
        self.s3.create_bucket(Bucket=bucket)
        permission = ({"Principal": "sns.amazonaws.com", "SourceArn": allow_topic}
                      if allow_topic else {})
        return self.recorder_function(bucket, **permission), bucket

    def recorded(self, bucket, count, timeout=60):
        """The events the recorder wrote into `bucket`, once there are `count`."""
        return self.recorded_events(self.s3, bucket, count, timeout)

    def subscribed_recorder(self, topic, **attributes):
        name, bucket = self.recorder(allow_topic=topic)
        arn = self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(name),
                                 Attributes=attributes,
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]
        return arn, bucket


class TopicTest(SnsCase):
    def test_create_is_idempotent_and_keeps_attributes_and_tags(self):
        name = unique_name("t")
        arn = self.sns.create_topic(Name=name, Attributes={"DisplayName": "Shown"},
                                    Tags=[{"Key": "team", "Value": "a"}])["TopicArn"]
        self.assertEqual(arn, topic_arn(name))
        self.assertEqual(self.sns.create_topic(Name=name)["TopicArn"], arn)
        self.assertEqual(self.sns.create_topic(Name=name, Attributes={"DisplayName": "Shown"})
                         ["TopicArn"], arn)
        self.assert_error(self.error_of(self.sns.create_topic, Name=name,
                                        Attributes={"DisplayName": "Other"}),
                          "InvalidParameter", 400,
                          "Invalid parameter: Attributes Reason: Topic already exists with "
                          "different attributes")
        self.assert_error(self.error_of(self.sns.create_topic, Name=name,
                                        Tags=[{"Key": "team", "Value": "b"}]),
                          "InvalidParameter", 400,
                          "Invalid parameter: Tags Reason: Topic already exists with different "
                          "tags")
        attributes = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(attributes["DisplayName"], "Shown")
        self.assertEqual(attributes["TopicArn"], arn)
        self.assertEqual(attributes["Owner"], ACCOUNT)
        self.assertEqual(attributes["SubscriptionsConfirmed"], "0")
        policy = json.loads(attributes["Policy"])
        self.assertEqual(policy["Statement"][0]["Resource"], arn)
        delivery = json.loads(attributes["EffectiveDeliveryPolicy"])
        self.assertEqual(delivery["http"]["defaultHealthyRetryPolicy"]["numRetries"], 3)
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "team", "Value": "a"}])

    def test_set_attributes_and_tags(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName",
                                      AttributeValue="New name")
        policy = json.dumps({"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
             "Action": "SNS:Publish", "Resource": arn}]})
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=policy)
        attributes = self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]
        self.assertEqual(attributes["DisplayName"], "New name")
        self.assertEqual(json.loads(attributes["Policy"]), json.loads(policy))
        self.sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "a", "Value": "1"},
                                                     {"Key": "b", "Value": "2"}])
        self.sns.untag_resource(ResourceArn=arn, TagKeys=["a"])
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "b", "Value": "2"}])
        for name, value in [("Nonsense", "x"), ("Policy", "{not json"),
                            ("SignatureVersion", "3")]:
            self.assert_error(self.error_of(self.sns.set_topic_attributes, TopicArn=arn,
                                            AttributeName=name, AttributeValue=value),
                              "InvalidParameter", 400)
        self.assert_error(self.error_of(self.sns.tag_resource, ResourceArn=topic_arn("nope"),
                                        Tags=[{"Key": "a", "Value": "1"}]),
                          "ResourceNotFound", 404)

    def test_list_pages_and_delete(self):
        prefix = unique_name("page")
        arns = {self.sns.create_topic(Name=f"{prefix}-{i:03}")["TopicArn"] for i in range(120)}
        seen = []
        for page in self.sns.get_paginator("list_topics").paginate():
            self.assertLessEqual(len(page["Topics"]), 100)
            seen.extend(t["TopicArn"] for t in page["Topics"])
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(arns <= set(seen))
        for arn in arns:
            self.sns.delete_topic(TopicArn=arn)
        self.sns.delete_topic(TopicArn=next(iter(arns)))  # deleting twice is no error
        remaining = {t["TopicArn"] for page in self.sns.get_paginator("list_topics").paginate()
                     for t in page["Topics"]}
        self.assertFalse(arns & remaining)
        self.assert_error(self.error_of(self.sns.get_topic_attributes,
                                        TopicArn=next(iter(arns))),
                          "NotFound", 404, "Topic does not exist")

    def test_bad_names_and_arns(self):
        for name in ["has space", "a" * 257, "semi;colon", "", "plain.fifo"]:
            self.assert_error(self.error_of(self.sns.create_topic, Name=name),
                              "InvalidParameter", 400)
        self.assert_error(self.error_of(self.sns.create_topic, Name="nofifo",
                                        Attributes={"FifoTopic": "true"}),
                          "InvalidParameter", 400)
        self.assert_error(self.error_of(self.sns.get_topic_attributes, TopicArn="nonsense"),
                          "InvalidParameter", 400,
                          "Invalid parameter: TopicArn Reason: An ARN must have at least 6 "
                          "elements, not 1")
        self.assert_error(self.error_of(self.sns.publish, TopicArn=topic_arn("missing"),
                                        Message="x"),
                          "NotFound", 404, "Topic does not exist")

    def test_other_accounts_and_regions_are_not_reachable(self):
        name = unique_name("t")
        arn = self.sns.create_topic(Name=name)["TopicArn"]
        fn, _ = self.recorder(allow_topic=arn)
        for other in [f"arn:aws:sns:{REGION}:111122223333:{name}",
                      f"arn:aws:sns:eu-west-1:{ACCOUNT}:{name}"]:
            with self.subTest(other=other):
                self.assert_error(self.error_of(self.sns.publish, TopicArn=other, Message="x"),
                                  "NotFound", 404, "Topic does not exist")
                self.assert_error(self.error_of(self.sns.get_topic_attributes, TopicArn=other),
                                  "NotFound", 404)
                self.assert_error(self.error_of(self.sns.subscribe, TopicArn=other,
                                                Protocol="lambda",
                                                Endpoint=function_arn(fn)),
                                  "NotFound", 404)
        # A function in another account is not a subscription endpoint here.
        foreign = f"arn:aws:lambda:{REGION}:111122223333:function:{fn}"
        self.assert_error(self.error_of(self.sns.subscribe, TopicArn=arn, Protocol="lambda",
                                        Endpoint=foreign), "InvalidParameter", 400)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])

    def test_state_survives_restart(self):
        arn = self.sns.create_topic(Name=unique_name("t"),
                                    Tags=[{"Key": "k", "Value": "v"}])["TopicArn"]
        name, _ = self.recorder(allow_topic=arn)
        subscription = self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                          Endpoint=function_arn(name),
                                          Attributes={"FilterPolicy": '{"a":["b"]}'},
                                          ReturnSubscriptionArn=True)["SubscriptionArn"]
        self.serval.stop()
        self.serval.start()
        self.sns = self.serval.client("sns")
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "k", "Value": "v"}])
        attributes = self.sns.get_subscription_attributes(
            SubscriptionArn=subscription)["Attributes"]
        self.assertEqual(attributes["FilterPolicy"], '{"a":["b"]}')
        self.assertEqual(attributes["FilterPolicyScope"], "MessageAttributes")


class SubscriptionTest(SnsCase):
    def test_lambda_subscription_lifecycle(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        name, _ = self.recorder()
        endpoint = function_arn(name)
        subscription = self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                          Endpoint=endpoint)["SubscriptionArn"]
        self.assertTrue(subscription.startswith(arn + ":"), subscription)
        # Subscribing again answers the same subscription.
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                            Endpoint=endpoint)["SubscriptionArn"], subscription)
        attributes = self.sns.get_subscription_attributes(SubscriptionArn=subscription)[
            "Attributes"]
        self.assertEqual(attributes["Protocol"], "lambda")
        self.assertEqual(attributes["Endpoint"], endpoint)
        self.assertEqual(attributes["PendingConfirmation"], "false")
        self.assertEqual(attributes["RawMessageDelivery"], "false")
        listed = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        self.assertEqual(listed, [{"SubscriptionArn": subscription, "Owner": ACCOUNT,
                                   "Protocol": "lambda", "Endpoint": endpoint,
                                   "TopicArn": arn}])
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"][
            "SubscriptionsConfirmed"], "1")
        self.sns.set_subscription_attributes(SubscriptionArn=subscription,
                                             AttributeName="FilterPolicy",
                                             AttributeValue='{"kind":["a"]}')
        self.assert_error(self.error_of(self.sns.set_subscription_attributes,
                                        SubscriptionArn=subscription,
                                        AttributeName="RawMessageDelivery",
                                        AttributeValue="true"),
                          "InvalidParameter", 400)
        self.assert_error(self.error_of(self.sns.set_subscription_attributes,
                                        SubscriptionArn=subscription,
                                        AttributeName="FilterPolicy",
                                        AttributeValue='{"kind":"not-a-list"}'),
                          "InvalidParameter", 400)
        self.assert_error(self.error_of(self.sns.set_subscription_attributes,
                                        SubscriptionArn=subscription,
                                        AttributeName="Bogus", AttributeValue="1"),
                          "InvalidParameter", 400, "Invalid parameter: AttributeName")
        self.sns.unsubscribe(SubscriptionArn=subscription)
        self.sns.unsubscribe(SubscriptionArn=subscription)  # twice is no error
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])
        self.assert_error(self.error_of(self.sns.get_subscription_attributes,
                                        SubscriptionArn=subscription),
                          "NotFound", 404)

    def test_deleting_a_topic_deletes_its_subscriptions(self):
        topic_name = unique_name("t")
        arn = self.sns.create_topic(Name=topic_name)["TopicArn"]
        name, _ = self.recorder()
        subscription = self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                          Endpoint=function_arn(name))["SubscriptionArn"]
        self.sns.delete_topic(TopicArn=arn)
        listed = [s["SubscriptionArn"] for s in self.sns.list_subscriptions()["Subscriptions"]]
        self.assertNotIn(subscription, listed)
        self.assert_error(self.error_of(self.sns.get_subscription_attributes,
                                        SubscriptionArn=subscription), "NotFound", 404)
        # A topic made again under the same name starts with none.
        self.assertEqual(self.sns.create_topic(Name=topic_name)["TopicArn"], arn)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"][
            "SubscriptionsConfirmed"], "0")

    def test_refused_subscriptions_change_nothing(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        cases = [
            ("lambda", function_arn(unique_name("missing"))),  # no such function
            ("lambda", "not-an-arn"),
            ("sqs", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"),  # not delivered by Serval yet
            ("email", "someone@example.com"),
            ("carrier-pigeon", "x"),
        ]
        for protocol, endpoint in cases:
            with self.subTest(protocol=protocol, endpoint=endpoint):
                self.assert_error(self.error_of(self.sns.subscribe, TopicArn=arn,
                                                Protocol=protocol, Endpoint=endpoint),
                                  "InvalidParameter", 400)
        name, _ = self.recorder()
        self.assert_error(self.error_of(self.sns.subscribe, TopicArn=arn, Protocol="lambda",
                                        Endpoint=function_arn(name),
                                        Attributes={"FilterPolicy": "{broken"}),
                          "InvalidParameter", 400)
        self.assert_error(self.error_of(self.sns.subscribe, TopicArn=topic_arn("gone"),
                                        Protocol="lambda", Endpoint=function_arn(name)),
                          "NotFound", 404)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])

    def test_list_subscriptions_pages(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        names = [unique_name("f") for _ in range(3)]
        for name in names:
            self.create_function(name=name, zip_bytes=python_zip("echo"),
                                 handler="echo.lambda_handler")
        created = {self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                      Endpoint=function_arn(name))["SubscriptionArn"]
                   for name in names}
        listed = [s["SubscriptionArn"] for page in
                  self.sns.get_paginator("list_subscriptions").paginate()
                  for s in page["Subscriptions"]]
        self.assertTrue(created <= set(listed))


class PublishTest(SnsCase):
    def test_lambda_gets_the_sns_envelope(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        subscription, bucket = self.subscribed_recorder(arn)
        published = self.sns.publish(
            TopicArn=arn, Message="hello from sns", Subject="Greeting",
            MessageAttributes={"color": {"DataType": "String", "StringValue": "red"},
                               "size": {"DataType": "Number", "StringValue": "42"},
                               "blob": {"DataType": "Binary", "BinaryValue": b"\x00\x01"}})
        bare = self.sns.publish(TopicArn=arn, Message="no subject")
        events = self.recorded(bucket, 2)
        by_message = {e["Records"][0]["Sns"]["Message"]: e for e in events}
        record = by_message["hello from sns"]["Records"][0]
        self.assertEqual(record["EventSource"], "aws:sns")
        self.assertEqual(record["EventVersion"], "1.0")
        self.assertEqual(record["EventSubscriptionArn"], subscription)
        sns = record["Sns"]
        self.assertEqual(sns["Type"], "Notification")
        self.assertEqual(sns["MessageId"], published["MessageId"])
        self.assertEqual(sns["TopicArn"], arn)
        self.assertEqual(sns["Subject"], "Greeting")
        self.assertRegex(sns["Timestamp"], TIMESTAMP_RE)
        self.assertEqual(sns["SignatureVersion"], "1")
        self.assertTrue(sns["Signature"])
        self.assertTrue(sns["SigningCertUrl"].endswith(".pem"), sns["SigningCertUrl"])
        self.assertIn("Action=Unsubscribe", sns["UnsubscribeUrl"])
        self.assertIn(subscription, sns["UnsubscribeUrl"])
        self.assertEqual(sns["MessageAttributes"], {
            "color": {"Type": "String", "Value": "red"},
            "size": {"Type": "Number", "Value": "42"},
            "blob": {"Type": "Binary", "Value": "AAE="}})
        plain = by_message["no subject"]["Records"][0]["Sns"]
        self.assertIsNone(plain["Subject"])
        self.assertEqual(plain["MessageAttributes"], {})
        self.assertEqual(plain["MessageId"], bare["MessageId"])

    def test_message_structure_json_gives_lambda_its_own_message(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        _, bucket = self.subscribed_recorder(arn)
        self.sns.publish(TopicArn=arn, MessageStructure="json",
                         Message=json.dumps({"default": "for everyone", "lambda": "for lambda"}))
        self.sns.publish(TopicArn=arn, MessageStructure="json",
                         Message=json.dumps({"default": "only default"}))
        messages = sorted(e["Records"][0]["Sns"]["Message"] for e in self.recorded(bucket, 2))
        self.assertEqual(messages, ["for lambda", "only default"])
        for message, text in [("{not json", "JSON message body failed to parse"),
                              ('{"lambda":"x"}', "No default entry in JSON message body")]:
            self.assert_error(self.error_of(self.sns.publish, TopicArn=arn,
                                            MessageStructure="json", Message=message),
                              "InvalidParameter", 400,
                              f"Invalid parameter: Message Structure - {text}")

    def test_fan_out_to_every_subscription(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        buckets = [self.subscribed_recorder(arn)[1] for _ in range(3)]
        for i in range(5):
            self.sns.publish(TopicArn=arn, Message=f"m{i}")
        for bucket in buckets:
            got = sorted(e["Records"][0]["Sns"]["Message"] for e in self.recorded(bucket, 5))
            self.assertEqual(got, [f"m{i}" for i in range(5)])

    def test_filter_policies_select_what_each_subscription_gets(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        policies = {
            "red": ('{"color":["red"]}', "MessageAttributes"),
            "big": ('{"size":[{"numeric":[">=",100]}]}', "MessageAttributes"),
            "not-red": ('{"color":[{"anything-but":"red"}]}', "MessageAttributes"),
            "pre": ('{"color":[{"prefix":"bl"}]}', "MessageAttributes"),
            "body": ('{"order":{"state":["paid"]}}', "MessageBody"),
            "no-color": ('{"color":[{"exists":false}]}', "MessageAttributes"),
        }
        buckets = {}
        for label, (policy, scope) in policies.items():
            _, buckets[label] = self.subscribed_recorder(arn, FilterPolicy=policy,
                                                         FilterPolicyScope=scope)

        def attrs(**values):
            return {k: {"DataType": "Number" if isinstance(v, int) else "String",
                        "StringValue": str(v)} for k, v in values.items()}

        messages = [
            ("m-red", "x", attrs(color="red", size=5)),
            ("m-blue-big", "x", attrs(color="blue", size=500)),
            ("m-plain", json.dumps({"order": {"state": "paid"}}), {}),
            ("m-green", json.dumps({"order": {"state": "open"}}), attrs(color="green")),
        ]
        expected = {"red": {"m-red"}, "big": {"m-blue-big"},
                    "not-red": {"m-blue-big", "m-green"}, "pre": {"m-blue-big"},
                    "body": {"m-plain"}, "no-color": {"m-plain"}}
        for label, body, attributes in messages:
            self.sns.publish(TopicArn=arn, Message=body, Subject=label,
                             MessageAttributes=attributes)
        for label, want in expected.items():
            got = {e["Records"][0]["Sns"]["Subject"]
                   for e in self.recorded(buckets[label], len(want))}
            self.assertEqual(got, want, label)

    def test_without_permission_nothing_is_delivered_and_it_is_counted(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        name, bucket = self.recorder()  # no add-permission for SNS
        self.sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function_arn(name))
        before = json.loads(self.serval.raw("GET", "/_serval/stats")[2])["events_undeliverable"]
        self.sns.publish(TopicArn=arn, Message="denied")
        time.sleep(1.0)
        after = json.loads(self.serval.raw("GET", "/_serval/stats")[2])["events_undeliverable"]
        self.assertEqual(after, before + 1)
        self.assertEqual(self.s3.list_objects_v2(Bucket=bucket).get("Contents", []), [])

    def test_publish_batch(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        _, bucket = self.subscribed_recorder(arn)
        result = self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=[
            {"Id": f"e{i}", "Message": f"batch {i}",
             "MessageAttributes": {"n": {"DataType": "Number", "StringValue": str(i)}}}
            for i in range(10)])
        self.assertEqual(sorted(s["Id"] for s in result["Successful"]),
                         sorted(f"e{i}" for i in range(10)))
        self.assertEqual(result["Failed"], [])
        got = sorted(e["Records"][0]["Sns"]["Message"] for e in self.recorded(bucket, 10))
        self.assertEqual(got, sorted(f"batch {i}" for i in range(10)))
        cases = [
            ([{"Id": f"e{i}", "Message": "x"} for i in range(11)],
             "TooManyEntriesInBatchRequest"),
            ([{"Id": "same", "Message": "x"}, {"Id": "same", "Message": "y"}],
             "BatchEntryIdsNotDistinct"),
            ([{"Id": "bad id!", "Message": "x"}], "InvalidBatchEntryId"),
            ([{"Id": "a", "Message": "x" * 200_000}, {"Id": "b", "Message": "y" * 100_000}],
             "BatchRequestTooLong"),
        ]
        for entries, code in cases:
            with self.subTest(code=code):
                self.assert_error(self.error_of(self.sns.publish_batch, TopicArn=arn,
                                                PublishBatchRequestEntries=entries), code, 400)

    def test_bad_messages_are_refused(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        cases = [
            ({"Message": "x" * (256 * 1024 + 1)}, "InvalidParameter",
             "Invalid parameter: Message too long"),
            ({"Message": "x", "Subject": "line\nbreak"}, "InvalidParameter",
             "Invalid parameter: Subject"),
            ({"Message": "x", "MessageAttributes": {
                "a": {"DataType": "Integer", "StringValue": "1"}}}, "ParameterValueInvalid",
             "The message attribute 'a' has an invalid message attribute type, the set of "
             "supported type prefixes is Binary, Number, and String."),
            ({"Message": "x", "MessageAttributes": {
                "n": {"DataType": "Number", "StringValue": "forty"}}}, "ParameterValueInvalid",
             "Could not cast message attribute 'n' value to number."),
            ({"Message": "x", "MessageAttributes": {
                ".dot": {"DataType": "String", "StringValue": "v"}}}, "ParameterValueInvalid",
             "Invalid message attribute name starting with character '.' was found."),
            ({"Message": "x", "MessageGroupId": "g"}, "InvalidParameter", None),
        ]
        for kwargs, code, message in cases:
            with self.subTest(kwargs=str(kwargs)[:80]):
                self.assert_error(self.error_of(self.sns.publish, TopicArn=arn, **kwargs),
                                  code, 400, message)

    def test_fifo_topics_deduplicate_and_number_messages(self):
        name = unique_name("t") + ".fifo"
        arn = self.sns.create_topic(Name=name, Attributes={"FifoTopic": "true"})["TopicArn"]
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=arn)["Attributes"]["FifoTopic"],
                         "true")
        self.assert_error(self.error_of(self.sns.publish, TopicArn=arn, Message="x"),
                          "InvalidParameter", 400,
                          "Invalid parameter: The MessageGroupId parameter is required for "
                          "FIFO topics")
        self.assert_error(self.error_of(self.sns.publish, TopicArn=arn, Message="x",
                                        MessageGroupId="g"), "InvalidParameter", 400)
        first = self.sns.publish(TopicArn=arn, Message="x", MessageGroupId="g",
                                 MessageDeduplicationId="d1")
        again = self.sns.publish(TopicArn=arn, Message="x", MessageGroupId="g",
                                 MessageDeduplicationId="d1")
        second = self.sns.publish(TopicArn=arn, Message="y", MessageGroupId="g",
                                  MessageDeduplicationId="d2")
        self.assertEqual(first["MessageId"], again["MessageId"])
        self.assertEqual(first["SequenceNumber"], again["SequenceNumber"])
        self.assertGreater(int(second["SequenceNumber"]), int(first["SequenceNumber"]))
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="ContentBasedDeduplication",
                                      AttributeValue="true")
        a = self.sns.publish(TopicArn=arn, Message="same body", MessageGroupId="g")
        b = self.sns.publish(TopicArn=arn, Message="same body", MessageGroupId="g")
        self.assertEqual(a["MessageId"], b["MessageId"])
        name_fn, _ = self.recorder()
        self.assert_error(self.error_of(self.sns.subscribe, TopicArn=arn, Protocol="lambda",
                                        Endpoint=function_arn(name_fn)),
                          "InvalidParameter", 400)

    def test_unsigned_requests_are_refused(self):
        status, _, body = self.serval.raw(
            "POST", "/", body=b"Action=ListTopics&Version=2010-03-31",
            headers={"Content-Type": "application/x-www-form-urlencoded"}, sign=False)
        self.assertIn(status, (400, 403), body)
        status, _, body = self.serval.raw(
            "GET", "/SimpleNotificationService/?Action=ListTopics&Version=2010-03-31", sign=False)
        self.assertEqual(status, 403, body)
        self.assertIn(b"<Code>AuthorizationError</Code>", body)


class S3ToTopicTest(SnsCase):
    def allow_s3(self, arn, bucket):
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy", AttributeValue=json.dumps({
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Principal": {"Service": "s3.amazonaws.com"},
                           "Action": "SNS:Publish", "Resource": arn,
                           "Condition": {"ArnLike": {"aws:SourceArn": f"arn:aws:s3:::{bucket}"}}}]}))

    def test_object_events_reach_the_topic_after_validation(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        _, record_bucket = self.subscribed_recorder(arn)
        source = unique_name("src").lower()
        self.s3.create_bucket(Bucket=source)
        config = {"TopicConfigurations": [{"Id": "to-topic", "TopicArn": arn,
                                           "Events": ["s3:ObjectCreated:*"],
                                           "Filter": {"Key": {"FilterRules": [
                                               {"Name": "prefix", "Value": "in/"}]}}}]}
        # SNS's default policy does not let S3 publish: the configuration is refused.
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_notification_configuration(
                Bucket=source, NotificationConfiguration=config)
        error = ctx.exception.response["Error"]
        self.assertEqual(error["Code"], "InvalidArgument")
        self.assertEqual(error["Message"],
                         "Unable to validate the following destination configurations")
        self.allow_s3(arn, source)
        self.s3.put_bucket_notification_configuration(Bucket=source,
                                                      NotificationConfiguration=config)
        self.s3.put_object(Bucket=source, Key="in/photo.jpg", Body=b"12345")
        self.s3.put_object(Bucket=source, Key="out/skipped.jpg", Body=b"x")
        events = self.recorded(record_bucket, 2)
        self.assertEqual(len(events), 2)
        messages = [json.loads(e["Records"][0]["Sns"]["Message"]) for e in events]
        for event in events:
            self.assertEqual(event["Records"][0]["Sns"]["Subject"], "Amazon S3 Notification")
        test_event = [m for m in messages if m.get("Event") == "s3:TestEvent"]
        self.assertEqual(len(test_event), 1, messages)
        self.assertEqual(test_event[0]["Bucket"], source)
        self.assertEqual(test_event[0]["Service"], "Amazon S3")
        created = [m for m in messages if "Records" in m]
        self.assertEqual(len(created), 1, messages)
        record = created[0]["Records"][0]
        self.assertEqual(record["eventName"], "ObjectCreated:Put")
        self.assertEqual(record["s3"]["object"]["key"], "in/photo.jpg")
        self.assertEqual(record["s3"]["object"]["size"], 5)
        self.assertEqual(record["s3"]["configurationId"], "to-topic")
        got = self.s3.get_bucket_notification_configuration(Bucket=source)
        self.assertEqual(got["TopicConfigurations"][0]["TopicArn"], arn)

    def test_a_missing_topic_is_refused(self):
        source = unique_name("src").lower()
        self.s3.create_bucket(Bucket=source)
        with self.assertRaises(ClientError) as ctx:
            self.s3.put_bucket_notification_configuration(
                Bucket=source, NotificationConfiguration={"TopicConfigurations": [
                    {"TopicArn": topic_arn("absent"), "Events": ["s3:ObjectCreated:*"]}]})
        self.assertEqual(ctx.exception.response["Error"]["Code"], "InvalidArgument")
        self.assertNotIn("TopicConfigurations",
                         self.s3.get_bucket_notification_configuration(Bucket=source))


class CliTest(SnsCase):
    def test_cli_creates_publishes_and_lists(self):
        name = unique_name("cli")
        arn = self.serval.cli_json("sns", "create-topic", "--name", name)["TopicArn"]
        fn, bucket = self.recorder(allow_topic=arn)
        self.serval.cli("sns", "subscribe", "--topic-arn", arn, "--protocol", "lambda",
                        "--notification-endpoint", function_arn(fn))
        out = self.serval.cli_json("sns", "publish", "--topic-arn", arn, "--message", "via cli",
                                   "--message-attributes",
                                   '{"k":{"DataType":"String","StringValue":"v"}}')
        self.assertIn("MessageId", out)
        topics = self.serval.cli_json("sns", "list-topics")["Topics"]
        self.assertIn({"TopicArn": arn}, topics)
        event = self.recorded(bucket, 1)[0]["Records"][0]["Sns"]
        self.assertEqual(event["Message"], "via cli")
        self.assertEqual(event["MessageAttributes"], {"k": {"Type": "String", "Value": "v"}})


class DurabilityTest(SnsCase):
    def test_acknowledged_publish_survives_kill_9(self):
        arn = self.sns.create_topic(Name=unique_name("t"))["TopicArn"]
        _, bucket = self.subscribed_recorder(arn)
        ids = [self.sns.publish(TopicArn=arn, Message=f"durable {i}")["MessageId"]
               for i in range(20)]
        self.serval.kill()
        self.serval.start()
        self.s3 = self.serval.client("s3")
        got = {e["Records"][0]["Sns"]["MessageId"] for e in self.recorded(bucket, 20)}
        self.assertTrue(set(ids) <= got, f"lost {set(ids) - got}")


if __name__ == "__main__":
    import unittest
    unittest.main()
