"""Issue 5: the survival statistics blueprint, deployed with `serval deploy` and invoked with the
AWS CLI on the seed's TCGA payload (MKI67 and APOE, 480 patients). Issue 7: its API Gateway
route, POST /survival, answering the seed's curl command (run with real curl) with the seed's
numbers and a bad payload with the post's 400 mapping."""

import json
import os
import re
import subprocess
import time
import unittest

from serval_harness import (ACCOUNT, REGION, REPO_ROOT, SERVAL_BIN, ServalTestCase,
                            cli_payload_args, curl, invoke_urls)

TCGA_REQUEST = os.path.join(REPO_ROOT, "blueprints", "survival", "fixtures",
                            "seed_tcga_request.json")
# What the post's curl command printed (Step 11).
SEED_STATISTICS = [(1.3926333898762577, 0.005922935208231839),
                   (0.957292958555334, 0.7976137866147548)]
UUID_RE = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


def post(url, data):
    """The post's command: curl -H "Content-Type: application/json" -X POST -d DATA URL.
    (status, body text)."""
    status, _, body = curl(url, "-H", "Content-Type: application/json", "-X", "POST", "-d", data)
    return status, body


def pairs(text):
    return [(s["hazard"], s["pval"]) for s in json.loads(text)["statistics_list"]]


