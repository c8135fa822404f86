"""CloudWatch metrics (namespace AWS/Lambda and custom ones) and Prometheus' /metrics.

Functions are invoked a known number of times with known errors and throttles (reserved
concurrency 0), then the figures are read back with every client and protocol:
  * boto3 1.43 (botocore >= 1.42.7 speaks awsJson 1.0 with x-amzn-query-mode) and CLI v1 on it;
  * Debian's /usr/bin/python3 with boto3 1.26 and Debian's CLI v2.9 (/usr/bin/aws): the query
    protocol (form POST, XML);
  * Debian's prometheus, scraping /metrics with basic_auth.
Bad input is checked in both protocols' error shapes, and the figures survive a restart.
"""

from __future__ import annotations

import base64
import datetime
import gzip
import json
import os
import shutil
import subprocess
import tempfile
import textwrap
import time
import urllib.error
import urllib.parse
import urllib.request

import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.exceptions import ClientError

from serval_harness import (ACCESS_KEY, REGION, SECRET_KEY, ServalTestCase, free_port,
                            python_zip, unique_name)

DEBIAN_PYTHON = "/usr/bin/python3"
DEBIAN_AWS = "/usr/bin/aws"
PROMETHEUS = "/usr/bin/prometheus"
NAMESPACE_XML = "http://monitoring.amazonaws.com/doc/2010-08-01/"


def utcnow():
    return datetime.datetime.now(datetime.timezone.utc)


def iso(when):
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


