"""Issue 14, part 5: the seed's log-analytics blueprint (the "Sumo Logic App for AWS Lambda" post),
deployed with `serval deploy blueprints/log-analytics` as a user would, against the collector
stand-in the blueprint ships (blueprints/log-analytics/collector.py, HTTPS with a self-signed
certificate the forwarder is given to trust).

What must hold: deploy creates the forwarder (Node), the demo function and the subscription of the
demo's log group to the forwarder (with the permission CloudWatch Logs needs), and a second deploy
changes nothing; after five invocations of the demo, the collector has received every START, END
and REPORT line of each, with its request id, in batches over HTTPS; the usage figures the
collector computes from what it received (invocations, billed duration, GB-seconds, memory)
equal those computed here, independently, from `aws logs filter-log-events --filter-pattern
REPORT`, and those the CloudWatch metrics API reports (AWS/Lambda, by FunctionName); the
collector refuses a batch without its token; and the forwarder answers a malformed delivery with a
clear error and keeps working.
"""

import base64
import datetime
import gzip
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request

from serval_harness import ACCESS_KEY, ACCOUNT, REGION, REPO_ROOT, SECRET_KEY, ServalTestCase

BLUEPRINT = os.path.join(REPO_ROOT, "blueprints", "log-analytics")
COLLECTOR = os.path.join(BLUEPRINT, "collector.py")
FORWARDER = "log-analytics-forwarder"
DEMO = "log-analytics-demo"
DEMO_GROUP = f"/aws/lambda/{DEMO}"
DELIVERY_TIMEOUT = 60
INVOCATIONS = 5