class SurvivalBlueprintTest(ServalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.deployed = cls.serval_deploy("survival", check=True)
        assert "function:survival" in cls.deployed.stdout, cls.deployed.stdout
        cls.host_url, cls.path_url = invoke_urls(cls.deployed.stdout)

    def test_deploy_creates_the_api_and_prints_its_invoke_urls(self):
        apis = self.serval.client("apigateway").get_rest_apis()["items"]
        [api] = [a["id"] for a in apis if a["name"] == "survival"]
        self.assertIn(f"RestApi survival: created (arn:aws:execute-api:{REGION}:{ACCOUNT}:{api})",
                      self.deployed.stdout)
        self.assertEqual(self.host_url,
                         f"http://{api}.execute-api.localhost:{self.serval.port}/prod")
        self.assertEqual(self.path_url,
                         f"{self.serval.endpoint}/restapis/{api}/prod/_user_request_")
        self.assertIn("0 updated, 0 unchanged", self.deployed.stdout)

    def test_the_seeds_curl_command_answers_the_seeds_numbers(self):
        for base in (self.host_url, self.path_url):
            with self.subTest(url=base):
                status, text = post(base + "/survival", "@" + TCGA_REQUEST)
                self.assertEqual(status, 200, text)
                # PVALUE_FORMULA=legacy (the blueprint's default): every digit the post prints.
                self.assertEqual(pairs(text), SEED_STATISTICS)

    def test_a_bad_payload_is_the_posts_400(self):
        status, text = post(self.host_url + "/survival",
                            json.dumps({"times": [1, 2, 3], "events": [1, 0],
                                        "values_by_record": [[1, 2, 3]]}))
        self.assertEqual(status, 400, text)
        body = json.loads(text)
        self.assertEqual(list(body), ["code", "message", "request-id"])
        self.assertEqual(body["code"], 400)
        self.assertEqual(body["message"], "times and events must have the same length")
        self.assertRegex(body["request-id"], UUID_RE)
        # The Lambda request id: the invocation the function's log shows.
        deadline = time.monotonic() + 10
        while True:
            logs = subprocess.run([SERVAL_BIN, "logs", "survival", "--data-dir",
                                   self.serval.data_dir], capture_output=True, text=True,
                                  timeout=30).stdout
            if f"START RequestId: {body['request-id']}" in logs or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        self.assertIn(f"START RequestId: {body['request-id']}", logs)

    def test_a_body_that_is_not_json_is_api_gateways_500(self):
        # Lambda refuses the payload before the function runs: no error object to map.
        status, text = post(self.path_url + "/survival", "times=1,2,3")
        self.assertEqual(status, 500, text)
        self.assertEqual(json.loads(text), {"message": "Internal server error"})

    def test_seed_tcga_numbers_through_the_aws_cli(self):
        out_file = os.path.join(self.serval.tmp_root, "out.json")
        meta = self.serval.cli_json("lambda", "invoke", "--function-name", "survival",
                                    *cli_payload_args(), "--payload", "fileb://" + TCGA_REQUEST,
                                    out_file)
        self.assertNotIn("FunctionError", meta)
        with open(out_file) as f:
            text = f.read()
        self.assertEqual(pairs(text), SEED_STATISTICS)
        self.assertIn('"hazard":1.3926333898762577', text)  # plain numbers, as the seed prints

    def test_current_pvalue_formula_is_a_parameter(self):
        # Today's R computes pchisq(z^2, 1, lower.tail = FALSE): the post's p-values to 1e-12
        # (see cox_test.cc), hazards to the last bit. Only the function changes.
        current = self.serval_deploy("survival", "--parameter", "PValueFormula=current")
        self.addCleanup(self.serval_deploy, "survival")
        self.assertEqual(current.returncode, 0, current.stderr)
        self.assertIn("Function survival: updated", current.stdout)
        self.assertIn("1 updated, 3 unchanged", current.stdout)
        config = self.lam.get_function_configuration(FunctionName="survival")
        self.assertEqual(config["Environment"]["Variables"], {"PVALUE_FORMULA": "current"})
        status, text = post(self.host_url + "/survival", "@" + TCGA_REQUEST)
        self.assertEqual(status, 200, text)
        stats = pairs(text)
        self.assertEqual(stats[0][0], SEED_STATISTICS[0][0])
        self.assertAlmostEqual(stats[0][1] / SEED_STATISTICS[0][1], 1, delta=1e-12)
        self.assertEqual(stats[1], SEED_STATISTICS[1])

    def test_configuration_chosen_for_the_workload(self):
        config = self.lam.get_function_configuration(FunctionName="survival")
        self.assertEqual((config["Runtime"], config["MemorySize"], config["Timeout"]),
                         ("provided.al2023", 1024, 60))

    def test_bad_input_is_the_seeds_statistics_error(self):
        resp, body = self.invoke("survival", {"times": [1, 2, 3], "events": [1, 0],
                                              "values_by_record": [[1, 2, 3]]})
        self.assertEqual(resp.get("FunctionError"), "Unhandled")
        error = json.loads(json.loads(body)["errorMessage"])
        self.assertEqual(error["errorType"], "StatisticsError")
        self.assertEqual(error["httpStatus"], 400)
        self.assertEqual(error["request_id"], resp["ResponseMetadata"]["RequestId"])
        self.assertIn("same length", error["message"])

    def test_records_without_an_estimate_are_null(self):
        out = self.invoke_json("survival", {"times": [5, 8, 3, 9, 4, 7],
                                            "events": [1, 0, 1, 1, 0, 1],
                                            "values_by_record": [[2, 2, 2, 2, 2, 2],
                                                                 [0.5, 1.5, 0.2, 2.5, 0.9, 1.1]]})
        self.assertEqual(out["statistics_list"][0], {"hazard": None, "pval": None})
        self.assertIsInstance(out["statistics_list"][1]["hazard"], float)

    def test_redeploy_changes_nothing(self):
        again = self.serval_deploy("survival")
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("0 created, 0 updated, 4 unchanged", again.stdout)
        self.assertIn("RestApi survival: unchanged", again.stdout)
        self.assertEqual(invoke_urls(again.stdout), [self.host_url, self.path_url])
        self.assertEqual(len(self.serval.client("apigateway").get_deployments(
            restApiId=re.search(r"/restapis/(\w+)/", self.path_url).group(1))["items"]), 1)


class DeployErrorsTest(unittest.TestCase):

    def test_unreachable_endpoint_and_missing_manifest(self):
        unreachable = subprocess.run(
            [SERVAL_BIN, "deploy", os.path.join(REPO_ROOT, "blueprints", "survival"),
             "--endpoint-url", "http://127.0.0.1:1"], capture_output=True, text=True, timeout=30)
        self.assertEqual(unreachable.returncode, 1)
        self.assertIn("cannot connect", unreachable.stderr)
        missing = subprocess.run([SERVAL_BIN, "deploy", REPO_ROOT], capture_output=True,
                                 text=True, timeout=30)
        self.assertEqual(missing.returncode, 1)
        self.assertIn("serval-blueprint.json", missing.stderr)


if __name__ == "__main__":
    unittest.main()