class MetricsTestCase(ServalTestCase):
    """Creates ok (6 invocations: 3 plain, 2 through alias `live`, 1 async), bad (3 function
    errors) and off (reserved concurrency 0: 4 throttles, no invocation)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.cw = cls.serval.client("cloudwatch")
        cls.ok, cls.bad, cls.off = unique_name("ok"), unique_name("bad"), unique_name("off")
        lam = cls.lam
        for name, module in ((cls.ok, "echo"), (cls.bad, "raiser"), (cls.off, "echo")):
            lam.create_function(FunctionName=name, Runtime="python3.12",
                                Role="arn:aws:iam::000000000000:role/lambda-role",
                                Handler=f"{module}.lambda_handler",
                                Code={"ZipFile": python_zip(module)})
        for name in (cls.ok, cls.bad, cls.off):
            deadline = time.monotonic() + 60
            while lam.get_function_configuration(FunctionName=name).get("State") != "Active":
                assert time.monotonic() < deadline, name
                time.sleep(0.2)
        version = lam.publish_version(FunctionName=cls.ok)["Version"]
        cls.version = version
        lam.create_alias(FunctionName=cls.ok, Name="live", FunctionVersion=version)
        lam.put_function_concurrency(FunctionName=cls.off, ReservedConcurrentExecutions=0)
        for _ in range(3):
            lam.invoke(FunctionName=cls.ok, Payload=b"{}")
        for _ in range(2):
            lam.invoke(FunctionName=cls.ok, Qualifier="live", Payload=b"{}")
        lam.invoke(FunctionName=cls.ok, InvocationType="Event", Payload=b"{}")
        for _ in range(3):
            assert "FunctionError" in lam.invoke(FunctionName=cls.bad, Payload=b"{}")
        for _ in range(4):
            try:
                lam.invoke(FunctionName=cls.off, Payload=b"{}")
                raise AssertionError("a function with reserved concurrency 0 ran")
            except ClientError as e:
                assert e.response["Error"]["Code"] == "TooManyRequestsException", e.response
        cls.wait_for_sum(cls.ok, "Invocations", 6)

    @classmethod
    def statistic(cls, metric, dimensions, stat="Sum", cw=None, **kw):
        """The `stat` over the last 15 minutes (one period), or None without datapoints."""
        now = utcnow()
        params = dict(Namespace="AWS/Lambda", MetricName=metric,
                      Dimensions=[{"Name": k, "Value": v} for k, v in dimensions.items()],
                      StartTime=now - datetime.timedelta(minutes=14), EndTime=now +
                      datetime.timedelta(minutes=1), Period=900)
        if stat.startswith("p"):
            params["ExtendedStatistics"] = [stat]
        else:
            params["Statistics"] = [stat]
        params.update(kw)
        points = (cw or cls.cw).get_metric_statistics(**params)["Datapoints"]
        if not points:
            return None
        assert len(points) == 1, points
        return points[0]["ExtendedStatistics"][stat] if stat.startswith("p") else points[0][stat]

    @classmethod
    def wait_for_sum(cls, function, metric, expected, timeout=30):
        deadline = time.monotonic() + timeout
        while cls.statistic(metric, {"FunctionName": function}) != expected:
            assert time.monotonic() < deadline, (function, metric, expected)
            time.sleep(0.2)


class LambdaMetricsTest(MetricsTestCase):
    def test_counts_per_dimension_set_over_json(self):
        sent = []
        self.cw.meta.events.register("before-send.cloudwatch.*",
                                     lambda request, **_: sent.append(dict(request.headers)))
        ok, bad, off = self.ok, self.bad, self.off
        self.assertEqual(self.statistic("Invocations", {"FunctionName": ok}), 6)
        self.assertEqual(self.statistic("Invocations", {"FunctionName": ok, "Resource": ok}), 4)
        self.assertEqual(
            self.statistic("Invocations", {"FunctionName": ok, "Resource": f"{ok}:live"}), 2)
        self.assertEqual(self.statistic("Invocations", {
            "FunctionName": ok, "Resource": f"{ok}:live", "ExecutedVersion": self.version}), 2)
        self.assertEqual(self.statistic("Errors", {"FunctionName": ok}), 0)
        self.assertEqual(self.statistic("Errors", {"FunctionName": bad}), 3)
        self.assertEqual(self.statistic("Errors", {"FunctionName": bad}, "Average"), 1)
        self.assertEqual(self.statistic("Invocations", {"FunctionName": bad}), 3)
        self.assertEqual(self.statistic("Throttles", {"FunctionName": off}), 4)
        self.assertIsNone(self.statistic("Invocations", {"FunctionName": off}))
        self.assertGreaterEqual(self.statistic("Invocations", {}), 9)
        self.assertGreaterEqual(self.statistic("ColdStarts", {"FunctionName": ok}), 1)
        self.assertGreater(self.statistic("InitDuration", {"FunctionName": ok}, "Maximum"), 0)
        duration = self.statistic("Duration", {"FunctionName": ok}, "Maximum")
        self.assertGreater(duration, 0)
        self.assertLessEqual(self.statistic("Duration", {"FunctionName": ok}, "p50"), duration)
        billed = self.statistic("BilledDuration", {"FunctionName": ok})
        self.assertAlmostEqual(self.statistic("BilledGBSeconds", {"FunctionName": ok}),
                               billed / 1000 * 128 / 1024, places=6)
        self.assertEqual(self.statistic("MemorySize", {"FunctionName": ok}, "Maximum"), 128)
        self.assertGreater(self.statistic("MaxMemoryUsed", {"FunctionName": ok}, "Maximum"), 0)
        self.assertGreaterEqual(
            self.statistic("ConcurrentExecutions", {"FunctionName": ok}, "Maximum"), 1)
        self.assertTrue(sent and all(h.get("X-Amz-Target", b"").startswith(
            b"GraniteServiceVersion20100801.") for h in sent), sent[:1])

    def test_get_metric_data_labels_order_and_pages(self):
        now = utcnow()
        queries = [
            {"Id": "inv", "MetricStat": {"Metric": {
                "Namespace": "AWS/Lambda", "MetricName": "Invocations",
                "Dimensions": [{"Name": "FunctionName", "Value": self.ok}]},
                "Period": 60, "Stat": "Sum"}},
            {"Id": "p99", "Label": "slow", "MetricStat": {"Metric": {
                "Namespace": "AWS/Lambda", "MetricName": "Duration",
                "Dimensions": [{"Name": "FunctionName", "Value": self.ok}]},
                "Period": 900, "Stat": "p99"}},
            {"Id": "hidden", "ReturnData": False, "MetricStat": {"Metric": {
                "Namespace": "AWS/Lambda", "MetricName": "Errors"}, "Period": 60, "Stat": "Sum"}},
        ]
        got = self.cw.get_metric_data(
            MetricDataQueries=queries, StartTime=now - datetime.timedelta(minutes=14),
            EndTime=now + datetime.timedelta(minutes=1), ScanBy="TimestampAscending")
        results = {r["Id"]: r for r in got["MetricDataResults"]}
        self.assertEqual(set(results), {"inv", "p99"})
        self.assertEqual(results["inv"]["Label"], "Invocations")
        self.assertEqual(sum(results["inv"]["Values"]), 6)
        self.assertEqual(results["inv"]["Timestamps"], sorted(results["inv"]["Timestamps"]))
        self.assertEqual(results["p99"]["Label"], "slow")
        self.assertEqual(len(results["p99"]["Values"]), 1)
        self.assertEqual(results["inv"]["StatusCode"], "Complete")
        # One datapoint a page.
        values, token, pages = [], None, 0
        while True:
            kw = {"NextToken": token} if token else {}
            page = self.cw.get_metric_data(
                MetricDataQueries=queries[:1], StartTime=now - datetime.timedelta(minutes=14),
                EndTime=now + datetime.timedelta(minutes=1), MaxDatapoints=1, **kw)
            values += page["MetricDataResults"][0]["Values"]
            pages += 1
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual(sum(values), 6)
        self.assertEqual(pages, len(results["inv"]["Values"]))

    def test_list_metrics_filters(self):
        listed = self.cw.list_metrics(Namespace="AWS/Lambda", MetricName="Throttles",
                                      Dimensions=[{"Name": "FunctionName", "Value": self.off}])
        dimension_sets = sorted(
            sorted(d["Name"] for d in m["Dimensions"]) for m in listed["Metrics"])
        self.assertEqual(dimension_sets, [["FunctionName"], ["FunctionName", "Resource"]])
        names = {m["MetricName"] for m in self.cw.list_metrics(
            Namespace="AWS/Lambda", Dimensions=[{"Name": "FunctionName", "Value": self.ok}],
            RecentlyActive="PT3H")["Metrics"]}
        self.assertTrue({"Invocations", "Errors", "Duration", "ConcurrentExecutions",
                         "BilledGBSeconds", "ColdStarts", "InitDuration", "MaxMemoryUsed",
                         "MemorySize", "BilledDuration"} <= names, names)
        self.assertNotIn("Throttles", names)

    def test_cli_v1_over_json(self):
        now = utcnow()
        out = self.serval.cli_json(
            "cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda", "--metric-name",
            "Errors", "--dimensions", f"Name=FunctionName,Value={self.bad}", "--statistics", "Sum",
            "--start-time", iso(now - datetime.timedelta(minutes=14)), "--end-time",
            iso(now + datetime.timedelta(minutes=1)), "--period", "900")
        self.assertEqual(out["Label"], "Errors")
        self.assertEqual([p["Sum"] for p in out["Datapoints"]], [3.0])
        listed = self.serval.cli_json("cloudwatch", "list-metrics", "--namespace", "AWS/Lambda",
                                      "--metric-name", "Errors", "--dimensions",
                                      f"Name=FunctionName,Value={self.bad}")
        self.assertEqual(len(listed["Metrics"]), 3)  # {F}, {F,R}, {F,R,V}


class DebianClientsTest(MetricsTestCase):
    """The query protocol, as Debian's own clients speak it."""

    def setUp(self):
        if not os.path.exists(DEBIAN_PYTHON) or not os.path.exists(DEBIAN_AWS):
            self.skipTest("Debian's python3-boto3 or awscli is not installed")

    def debian_cli(self, *args, check=True):
        done = subprocess.run([DEBIAN_AWS, "--endpoint-url", self.serval.endpoint, "--region",
                               REGION, "--output", "json", *args], capture_output=True, text=True,
                              timeout=120, env=self.serval.cli_env())
        if check:
            self.assertEqual(done.returncode, 0, done.stderr)
        return done

    def test_boto3_1_26_query_protocol(self):
        script = textwrap.dedent(f"""
            import boto3, botocore, datetime, json
            from botocore.exceptions import ClientError
            cw = boto3.client("cloudwatch", endpoint_url="{self.serval.endpoint}",
                              region_name="{REGION}", aws_access_key_id="{ACCESS_KEY}",
                              aws_secret_access_key="{SECRET_KEY}")
            assert cw.meta.service_model.protocol == "query", cw.meta.service_model.protocol
            now = datetime.datetime.now(datetime.timezone.utc)
            out = {{"botocore": botocore.__version__}}
            out["stats"] = cw.get_metric_statistics(
                Namespace="AWS/Lambda", MetricName="Invocations",
                Dimensions=[{{"Name": "FunctionName", "Value": "{self.ok}"}}],
                StartTime=now - datetime.timedelta(minutes=14),
                EndTime=now + datetime.timedelta(minutes=1), Period=900,
                Statistics=["Sum", "SampleCount", "Maximum"], Unit="Count")["Datapoints"]
            out["p90"] = cw.get_metric_statistics(
                Namespace="AWS/Lambda", MetricName="Duration",
                Dimensions=[{{"Name": "FunctionName", "Value": "{self.ok}"}}],
                StartTime=now - datetime.timedelta(minutes=14),
                EndTime=now + datetime.timedelta(minutes=1), Period=900,
                ExtendedStatistics=["p90"])["Datapoints"]
            cw.put_metric_data(Namespace="Debian/App", MetricData=[
                {{"MetricName": "Latency", "Values": [1, 2, 3], "Counts": [1, 1, 2],
                  "Unit": "Milliseconds", "Dimensions": [{{"Name": "Host", "Value": "a"}}]}}])
            data = cw.get_metric_data(MetricDataQueries=[{{"Id": "lat", "MetricStat": {{
                "Metric": {{"Namespace": "Debian/App", "MetricName": "Latency",
                           "Dimensions": [{{"Name": "Host", "Value": "a"}}]}},
                "Period": 300, "Stat": "Average"}}}}],
                StartTime=now - datetime.timedelta(minutes=5),
                EndTime=now + datetime.timedelta(minutes=5))["MetricDataResults"]
            out["data"] = [r["Values"] for r in data]
            out["listed"] = cw.list_metrics(Namespace="Debian/App")["Metrics"]
            try:
                cw.put_metric_data(Namespace="AWS/Mine", MetricData=[{{"MetricName": "m", "Value": 1}}])
            except ClientError as e:
                out["error"] = [e.response["Error"]["Code"], e.response["Error"].get("Type"),
                                e.response["ResponseMetadata"]["HTTPStatusCode"]]
            print(json.dumps(out, default=str))
        """)
        done = subprocess.run([DEBIAN_PYTHON, "-c", script], capture_output=True, text=True,
                              timeout=120, env=self.serval.cli_env())
        self.assertEqual(done.returncode, 0, done.stderr)
        out = json.loads(done.stdout)
        self.assertTrue(out["botocore"].startswith("1.29"), out["botocore"])
        self.assertEqual(len(out["stats"]), 1)
        self.assertEqual(out["stats"][0]["Sum"], 6)
        self.assertEqual(out["stats"][0]["SampleCount"], 6)
        self.assertEqual(out["stats"][0]["Unit"], "Count")
        self.assertIn("p90", out["p90"][0]["ExtendedStatistics"])
        self.assertEqual(out["data"], [[2.25]])  # (1 + 2 + 3 * 2) / 4
        self.assertEqual(out["listed"], [{"Namespace": "Debian/App", "MetricName": "Latency",
                                          "Dimensions": [{"Name": "Host", "Value": "a"}]}])
        self.assertEqual(out["error"], ["InvalidParameterValue", "Sender", 400])

    def test_cli_v2_query_protocol(self):
        now = utcnow()
        self.debian_cli("cloudwatch", "put-metric-data", "--namespace", "Cli/V2",
                        "--metric-name", "Jobs", "--value", "7", "--unit", "Count")
        out = json.loads(self.debian_cli(
            "cloudwatch", "get-metric-statistics", "--namespace", "Cli/V2", "--metric-name",
            "Jobs", "--statistics", "Sum", "Maximum", "--start-time",
            iso(now - datetime.timedelta(minutes=5)), "--end-time",
            iso(now + datetime.timedelta(minutes=5)), "--period", "600").stdout)
        self.assertEqual(out["Datapoints"][0]["Sum"], 7.0)
        listed = json.loads(self.debian_cli("cloudwatch", "list-metrics", "--namespace",
                                            "AWS/Lambda", "--metric-name", "Throttles").stdout)
        self.assertIn(self.off, {d["Value"] for m in listed["Metrics"] for d in m["Dimensions"]})
        bad = self.debian_cli(
            "cloudwatch", "get-metric-statistics", "--namespace", "AWS/Lambda", "--metric-name",
            "Invocations", "--statistics", "Sum", "--start-time", iso(now), "--end-time",
            iso(now - datetime.timedelta(minutes=5)), "--period", "60", check=False)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("InvalidParameterValue", bad.stderr)
        self.assertIn("StartTime must be less than the parameter EndTime", bad.stderr)


