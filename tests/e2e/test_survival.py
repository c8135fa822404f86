"""Issue 5: the survival statistics blueprint, deployed with `serval deploy` and invoked with the
AWS CLI on the seed's TCGA payload (MKI67 and APOE, 480 patients)."""

import json
import os
import subprocess
import unittest

from serval_harness import REPO_ROOT, SERVAL_BIN, ServalTestCase, cli_payload_args

TCGA_REQUEST = os.path.join(REPO_ROOT, "blueprints", "survival", "fixtures",
                            "seed_tcga_request.json")


class SurvivalBlueprintTest(ServalTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        deployed = subprocess.run(
            [SERVAL_BIN, "deploy", os.path.join(REPO_ROOT, "blueprints", "survival"),
             "--endpoint-url", cls.serval.endpoint],
            capture_output=True, text=True, timeout=60, env=cls.serval.cli_env())
        assert deployed.returncode == 0, deployed.stderr
        assert "function:survival" in deployed.stdout, deployed.stdout

    def test_seed_tcga_numbers_through_the_aws_cli(self):
        out_file = os.path.join(self.serval.tmp_root, "out.json")
        meta = self.serval.cli_json("lambda", "invoke", "--function-name", "survival",
                                    *cli_payload_args(), "--payload", "fileb://" + TCGA_REQUEST,
                                    out_file)
        self.assertNotIn("FunctionError", meta)
        with open(out_file) as f:
            text = f.read()
        stats = json.loads(text)["statistics_list"]
        # The post's response: hazards to the last bit, p-values to 1e-12 (see cox_test.cc).
        self.assertEqual(stats[0]["hazard"], 1.3926333898762577)
        self.assertAlmostEqual(stats[0]["pval"] / 0.005922935208231839, 1, delta=1e-12)
        self.assertEqual(stats[1]["hazard"], 0.957292958555334)
        self.assertEqual(stats[1]["pval"], 0.7976137866147548)
        self.assertIn('"hazard":1.3926333898762577', text)  # plain numbers, as the seed prints

    def test_legacy_pvalue_formula_reproduces_the_seeds_digits(self):
        # The post's R (survival 2.39-4) computed 1 - pchisq(z^2, 1); PVALUE_FORMULA=legacy does
        # the same, so every number the post prints comes back exactly.
        self.lam.update_function_configuration(
            FunctionName="survival", Environment={"Variables": {"PVALUE_FORMULA": "legacy"}})
        self.addCleanup(self.lam.update_function_configuration, FunctionName="survival",
                        Environment={"Variables": {}})
        with open(TCGA_REQUEST, "rb") as f:
            stats = self.invoke_json("survival", f.read())["statistics_list"]
        self.assertEqual([(s["hazard"], s["pval"]) for s in stats],
                         [(1.3926333898762577, 0.005922935208231839),
                          (0.957292958555334, 0.7976137866147548)])

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

    def test_redeploy_updates_in_place(self):
        again = subprocess.run(
            [SERVAL_BIN, "deploy", os.path.join(REPO_ROOT, "blueprints", "survival"),
             "--endpoint-url", self.serval.endpoint],
            capture_output=True, text=True, timeout=60, env=self.serval.cli_env())
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertIn("survival", [f["FunctionName"] for f in self.lam.list_functions()["Functions"]])


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
