"""DynamoDB with the AWS CLI (v1 or v2) as a user types it: create-table, wait table-exists
(immediately), put-item/get-item, query and scan auto-paginating over many pages (--page-size),
--max-items with its NextToken, update-item, delete-table and wait table-not-exists."""

import json
import time

from dynamodb_case import DynamoCase
from serval_harness import unique_name


class CliTest(DynamoCase):
    def test_table_lifecycle_and_items(self):
        name = unique_name("cli")
        out = self.serval.cli_json(
            "dynamodb", "create-table", "--table-name", name,
            "--attribute-definitions", "AttributeName=pk,AttributeType=S",
            "AttributeName=sk,AttributeType=N",
            "--key-schema", "AttributeName=pk,KeyType=HASH", "AttributeName=sk,KeyType=RANGE",
            "--billing-mode", "PAY_PER_REQUEST")
        self.addCleanup(self.delete_table_quietly, name)
        self.assertEqual(out["TableDescription"]["TableName"], name)
        t0 = time.monotonic()
        self.serval.cli("dynamodb", "wait", "table-exists", "--table-name", name)
        self.assertLess(time.monotonic() - t0, 10.0)  # the first poll sees ACTIVE (CLI start ~1 s)
        self.serval.cli("dynamodb", "put-item", "--table-name", name, "--item",
                        json.dumps({"pk": {"S": "a"}, "sk": {"N": "1.50"}, "tags": {"SS": ["x"]}}))
        item = self.serval.cli_json("dynamodb", "get-item", "--table-name", name, "--key",
                                    json.dumps({"pk": {"S": "a"}, "sk": {"N": "1.5"}}))["Item"]
        self.assertEqual(item["pk"], {"S": "a"})
        self.assertEqual(item["tags"], {"SS": ["x"]})
        out = self.serval.cli_json(
            "dynamodb", "update-item", "--table-name", name,
            "--key", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1.5"}}),
            "--update-expression", "ADD #c :one", "--expression-attribute-names", '{"#c": "count"}',
            "--expression-attribute-values", '{":one": {"N": "1"}}', "--return-values", "UPDATED_NEW")
        self.assertEqual(out["Attributes"], {"count": {"N": "1"}})
        p = self.serval.cli("dynamodb", "put-item", "--table-name", name,
                            "--item", json.dumps({"pk": {"S": "a"}, "sk": {"N": "1.5"}}),
                            "--condition-expression", "attribute_not_exists(pk)", check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ConditionalCheckFailedException", p.stderr)
        self.assertEqual(self.get(name, {"pk": {"S": "a"}, "sk": {"N": "1.5"}})["count"], {"N": "1"})
        self.serval.cli("dynamodb", "delete-table", "--table-name", name)
        t0 = time.monotonic()
        self.serval.cli("dynamodb", "wait", "table-not-exists", "--table-name", name)
        self.assertLess(time.monotonic() - t0, 10.0)
        p = self.serval.cli("dynamodb", "describe-table", "--table-name", name, check=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("ResourceNotFoundException", p.stderr)

    def test_auto_pagination(self):
        name = self.create_table(("pk", "S"), ("sk", "N"))
        for start in range(0, 30, 15):
            self.ddb.batch_write_item(RequestItems={name: [
                {"PutRequest": {"Item": {"pk": {"S": "p" if i % 3 else "q"}, "sk": {"N": str(i)},
                                         "n": {"N": str(i)}}}}
                for i in range(start, start + 15)]})
        # scan: 30 items in pages of 4, merged by the CLI.
        out = self.serval.cli_json("dynamodb", "scan", "--table-name", name, "--page-size", "4")
        keys = sorted((i["pk"]["S"], int(i["sk"]["N"])) for i in out["Items"])
        self.assertEqual(len(keys), 30)
        self.assertEqual(len(set(keys)), 30)
        self.assertEqual(out["Count"], 30)
        # query: 20 items of p, in sort-key order, pages of 3, with a filter that drops some
        # (on a non-key attribute: a Query's filter may not name key attributes).
        out = self.serval.cli_json(
            "dynamodb", "query", "--table-name", name, "--page-size", "3",
            "--key-condition-expression", "pk = :p", "--filter-expression", "n > :min",
            "--expression-attribute-values", '{":p": {"S": "p"}, ":min": {"N": "4"}}')
        want = [i for i in range(30) if i % 3 and i > 4]
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], want)
        self.assertEqual(out["Count"], len(want))
        self.assertEqual(out["ScannedCount"], 20)
        # --max-items stops early and hands out a token that resumes.
        first = self.serval.cli_json("dynamodb", "query", "--table-name", name,
                                     "--key-condition-expression", "pk = :p",
                                     "--expression-attribute-values", '{":p": {"S": "p"}}',
                                     "--page-size", "3", "--max-items", "7")
        self.assertEqual(len(first["Items"]), 7)
        self.assertTrue(first.get("NextToken"))
        rest = self.serval.cli_json("dynamodb", "query", "--table-name", name,
                                    "--key-condition-expression", "pk = :p",
                                    "--expression-attribute-values", '{":p": {"S": "p"}}',
                                    "--page-size", "3", "--starting-token", first["NextToken"])
        got = [int(i["sk"]["N"]) for i in first["Items"] + rest["Items"]]
        self.assertEqual(got, [i for i in range(30) if i % 3])
        # list-tables auto-paginates too.
        out = self.serval.cli_json("dynamodb", "list-tables", "--page-size", "1")
        self.assertIn(name, out["TableNames"])