class LogAnalyticsBlueprintTest(ServalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.collector_dir = tempfile.mkdtemp(prefix="log-collector-")
        cls.addClassCleanup(shutil.rmtree, cls.collector_dir, True)
        cls.collector_log = open(os.path.join(cls.collector_dir, "collector.log"), "w")
        cls.addClassCleanup(cls.collector_log.close)
        cls.collector = subprocess.Popen(
            [sys.executable, COLLECTOR, "serve", "--dir", cls.collector_dir],
            stdout=cls.collector_log, stderr=subprocess.STDOUT)
        cls.addClassCleanup(cls.stop_collector)
        url_file = os.path.join(cls.collector_dir, "url")
        deadline = time.monotonic() + 15
        while not os.path.exists(url_file):
            assert cls.collector.poll() is None and time.monotonic() < deadline, \
                "the collector did not start"
            time.sleep(0.05)
        with open(url_file) as f:
            cls.collector_url = f.read().strip()
        with open(os.path.join(cls.collector_dir, "cert.pem")) as f:
            cls.certificate = f.read()
        cls.first_deploy = cls.deploy()
        assert cls.first_deploy.returncode == 0, cls.first_deploy.stderr
        cls.logs = cls.serval.client("logs")

    @classmethod
    def stop_collector(cls):
        cls.collector.terminate()
        cls.collector.wait(timeout=10)

    @classmethod
    def deploy(cls, *parameters):
        """`serval deploy blueprints/log-analytics` for this collector, with more `parameters`
        (NAME=VALUE)."""
        args = [f"CollectorUrl={cls.collector_url}", f"CollectorCertificate={cls.certificate}",
                *parameters]
        return cls.serval_deploy("log-analytics", *[a for p in args for a in ("--parameter", p)])

    def received(self):
        """Every event the collector stored, in arrival order."""
        path = os.path.join(self.collector_dir, "batches.jsonl")
        if not os.path.exists(path):
            return []
        with open(path) as f:
            return [event for line in f if line.endswith("\n")
                    for event in json.loads(line)["events"]]

    def collector_usage(self):
        out = subprocess.run([sys.executable, COLLECTOR, "usage", "--dir", self.collector_dir,
                              "--json"], capture_output=True, text=True, check=True, timeout=30)
        return json.loads(out.stdout)

    def wait_for(self, what, check):
        """check()'s first truthy result within DELIVERY_TIMEOUT seconds."""
        deadline = time.monotonic() + DELIVERY_TIMEOUT
        while True:
            result = check()
            if result:
                return result
            if time.monotonic() > deadline:
                with open(os.path.join(self.collector_dir, "collector.log")) as f:
                    self.fail(f"{what} after {DELIVERY_TIMEOUT}s; collector log:\n"
                              f"{f.read()[-2000:]}\nforwarder log:\n{self.forwarder_log()}")
            time.sleep(0.25)

    def forwarder_log(self):
        events = self.logs.filter_log_events(logGroupName=f"/aws/lambda/{FORWARDER}")["events"]
        return "\n".join(e["message"].rstrip() for e in events)[-3000:]

    def invoke_forwarder(self, event):
        response, body = self.invoke(FORWARDER, event)
        return response, json.loads(body)

    # -- the deployment ------------------------------------------------------------------------

    def test_deploy_creates_functions_and_subscription_and_is_idempotent(self):
        out = self.first_deploy.stdout
        self.assertIn(f"Function {FORWARDER}: created", out)
        self.assertIn(f"Function {DEMO}: created", out)
        self.assertIn(f"LogSubscription {DEMO_GROUP} log-analytics: created", out)
        [subscription] = self.logs.describe_subscription_filters(
            logGroupName=DEMO_GROUP)["subscriptionFilters"]
        forwarder_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FORWARDER}"
        self.assertEqual(subscription["destinationArn"], forwarder_arn)
        self.assertEqual(subscription["filterPattern"], "")
        policy = json.loads(self.lam.get_policy(FunctionName=FORWARDER)["Policy"])
        [statement] = [s for s in policy["Statement"] if DEMO in s["Sid"]]
        self.assertEqual(statement["Principal"], {"Service": "logs.amazonaws.com"})
        self.assertEqual(statement["Condition"]["ArnLike"]["AWS:SourceArn"],
                         f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{DEMO_GROUP}:*")
        environment = self.lam.get_function_configuration(
            FunctionName=FORWARDER)["Environment"]["Variables"]
        self.assertEqual(environment["SUMO_ENDPOINT"], self.collector_url)
        again = self.deploy()
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("0 created, 0 updated, 5 unchanged", again.stdout)

    def test_deploy_refuses_a_missing_group_and_the_forwarders_own(self):
        missing = self.deploy("LogGroups=/no/such/group")
        self.assertEqual(missing.returncode, 1)
        self.assertIn("log group /no/such/group does not exist", missing.stderr)
        own = self.deploy(f"LogGroups=/aws/lambda/{FORWARDER}")
        self.assertEqual(own.returncode, 1)
        self.assertIn("leads back to log group", own.stderr)
        self.assertEqual(self.logs.describe_subscription_filters(
            logGroupName=f"/aws/lambda/{FORWARDER}")["subscriptionFilters"], [])

    # -- forwarding and usage ------------------------------------------------------------------

    def test_every_line_of_five_invocations_reaches_the_collector_with_its_request_id(self):
        request_ids = [self.invoke_json(DEMO, {"n": n})["requestId"]
                       for n in range(INVOCATIONS)]
        self.assertEqual(len(set(request_ids)), INVOCATIONS)

        def lines_of(request_id, events):
            return [e["message"] for e in events if e.get("requestID") == request_id]

        def complete():
            events = self.received()
            return events if all(
                any(m.startswith(f"REPORT RequestId: {rid}\t") for m in lines_of(rid, events))
                for rid in request_ids) else None

        events = self.wait_for("not every REPORT line reached the collector", complete)
        for rid in request_ids:
            lines = lines_of(rid, events)
            self.assertEqual(lines[0], f"START RequestId: {rid} Version: $LATEST")
            self.assertIn(f"END RequestId: {rid}", lines)
            self.assertRegex(lines[-1], rf"^REPORT RequestId: {rid}\tDuration: ")
            # The function's own line between them, attributed to its invocation.
            self.assertTrue(any(m.startswith("log-analytics demo got") for m in lines), lines)
        for event in events:
            if event["logGroup"] == DEMO_GROUP:
                self.assertRegex(event["logStream"], r"^\d{4}/\d{2}/\d{2}/\[\$LATEST\]")

        self.assert_usage_agrees()

    def assert_usage_agrees(self):
        """The usage figures the collector computes from what it received equal those computed
        here, on their own, from the REPORT lines FilterLogEvents finds (the CLI pages through
        them), and those the CloudWatch API reports for the function (AWS/Lambda)."""
        reported = self.serval.cli_json("logs", "filter-log-events", "--log-group-name",
                                        DEMO_GROUP, "--filter-pattern", "REPORT")["events"]
        self.assertGreaterEqual(len(reported), INVOCATIONS)
        # Every REPORT line FilterLogEvents has is at the collector, and no other.
        ids = {e["id"] for e in self.received() if e["logGroup"] == DEMO_GROUP
               and isinstance(e["message"], str) and e["message"].startswith("REPORT")}
        self.assertEqual(ids, {e["eventId"] for e in reported})
        billed = [int(re.search(r"\tBilled Duration: (\d+) ms\t", e["message"])[1])
                  for e in reported]
        memory = [int(re.search(r"\tMemory Size: (\d+) MB\t", e["message"])[1])
                  for e in reported]
        used = [int(re.search(r"\tMax Memory Used: (\d+) MB\t", e["message"])[1])
                for e in reported]
        self.assertEqual(set(memory), {256})
        gb_seconds = sum(b * m for b, m in zip(billed, memory)) / 1000 / 1024
        figures = self.collector_usage()[DEMO]["$LATEST"]
        self.assertEqual(figures["invocations"], len(reported))
        self.assertEqual(figures["billed_duration_ms"], sum(billed))
        self.assertAlmostEqual(figures["gb_seconds"], gb_seconds, places=12)
        self.assertEqual(figures["memory_size_mb"], 256)
        self.assertEqual(figures["max_memory_used_mb"], max(used))
        self.assertGreater(figures["max_memory_used_mb"], 0)

        self.assertEqual(self.cloudwatch("Invocations", "Sum"), figures["invocations"])
        self.assertEqual(self.cloudwatch("BilledDuration", "Sum"), figures["billed_duration_ms"])
        self.assertAlmostEqual(self.cloudwatch("BilledGBSeconds", "Sum"), figures["gb_seconds"],
                               places=9)
        self.assertEqual(self.cloudwatch("MaxMemoryUsed", "Maximum"),
                         figures["max_memory_used_mb"])
        self.assertEqual(self.cloudwatch("MemorySize", "Maximum"), figures["memory_size_mb"])

        # And the dashboard's row for the function (/_serval/, as its page reads it).
        usage = self.dashboard_usage(DEMO)
        self.assertEqual(usage["invocations"], figures["invocations"])
        self.assertEqual(usage["billed_duration_ms"], figures["billed_duration_ms"])
        self.assertAlmostEqual(usage["billed_gb_seconds"], figures["gb_seconds"], places=9)
        self.assertEqual(usage["max_memory_used_mb"], figures["max_memory_used_mb"])
        self.assertEqual(usage["memory_size_mb"], figures["memory_size_mb"])

    def dashboard_usage(self, function):
        """The usage figures of `function` over the last hour in the dashboard's overview JSON
        (HTTP Basic auth with the test's access key, which the dashboard accepts)."""
        request = urllib.request.Request(
            self.serval.endpoint + "/_serval/api/overview?span=3600",
            headers={"Authorization": "Basic " + base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()})
        with urllib.request.urlopen(request, timeout=10) as response:
            overview = json.load(response)
        rows = [row for row in overview["functions"] if row["name"] == function]
        self.assertEqual(len(rows), 1, overview["functions"])
        return rows[0]["usage"]

    def cloudwatch(self, metric, statistic):
        """`statistic` (Sum or Maximum) of the demo's `metric` over the last hour, as
        GetMetricStatistics reports it (namespace AWS/Lambda, dimension FunctionName)."""
        now = datetime.datetime.now(datetime.timezone.utc)
        points = self.serval.client("cloudwatch").get_metric_statistics(
            Namespace="AWS/Lambda", MetricName=metric,
            Dimensions=[{"Name": "FunctionName", "Value": DEMO}],
            StartTime=now - datetime.timedelta(minutes=59),
            EndTime=now + datetime.timedelta(minutes=1), Period=60,
            Statistics=[statistic])["Datapoints"]
        values = [p[statistic] for p in points]
        self.assertTrue(values, f"no {metric} datapoints")
        return sum(values) if statistic == "Sum" else max(values)

    # -- bad input -----------------------------------------------------------------------------

    def test_collector_refuses_a_batch_without_its_token(self):
        context = ssl.create_default_context(cadata=self.certificate)
        base = self.collector_url.rsplit("/", 1)[0]
        before = len(self.received())
        for url in (base + "/", base + "/not-the-token", self.collector_url + "x"):
            request = urllib.request.Request(url, data=b'{"message": "forged"}\n',
                                             method="POST")
            with self.assertRaises(urllib.error.HTTPError) as caught:
                urllib.request.urlopen(request, context=context, timeout=10)
            self.assertEqual(caught.exception.code, 401, url)
        self.assertEqual(len(self.received()), before)
        self.assertNotIn("forged", json.dumps(self.received()))

    def test_forwarder_fails_malformed_deliveries_clearly_and_keeps_working(self):
        def gzipped(payload):
            return base64.b64encode(gzip.compress(payload)).decode()

        cases = [({}, "no awslogs.data string"),
                 ({"awslogs": {"data": base64.b64encode(b"not gzip").decode()}},
                  "awslogs.data is not base64 gzip"),
                 ({"awslogs": {"data": gzipped(b"{not json")}}, "awslogs.data is not JSON"),
                 ({"awslogs": {"data": gzipped(b'{"messageType": "DATA_MESSAGE"}')}},
                  "awslogs.data has no logEvents list")]
        for event, message in cases:
            response, error = self.invoke_forwarder(event)
            self.assertEqual(response.get("FunctionError"), "Unhandled", error)
            self.assertEqual(error["errorType"], "InvalidAwslogsEvent", error)
            self.assertIn(message, error["errorMessage"])
        # The same environment goes on: a well-formed delivery is forwarded.
        synthetic = {"messageType": "DATA_MESSAGE", "owner": ACCOUNT,
                     "logGroup": "/synthetic/group", "logStream": "s",
                     "subscriptionFilters": ["f"],
                     "logEvents": [{"id": "synthetic-1", "timestamp": 1, "message": "hello\n"}]}
        response, result = self.invoke_forwarder(
            {"awslogs": {"data": gzipped(json.dumps(synthetic).encode())}})
        self.assertNotIn("FunctionError", response, result)
        self.assertEqual(result, "messagesSent: 1 from /synthetic/group")
        [stored] = [e for e in self.received() if e.get("id") == "synthetic-1"]
        self.assertEqual(stored["message"], "hello")
        self.assertNotIn("Runtime.ExitError", self.forwarder_log())
