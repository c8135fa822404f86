"""Issue 3 item 1: asynchronous invocations - durable queue, retries, event age, destinations,
EventInvokeConfig - driven by boto3 and the AWS CLI, with time moved by hand (--simulated-clock)."""

import concurrent.futures
import json
import os
import signal
import subprocess
import time
import unittest
import uuid

from botocore.exceptions import ClientError

from serval_harness import (
    ROLE, SERVAL_BIN, ServalProcess, function_arn, make_zip, unique_name)

# Prints one JSON line per invocation (so the test can read what arrived from `serval logs`),
# then fails when the event asks it to.
RECORDER = """import json
def lambda_handler(event, context):
    print("EVENT " + json.dumps(event))
    if isinstance(event, dict) and event.get("fail"):
        raise RuntimeError("asked to fail")
    return {"ok": True}
"""


def log_json(data_dir, name, marker, skip):
    """From each line of `serval logs NAME` containing `marker`: the JSON starting `skip`
    characters after where the marker starts."""
    out = subprocess.run([SERVAL_BIN, "logs", name, "--data-dir", data_dir],
                         capture_output=True, text=True, timeout=30).stdout
    return [json.loads(line[line.find(marker) + skip:])
            for line in out.splitlines() if marker in line]


def logged_events(data_dir, name):
    """What the RECORDER function printed, one event per invocation."""
    return log_json(data_dir, name, " EVENT ", len(" EVENT "))


def dropped_records(data_dir, name):
    """The records in the function's serval/async-dropped stream."""
    return log_json(data_dir, name, ' {"requestId"', 1)


class AsyncBase(unittest.TestCase):
    EXTRA_ARGS = ("--simulated-clock",)

    def setUp(self):
        self.serval = ServalProcess(extra_args=list(self.EXTRA_ARGS))
        self.addCleanup(self.serval.cleanup)
        self.addCleanup(self.serval.kill)
        self.lam = self.serval.start().client()

    def recorder(self, name=None):
        name = name or unique_name("rec")
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                 Handler="rec.lambda_handler",
                                 Code={"ZipFile": make_zip({"rec.py": RECORDER})})
        return name

    def send(self, name, event, **kw):
        resp = self.lam.invoke(FunctionName=name, InvocationType="Event",
                               Payload=json.dumps(event), **kw)
        self.assertEqual(resp["StatusCode"], 202)
        return resp

    def advance(self, seconds):
        status, _, body = self.serval.raw("POST", f"/_serval/clock/advance?seconds={seconds}",
                                          sign=False)
        self.assertEqual(status, 200, body)

    def wait_for(self, predicate, what, timeout=20):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.1)
        self.fail(f"timed out waiting for {what}")