class BadInputTest(MetricsTestCase):
    def signed(self, body, headers):
        return signed_to_cloudwatch(self.serval, body, headers)

    def error(self, call, **kw):
        with self.assertRaises(ClientError) as caught:
            call(**kw)
        return caught.exception.response

    def test_json_errors_carry_the_query_code(self):
        now = utcnow()
        base = dict(Namespace="AWS/Lambda", MetricName="Invocations", Period=60,
                    Statistics=["Sum"])
        e = self.error(self.cw.get_metric_statistics, StartTime=now,
                       EndTime=now - datetime.timedelta(minutes=1), **base)
        self.assertEqual(e["Error"]["Code"], "InvalidParameterValue")
        self.assertEqual(e["Error"]["Type"], "Sender")
        self.assertEqual(e["ResponseMetadata"]["HTTPHeaders"]["x-amzn-query-error"],
                         "InvalidParameterValue;Sender")
        e = self.error(self.cw.get_metric_statistics, StartTime=now - datetime.timedelta(days=2),
                       EndTime=now, **base)
        self.assertEqual(e["Error"]["Code"], "InvalidParameterCombination")
        self.assertIn("exceeds the limit of 1440", e["Error"]["Message"])
        e = self.error(self.cw.get_metric_statistics, StartTime=now - datetime.timedelta(hours=1),
                       EndTime=now, ExtendedStatistics=["p99"], **base)
        self.assertEqual(e["Error"]["Code"], "InvalidParameterCombination")
        e = self.error(self.cw.get_metric_statistics, Namespace="AWS/Lambda",
                       MetricName="Invocations", Period=90, Statistics=["Sum"],
                       StartTime=now - datetime.timedelta(hours=1), EndTime=now)
        self.assertEqual(e["Error"]["Code"], "InvalidParameterValue")
        e = self.error(self.cw.put_metric_data, Namespace="AWS/Lambda",
                       MetricData=[{"MetricName": "Invocations", "Value": 1}])
        self.assertEqual(e["Error"]["Code"], "InvalidParameterValue")
        e = self.error(self.cw.put_metric_data, Namespace="App",
                       MetricData=[{"MetricName": "m", "Value": 1,
                                    "StatisticValues": {"SampleCount": 1, "Sum": 1, "Minimum": 1,
                                                        "Maximum": 1}}])
        self.assertEqual(e["Error"]["Code"], "InvalidParameterCombination")
        e = self.error(self.cw.put_metric_data, Namespace="App",
                       MetricData=[{"MetricName": "m", "Values": [1, 2], "Counts": [1]}])
        self.assertEqual(e["Error"]["Code"], "InvalidParameterValue")
        e = self.error(self.cw.put_metric_data, Namespace="App",
                       MetricData=[{"MetricName": "m", "Value": 1,
                                    "Timestamp": now - datetime.timedelta(days=15)}])
        self.assertIn("two weeks", e["Error"]["Message"])
        metric_stat = {"Metric": {"Namespace": "AWS/Lambda", "MetricName": "Invocations"},
                       "Period": 60, "Stat": "Sum"}
        e = self.error(self.cw.get_metric_data, StartTime=now - datetime.timedelta(hours=1),
                       EndTime=now, MetricDataQueries=[{"Id": "Bad", "MetricStat": metric_stat}])
        self.assertEqual(e["Error"]["Code"], "InvalidParameterValue")
        e = self.error(self.cw.get_metric_data, StartTime=now - datetime.timedelta(hours=1),
                       EndTime=now, MetricDataQueries=[{"Id": "m", "Expression": "SUM(METRICS())"}])
        self.assertIn("math-free", e["Error"]["Message"])
        e = self.error(self.cw.get_metric_data, StartTime=now - datetime.timedelta(hours=1),
                       EndTime=now, NextToken="bm9wZQ==",
                       MetricDataQueries=[{"Id": "m", "MetricStat": metric_stat}])
        self.assertEqual(e["Error"]["Code"], "InvalidNextToken")
        e = self.error(self.cw.list_metrics, RecentlyActive="PT1H")
        self.assertEqual(e["Error"]["Code"], "InvalidParameterValue")

    def test_query_errors_are_error_responses(self):
        status, headers, body = self.signed(
            b"Action=PutMetricData&Version=2010-08-01&Namespace=AWS%2FX"
            b"&MetricData.member.1.MetricName=m&MetricData.member.1.Value=1",
            {"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"})
        self.assertEqual(status, 400)
        text = body.decode()
        self.assertIn("<ErrorResponse", text)
        self.assertIn("<Type>Sender</Type><Code>InvalidParameterValue</Code>", text)
        status, _, body = self.signed(b"Action=PutMetricData&Version=2010-08-01",
                                      {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>MissingParameter</Code>", body)
        status, _, body = self.signed(
            b"Action=GetMetricStatistics&Version=2010-08-01&Namespace=N&MetricName=m"
            b"&StartTime=yesterday&EndTime=2024-01-01T00%3A00%3A00Z&Period=60"
            b"&Statistics.member.1=Sum", {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400)
        self.assertIn(b"InvalidParameterValue", body)
        status, headers, body = self.signed(b"{}", {
            "Content-Type": "application/x-amz-json-1.0", "x-amzn-query-mode": "true",
            "X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics"})
        self.assertEqual(status, 200, body)
        status, headers, body = self.signed(b'{"Namespace": "AWS/Z", "MetricData": []}', {
            "Content-Type": "application/x-amz-json-1.0", "x-amzn-query-mode": "true",
            "X-Amz-Target": "GraniteServiceVersion20100801.PutMetricData"})
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(body)["__type"], "InvalidParameterValueException")
        self.assertEqual(headers["x-amzn-query-error"], "InvalidParameterValue;Sender")


class CustomMetricsTest(ServalTestCase):
    def test_put_then_read_every_statistic_and_page_list_metrics(self):
        cw = self.serval.client("cloudwatch")
        now = utcnow()
        cw.put_metric_data(Namespace="Shop", MetricData=[
            {"MetricName": "Latency", "Values": [10, 20, 30], "Counts": [1, 2, 1],
             "Unit": "Milliseconds", "Timestamp": now},
            {"MetricName": "Latency", "StatisticValues": {"SampleCount": 2, "Sum": 80,
                                                          "Minimum": 35, "Maximum": 45},
             "Unit": "Milliseconds", "Timestamp": now},
            {"MetricName": "Latency", "Value": 999, "Unit": "Seconds", "Timestamp": now,
             "StorageResolution": 60},
        ])
        window = dict(StartTime=now - datetime.timedelta(minutes=5),
                      EndTime=now + datetime.timedelta(minutes=5), Period=600)
        points = cw.get_metric_statistics(Namespace="Shop", MetricName="Latency",
                                          Unit="Milliseconds", **window,
                                          Statistics=["SampleCount", "Sum", "Average", "Minimum",
                                                      "Maximum"])["Datapoints"]
        self.assertEqual(len(points), 1)
        self.assertEqual(points[0]["SampleCount"], 6)
        self.assertEqual(points[0]["Sum"], 160)
        self.assertAlmostEqual(points[0]["Average"], 160 / 6)
        self.assertEqual((points[0]["Minimum"], points[0]["Maximum"]), (10, 45))
        self.assertEqual(points[0]["Unit"], "Milliseconds")
        # A statistic set of distinct values has no percentiles; plain values do.
        p50 = cw.get_metric_statistics(Namespace="Shop", MetricName="Latency", Unit="Seconds",
                                       **window, ExtendedStatistics=["p50"])["Datapoints"]
        self.assertAlmostEqual(p50[0]["ExtendedStatistics"]["p50"], 999, delta=10)
        both = cw.get_metric_statistics(Namespace="Shop", MetricName="Latency", **window,
                                        Statistics=["Sum"])["Datapoints"]
        self.assertEqual(sorted(p["Unit"] for p in both), ["Milliseconds", "Seconds"])
        # 520 metrics: ListMetrics pages of 500.
        for start in range(0, 520, 100):
            cw.put_metric_data(Namespace="Many", MetricData=[
                {"MetricName": f"m{i:03d}", "Value": i} for i in range(start, min(start + 100, 520))])
        pages = [p["Metrics"] for p in cw.get_paginator("list_metrics").paginate(Namespace="Many")]
        self.assertEqual([len(p) for p in pages], [500, 20])
        self.assertEqual(len({m["MetricName"] for p in pages for m in p}), 520)


def signed_to_cloudwatch(serval, body, headers):
    """A raw SigV4-signed POST to CloudWatch's endpoint."""
    request = botocore.awsrequest.AWSRequest(method="POST", url=serval.endpoint + "/",
                                             data=body, headers=headers)
    botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                            "monitoring", REGION).add_auth(request)
    return serval.raw("POST", "/", body, dict(request.headers.items()), sign=False)


class CompressedRequestTest(ServalTestCase):
    def signed(self, body, headers):
        return signed_to_cloudwatch(self.serval, body, headers)

    def test_gzip_bodies_are_read(self):
        # Current SDKs gzip a PutMetricData body of 10 KB or more (Content-Encoding: gzip).
        cw = self.serval.client("cloudwatch")
        encodings = []
        cw.meta.events.register("before-send.cloudwatch.PutMetricData", lambda request, **_:
                                encodings.append(request.headers.get("Content-Encoding")))
        now = utcnow()
        cw.put_metric_data(Namespace="Batch", MetricData=[
            {"MetricName": "Items", "Value": i, "Timestamp": now,
             "Dimensions": [{"Name": "Shard", "Value": f"shard-{i % 4}"}]} for i in range(600)])
        self.assertIn(b"gzip", str(encodings).encode())  # the SDK did compress it
        sums = [p["Sum"] for shard in range(4) for p in cw.get_metric_statistics(
            Namespace="Batch", MetricName="Items", Statistics=["Sum"], Period=600,
            Dimensions=[{"Name": "Shard", "Value": f"shard-{shard}"}],
            StartTime=now - datetime.timedelta(minutes=5),
            EndTime=now + datetime.timedelta(minutes=5))["Datapoints"]]
        self.assertEqual(sum(sums), sum(range(600)))
        # The query protocol, compressed by hand; a body that is not gzip is the caller's error.
        form = b"Action=PutMetricData&Version=2010-08-01&Namespace=Hand&MetricData.member.1.MetricName=m" \
               b"&MetricData.member.1.Value=7"
        status, _, body = self.signed(gzip.compress(form), {
            "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip"})
        self.assertEqual(status, 200, body)
        self.assertEqual([m["MetricName"] for m in cw.list_metrics(Namespace="Hand")["Metrics"]], ["m"])
        for broken in (form, gzip.compress(form)[:-5]):
            status, _, body = self.signed(broken, {
                "Content-Type": "application/x-www-form-urlencoded", "Content-Encoding": "gzip"})
            self.assertEqual(status, 400, body)
            self.assertIn(b"<Code>InvalidParameterValue</Code>", body)


class RestartTest(ServalTestCase):
    def test_figures_survive_a_restart(self):
        name = unique_name("keep")
        self.create_function(name=name)
        for _ in range(3):
            self.invoke(name, {})
        cw = self.serval.client("cloudwatch")
        cw.put_metric_data(Namespace="Kept", MetricData=[{"MetricName": "n", "Value": 5}])
        self.serval.stop()
        self.serval.start()
        self.__class__.lam = self.serval.client()
        cw = self.serval.client("cloudwatch")
        self.assertEqual(MetricsTestCase.statistic("Invocations", {"FunctionName": name}, cw=cw), 3)
        now = utcnow()
        points = cw.get_metric_statistics(Namespace="Kept", MetricName="n", Statistics=["Sum"],
                                          StartTime=now - datetime.timedelta(minutes=10),
                                          EndTime=now + datetime.timedelta(minutes=1),
                                          Period=660)["Datapoints"]
        self.assertEqual([p["Sum"] for p in points], [5])
        self.assertEqual(len(cw.list_metrics(Namespace="Kept")["Metrics"]), 1)


class PrometheusTest(MetricsTestCase):
    def scrape(self, headers=None):
        request = urllib.request.Request(self.serval.endpoint + "/metrics", headers=headers or {})
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as e:
            return e.code, dict(e.headers), e.read().decode()

    def test_anonymous_and_wrong_secret_are_refused(self):
        status, _, _ = self.scrape()
        self.assertEqual(status, 403)
        wrong = base64.b64encode(f"{ACCESS_KEY}:nope".encode()).decode()
        status, headers, _ = self.scrape({"Authorization": f"Basic {wrong}"})
        self.assertEqual(status, 401)
        self.assertIn("Basic", headers.get("WWW-Authenticate", ""))

    def test_basic_auth_and_sigv4_scrapes(self):
        good = base64.b64encode(f"{ACCESS_KEY}:{SECRET_KEY}".encode()).decode()
        status, headers, text = self.scrape({"Authorization": f"Basic {good}"})
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/plain; version=0.0.4"))
        self.assertIn(f'serval_lambda_invocations_total{{function="{self.bad}",'
                      f'resource="{self.bad}",executed_version="$LATEST"}} 3', text)
        self.assertIn(f'serval_lambda_errors_total{{function="{self.bad}",'
                      f'resource="{self.bad}",executed_version="$LATEST"}} 3', text)
        self.assertIn(f'serval_lambda_throttles_total{{function="{self.off}",'
                      f'resource="{self.off}"}} 4', text)
        self.assertIn(f'serval_lambda_duration_milliseconds_count{{function="{self.ok}",'
                      f'resource="{self.ok}:live",executed_version="{self.version}"}} 2', text)
        self.assertIn("serval_async_queue_depth 0", text)
        request = botocore.awsrequest.AWSRequest(method="GET", url=self.serval.endpoint + "/metrics")
        botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                                "monitoring", REGION).add_auth(request)
        status, _, signed = self.scrape(dict(request.headers.items()))
        self.assertEqual(status, 200)
        self.assertIn("serval_lambda_invocations_total", signed)

    def test_prometheus_scrapes_it(self):
        if not os.path.exists(PROMETHEUS):
            self.skipTest("Debian's prometheus is not installed")
        work = tempfile.mkdtemp(prefix="serval-prom-")
        self.addCleanup(shutil.rmtree, work, True)
        target = urllib.parse.urlsplit(self.serval.endpoint).netloc
        with open(os.path.join(work, "prometheus.yml"), "w") as f:
            f.write(textwrap.dedent(f"""
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: serval
                    metrics_path: /metrics
                    basic_auth:
                      username: {ACCESS_KEY}
                      password: {SECRET_KEY}
                    static_configs:
                      - targets: ["{target}"]
            """))
        port = free_port()
        prometheus_log = open(os.path.join(work, "prometheus.log"), "wb")
        self.addCleanup(prometheus_log.close)
        prometheus = subprocess.Popen(
            [PROMETHEUS, f"--config.file={work}/prometheus.yml",
             f"--storage.tsdb.path={work}/data", f"--web.listen-address=127.0.0.1:{port}"],
            stdout=subprocess.DEVNULL, stderr=prometheus_log)
        self.addCleanup(prometheus.wait, 30)
        self.addCleanup(prometheus.terminate)
        api = f"http://127.0.0.1:{port}/api/v1"
        query = urllib.parse.quote(
            f'sum(serval_lambda_invocations_total{{function="{self.ok}"}})')
        deadline = time.monotonic() + 60
        health, value = None, None
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{api}/targets", timeout=5) as r:
                    targets = json.load(r)["data"]["activeTargets"]
                health = targets[0]["health"] if targets else None
                if health == "up":
                    with urllib.request.urlopen(f"{api}/query?query={query}", timeout=5) as r:
                        result = json.load(r)["data"]["result"]
                    if result:
                        value = float(result[0]["value"][1])
                        break
            except (OSError, ValueError, KeyError):
                pass
            time.sleep(0.5)
        with open(os.path.join(work, "prometheus.log"), errors="replace") as f:
            log = f.read()[-3000:]
        self.assertEqual(health, "up", log)
        self.assertEqual(value, 6.0, log)