class AsyncDeliveryTest(AsyncBase):

    def test_event_is_acknowledged_and_delivered(self):
        name = self.recorder()
        self.send(name, {"marker": "m1"})
        events = self.wait_for(lambda: logged_events(self.serval.data_dir, name), "delivery")
        self.assertEqual(events, [{"marker": "m1"}])

    def test_failed_event_is_retried_then_sent_to_the_failure_destination(self):
        failing, destination = self.recorder(), self.recorder()
        self.lam.put_function_event_invoke_config(
            FunctionName=failing, MaximumRetryAttempts=2,
            DestinationConfig={"OnFailure": {"Destination": function_arn(destination)}})
        self.send(failing, {"fail": True, "marker": "r"})
        attempts = lambda: len(logged_events(self.serval.data_dir, failing))
        self.wait_for(lambda: attempts() == 1, "the first attempt")
        time.sleep(0.5)
        self.assertEqual(attempts(), 1, "retried before its delay")
        self.advance(61)  # first retry after 1 minute
        self.wait_for(lambda: attempts() == 2, "the first retry")
        self.advance(61)
        time.sleep(0.5)
        self.assertEqual(attempts(), 2, "second retry before its 2-minute delay")
        self.advance(60)
        self.wait_for(lambda: attempts() == 3, "the second retry")
        record = self.wait_for(lambda: logged_events(self.serval.data_dir, destination),
                               "the destination record")[0]
        self.assertEqual(record["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(record["requestContext"]["approximateInvokeCount"], 3)
        self.assertEqual(record["requestContext"]["functionArn"], function_arn(failing) + ":$LATEST")
        self.assertEqual(record["requestPayload"], {"fail": True, "marker": "r"})
        self.assertEqual(record["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(record["responsePayload"]["errorType"], "RuntimeError")
        dropped = dropped_records(self.serval.data_dir, failing)
        self.assertEqual([d["reason"] for d in dropped], ["RetriesExhausted"])
        self.advance(600)
        time.sleep(0.5)
        self.assertEqual(attempts(), 3, "delivered again after being dropped")

    def test_no_retries_and_event_age(self):
        no_retry, short_lived = self.recorder(), self.recorder()
        self.lam.put_function_event_invoke_config(FunctionName=no_retry, MaximumRetryAttempts=0)
        self.lam.put_function_event_invoke_config(FunctionName=short_lived,
                                                  MaximumEventAgeInSeconds=60)
        self.send(no_retry, {"fail": True})
        self.send(short_lived, {"fail": True})
        self.wait_for(lambda: dropped_records(self.serval.data_dir, no_retry), "no-retry drop")
        # The first retry would come 60 s after the event arrived: past its maximum age.
        self.wait_for(lambda: dropped_records(self.serval.data_dir, short_lived), "age drop")
        self.assertEqual(dropped_records(self.serval.data_dir, no_retry)[0]["reason"],
                         "RetriesExhausted")
        self.assertEqual(dropped_records(self.serval.data_dir, short_lived)[0]["reason"],
                         "EventAgeExceeded")
        self.assertEqual(len(logged_events(self.serval.data_dir, no_retry)), 1)

    def test_success_destination(self):
        ok, destination = self.recorder(), self.recorder()
        self.lam.put_function_event_invoke_config(
            FunctionName=ok,
            DestinationConfig={"OnSuccess": {"Destination": function_arn(destination)}})
        self.send(ok, {"marker": "s"})
        record = self.wait_for(lambda: logged_events(self.serval.data_dir, destination),
                               "the success record")[0]
        self.assertEqual(record["requestContext"]["condition"], "Success")
        self.assertEqual(record["responsePayload"], {"ok": True})

    def test_failure_destination_that_is_an_sns_topic(self):
        # The record is the Message of a Publish to the topic; its subscribers get it.
        sns = self.serval.client("sns")
        failing, subscriber = self.recorder(), self.recorder()
        topic = sns.create_topic(Name=unique_name("failures"))["TopicArn"]
        self.lam.add_permission(FunctionName=subscriber, StatementId="sns", Action="lambda:InvokeFunction",
                                Principal="sns.amazonaws.com", SourceArn=topic)
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(subscriber))
        self.lam.put_function_event_invoke_config(
            FunctionName=failing, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": topic}})
        self.assertEqual(self.lam.get_function_event_invoke_config(FunctionName=failing)
                         ["DestinationConfig"]["OnFailure"]["Destination"], topic)
        self.send(failing, {"fail": True, "marker": "t"})
        notification = self.wait_for(lambda: logged_events(self.serval.data_dir, subscriber),
                                     "the topic's delivery")[0]
        record = json.loads(notification["Records"][0]["Sns"]["Message"])
        self.assertEqual(notification["Records"][0]["Sns"]["TopicArn"], topic)
        self.assertEqual(record["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(record["requestPayload"], {"fail": True, "marker": "t"})
        # A topic that is not there: the record is noted as undelivered in the dropped stream.
        self.lam.put_function_event_invoke_config(
            FunctionName=failing, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": topic + "-gone"}})
        self.send(failing, {"fail": True})
        self.wait_for(lambda: "DestinationFailed" in [
            d["reason"] for d in dropped_records(self.serval.data_dir, failing)], "the note")

    def test_a_dead_letter_topic_gets_the_failed_event_itself(self):
        sns = self.serval.client("sns")
        failing, subscriber = self.recorder(), self.recorder()
        topic = sns.create_topic(Name=unique_name("dlq"))["TopicArn"]
        self.lam.add_permission(FunctionName=subscriber, StatementId="sns",
                                Action="lambda:InvokeFunction", Principal="sns.amazonaws.com",
                                SourceArn=topic)
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(subscriber))
        updated = self.lam.update_function_configuration(
            FunctionName=failing, DeadLetterConfig={"TargetArn": topic})
        self.assertEqual(updated["DeadLetterConfig"], {"TargetArn": topic})
        self.lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=0)
        sent = self.send(failing, {"fail": True, "marker": "dlq"})
        notification = self.wait_for(lambda: logged_events(self.serval.data_dir, subscriber),
                                     "the dead-letter message")[0]["Records"][0]["Sns"]
        self.assertEqual(notification["TopicArn"], topic)
        self.assertEqual(json.loads(notification["Message"]), {"fail": True, "marker": "dlq"})
        attributes = notification["MessageAttributes"]
        self.assertEqual(attributes["RequestID"],
                         {"Type": "String",
                          "Value": sent["ResponseMetadata"]["RequestId"]})
        self.assertEqual(attributes["ErrorCode"], {"Type": "Number", "Value": "200"})
        self.assertEqual(attributes["ErrorMessage"], {"Type": "String", "Value": "asked to fail"})
        # Serval has no SQS: a queue as the dead-letter target is refused, not dropped silently.
        with self.assertRaises(ClientError) as refused:
            self.lam.update_function_configuration(
                FunctionName=failing,
                DeadLetterConfig={"TargetArn": "arn:aws:sqs:us-east-1:000000000000:q"})
        self.assertEqual(refused.exception.response["Error"]["Code"],
                         "InvalidParameterValueException")
        self.assertEqual(self.lam.get_function_configuration(FunctionName=failing)
                         ["DeadLetterConfig"], {"TargetArn": topic})

    def test_throttled_events_wait_in_the_queue(self):
        name = self.recorder()
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        for i in range(3):
            self.send(name, {"marker": i})  # accepted although the function cannot run now
        time.sleep(1)
        self.assertEqual(logged_events(self.serval.data_dir, name), [])
        self.lam.delete_function_concurrency(FunctionName=name)
        events = self.wait_for(lambda: len(logged_events(self.serval.data_dir, name)) == 3 and
                               logged_events(self.serval.data_dir, name), "queued events")
        self.assertEqual(sorted(e["marker"] for e in events), [0, 1, 2])

    def test_unknown_function_and_oversized_event(self):
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.invoke(FunctionName="no-such-fn", InvocationType="Event", Payload=b"{}")
        name = self.recorder()
        with self.assertRaises(Exception) as ctx:
            self.lam.invoke(FunctionName=name, InvocationType="Event",
                            Payload=json.dumps({"x": "y" * (1024 * 1024)}))
        self.assertEqual(ctx.exception.response["ResponseMetadata"]["HTTPStatusCode"], 413)


class EventInvokeConfigTest(AsyncBase):
    EXTRA_ARGS = ()

    def test_put_get_update_list_delete(self):
        name, target = self.recorder(), self.recorder()
        put = self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
        self.assertEqual((put["MaximumRetryAttempts"], put["MaximumEventAgeInSeconds"]),
                         (1, 21600))
        self.assertEqual(put["FunctionArn"], function_arn(name) + ":$LATEST")
        updated = self.lam.update_function_event_invoke_config(
            FunctionName=name, MaximumEventAgeInSeconds=300,
            DestinationConfig={"OnFailure": {"Destination": function_arn(target)}})
        self.assertEqual((updated["MaximumRetryAttempts"], updated["MaximumEventAgeInSeconds"]),
                         (1, 300))
        got = self.lam.get_function_event_invoke_config(FunctionName=name)
        self.assertEqual(got["DestinationConfig"]["OnFailure"]["Destination"], function_arn(target))
        listed = self.lam.list_function_event_invoke_configs(FunctionName=name)
        self.assertEqual(len(listed["FunctionEventInvokeConfigs"]), 1)
        # Put replaces everything it does not name with the defaults.
        replaced = self.lam.put_function_event_invoke_config(FunctionName=name,
                                                             MaximumEventAgeInSeconds=120)
        self.assertEqual((replaced["MaximumRetryAttempts"], replaced["DestinationConfig"]),
                         (2, {"OnSuccess": {}, "OnFailure": {}}))
        self.lam.delete_function_event_invoke_config(FunctionName=name)
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function_event_invoke_config(FunctionName=name)

    def test_cli_and_validation(self):
        name = self.recorder()
        out = self.serval.cli_json("lambda", "put-function-event-invoke-config", "--function-name",
                                   name, "--maximum-retry-attempts", "0")
        self.assertEqual(out["MaximumRetryAttempts"], 0)
        out = self.serval.cli_json("lambda", "get-function-event-invoke-config",
                                   "--function-name", name)
        self.assertEqual(out["MaximumRetryAttempts"], 0)
        client = self.serval.client(validate=False)
        for params, code in [
            (dict(MaximumRetryAttempts=3), "ValidationException"),
            (dict(MaximumEventAgeInSeconds=59), "ValidationException"),
            (dict(MaximumEventAgeInSeconds=21601), "ValidationException"),
            (dict(DestinationConfig={"OnFailure": {"Destination": "arn:aws:sqs:us-east-1:0:q"}}),
             "InvalidParameterValueException"),
        ]:
            with self.subTest(params=params), self.assertRaises(Exception) as ctx:
                client.put_function_event_invoke_config(FunctionName=name, **params)
            self.assertEqual(ctx.exception.response["Error"]["Code"], code)
        self.assertEqual(self.lam.get_function_event_invoke_config(FunctionName=name)
                         ["MaximumRetryAttempts"], 0)


class KillNineTest(AsyncBase):
    EXTRA_ARGS = ()

    def test_no_acknowledged_event_is_lost_to_kill_9(self):
        name = self.recorder()
        markers = [uuid.uuid4().hex for _ in range(200)]
        # Hold every event in the queue: none may run before serval dies.
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        with concurrent.futures.ThreadPoolExecutor(max_workers=32) as pool:
            list(pool.map(lambda m: self.send(name, {"marker": m}), markers))
        os.kill(self.serval.proc.pid, signal.SIGKILL)  # every one of them was answered 202
        self.serval.proc.wait()
        restarted = ServalProcess(data_dir=self.serval.data_dir)
        self.addCleanup(restarted.cleanup)
        self.addCleanup(restarted.kill)
        lam = restarted.start().client()
        self.assertEqual(logged_events(restarted.data_dir, name), [])
        lam.delete_function_concurrency(FunctionName=name)
        delivered = lambda: {e["marker"] for e in logged_events(restarted.data_dir, name)}
        self.wait_for(lambda: delivered() >= set(markers), "every acknowledged event", timeout=120)
        restarted.stop()


if __name__ == "__main__":
    unittest.main()
