"""DynamoDB batches and transactions with boto3: BatchWriteItem (25 requests, duplicates, all or
nothing on bad input), BatchGetItem (100 keys), TransactWriteItems (ConditionCheck/Put/Update/
Delete, TransactionCanceledException with CancellationReasons in request order, idempotency by
ClientRequestToken), TransactGetItems; concurrent UpdateItem ADD and conditional puts from many
threads (no lost update, one winner)."""

import threading
import uuid

from dynamodb_case import DynamoCase


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


class BatchTest(DynamoCase):
    def setUp(self):
        self.t1 = self.create_table(("pk", "S"))
        self.t2 = self.create_table(("pk", "S"), ("sk", "N"))

    def put_req(self, pk, **attrs):
        return {"PutRequest": {"Item": dict({"pk": S(pk)}, **attrs)}}

    def test_batch_write_25_puts_and_deletes(self):
        out = self.ddb.batch_write_item(RequestItems={
            self.t1: [self.put_req(f"k{i}", v=N(i)) for i in range(20)],
            self.t2: [{"PutRequest": {"Item": {"pk": S("a"), "sk": N(i)}}} for i in range(5)]})
        self.assertEqual(out["UnprocessedItems"], {})
        self.assertEqual(len(self.scan_all(self.t1)), 20)
        self.assertEqual(len(self.scan_all(self.t2)), 5)
        out = self.ddb.batch_write_item(RequestItems={
            self.t1: [{"DeleteRequest": {"Key": {"pk": S(f"k{i}")}}} for i in range(10)]
                     + [self.put_req("k15", v=S("replaced")), self.put_req("new")],
            self.t2: [{"DeleteRequest": {"Key": {"pk": S("a"), "sk": N(0)}}},
                      {"DeleteRequest": {"Key": {"pk": S("missing"), "sk": N(0)}}}]})
        self.assertEqual(out["UnprocessedItems"], {})
        self.assertEqual(sorted(i["pk"]["S"] for i in self.scan_all(self.t1)),
                         sorted([f"k{i}" for i in range(10, 20)] + ["new"]))
        self.assertEqual(self.get(self.t1, {"pk": S("k15")})["v"], S("replaced"))
        self.assertEqual(len(self.scan_all(self.t2)), 4)

    def test_batch_write_refuses_26(self):
        with self.deviates("moto: no 25-request limit on BatchWriteItem"):
            self.ddb_error("batch_write_item", "ValidationException",
                           message_contains="less than or equal to 25", client=self.ddb_novalidate,
                           RequestItems={self.t1: [self.put_req(f"k{i}") for i in range(26)]})
            self.assertEqual(self.scan_all(self.t1), [])
            # 25 in all, not per table.
            self.ddb_error("batch_write_item", "ValidationException", client=self.ddb_novalidate,
                           RequestItems={self.t1: [self.put_req(f"x{i}") for i in range(13)],
                                         self.t2: [{"PutRequest": {"Item": {"pk": S("a"), "sk": N(i)}}}
                                                   for i in range(13)]})
            self.assertEqual(self.scan_all(self.t1), [])
            self.assertEqual(self.scan_all(self.t2), [])

    def test_batch_write_refuses_duplicates(self):
        for second in (self.put_req("dup", v=N(2)), {"DeleteRequest": {"Key": {"pk": S("dup")}}}):
            with self.subTest(second=list(second)[0]), \
                    self.deviates("moto: no duplicate check in BatchWriteItem"):
                self.ddb_error("batch_write_item", "ValidationException",
                               message="Provided list of item keys contains duplicates",
                               RequestItems={self.t1: [self.put_req("other"),
                                                       self.put_req("dup", v=N(1)), second]})
                self.assertEqual(self.scan_all(self.t1), [])

    def test_batch_write_with_a_bad_request_writes_nothing(self):
        cases = {
            "missing table": ({self.t1: [self.put_req("a")],
                               "no-such-table-" + uuid.uuid4().hex[:6]: [self.put_req("b")]},
                              "ResourceNotFoundException"),
            "key type": ({self.t1: [self.put_req("a"), {"PutRequest": {"Item": {"pk": N(1)}}}]},
                         "ValidationException"),
            "missing key": ({self.t1: [self.put_req("a"), {"PutRequest": {"Item": {"x": S("1")}}}]},
                            "ValidationException"),
            "too large": ({self.t1: [self.put_req("a"), self.put_req("big", d=S("x" * 410000))]},
                          "ValidationException"),
        }
        for label, (request, code) in cases.items():
            with self.subTest(case=label), self.deviates(
                    None if label == "missing table" else "moto: writes the batch up to the bad request"):
                self.ddb_error("batch_write_item", code, RequestItems=request)
                self.assertEqual(self.scan_all(self.t1), [])

    def test_batch_get_100_and_more(self):
        for start in range(0, 100, 25):
            self.ddb.batch_write_item(RequestItems={
                self.t1: [self.put_req(f"k{i}", v=N(i), w=S("w")) for i in range(start, start + 25)]})
        out = self.ddb.batch_get_item(RequestItems={
            self.t1: {"Keys": [{"pk": S(f"k{i}")} for i in range(99)] + [{"pk": S("absent")}]}})
        self.assertEqual(out["UnprocessedKeys"], {})
        got = out["Responses"][self.t1]
        self.assertEqual(sorted(int(i["v"]["N"]) for i in got), list(range(99)))
        self.assertEqual(got[0].keys(), {"pk", "v", "w"})
        r = self.ddb_error("batch_get_item", "ValidationException", client=self.ddb_novalidate,
                           RequestItems={self.t1: {"Keys": [{"pk": S(f"k{i}")} for i in range(101)]}})
        # The model's text, or the framework's length check on the one table's Keys.
        self.assertTrue("Too many items requested for the BatchGetItem call" in r["Error"]["Message"]
                        or "less than or equal to 100" in r["Error"]["Message"], r)
        self.ddb_error("batch_get_item", "ValidationException",
                       message="Provided list of item keys contains duplicates",
                       RequestItems={self.t1: {"Keys": [{"pk": S("k1")}, {"pk": S("k1")}]}})

    def test_batch_get_two_tables_with_projection(self):
        self.ddb.put_item(TableName=self.t1, Item={"pk": S("a"), "v": N(1), "w": S("x")})
        self.ddb.put_item(TableName=self.t2, Item={"pk": S("a"), "sk": N(1), "v": N(2)})
        out = self.ddb.batch_get_item(RequestItems={
            self.t1: {"Keys": [{"pk": S("a")}], "ProjectionExpression": "#v",
                      "ExpressionAttributeNames": {"#v": "v"}, "ConsistentRead": True},
            self.t2: {"Keys": [{"pk": S("a"), "sk": N(1)}, {"pk": S("a"), "sk": N(2)}]}})
        self.assertEqual(out["Responses"][self.t1], [{"v": N(1)}])
        self.assertEqual(out["Responses"][self.t2], [{"pk": S("a"), "sk": N(1), "v": N(2)}])
        self.assertEqual(out["UnprocessedKeys"], {})
        # Capacity per table: a unit per strongly consistent item read, half otherwise, found
        # or not.
        out = self.ddb.batch_get_item(ReturnConsumedCapacity="TOTAL", RequestItems={
            self.t1: {"Keys": [{"pk": S("a")}], "ConsistentRead": True},
            self.t2: {"Keys": [{"pk": S("a"), "sk": N(1)}, {"pk": S("a"), "sk": N(2)}]}})
        self.assertEqual(sorted((c["TableName"], c["CapacityUnits"]) for c in out["ConsumedCapacity"]),
                         sorted([(self.t1, 1.0), (self.t2, 1.0)]))


class TransactTest(DynamoCase):
    def setUp(self):
        self.t = self.create_table(("pk", "S"))
        for pk, v in (("check", 1), ("upd", 10), ("del", 0), ("exists", 7)):
            self.ddb.put_item(TableName=self.t, Item={"pk": S(pk), "v": N(v)})
        self.before = sorted(self.scan_all(self.t), key=lambda i: i["pk"]["S"])

    def state(self):
        return sorted(self.scan_all(self.t), key=lambda i: i["pk"]["S"])

    def actions(self, check_value=1):
        return [
            {"ConditionCheck": {"TableName": self.t, "Key": {"pk": S("check")},
                                "ConditionExpression": "v = :one",
                                "ExpressionAttributeValues": {":one": N(check_value)}}},
            {"Put": {"TableName": self.t, "Item": {"pk": S("new"), "v": N(5)},
                     "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": {"TableName": self.t, "Key": {"pk": S("upd")},
                        "UpdateExpression": "SET v = v + :d", "ExpressionAttributeValues": {":d": N(1)}}},
            {"Delete": {"TableName": self.t, "Key": {"pk": S("del")}}},
        ]

    def test_all_four_actions_commit_together(self):
        out = self.ddb.transact_write_items(TransactItems=self.actions())
        self.assertNotIn("Error", out)
        self.assertEqual(self.state(), [{"pk": S("check"), "v": N(1)}, {"pk": S("exists"), "v": N(7)},
                                        {"pk": S("new"), "v": N(5)}, {"pk": S("upd"), "v": N(11)}])

    def test_a_failed_condition_cancels_everything(self):
        r = self.ddb_error("transact_write_items", "TransactionCanceledException",
                           TransactItems=self.actions(check_value=2))
        # ref 1.1: one reason per action in request order; the message repeats the codes.
        self.assertEqual([x["Code"] for x in r["CancellationReasons"]],
                         ["ConditionalCheckFailed", "None", "None", "None"])
        self.assertEqual(r["CancellationReasons"][0]["Message"], "The conditional request failed")
        self.assertEqual(r["Error"]["Message"],
                         "Transaction cancelled, please refer cancellation reasons for specific "
                         "reasons [ConditionalCheckFailed, None, None, None]")
        self.assertEqual(self.state(), self.before)
        # A failing action in the middle, with the item asked for.
        actions = self.actions()
        actions[1]["Put"]["Item"]["pk"] = S("exists")
        actions[1]["Put"]["ReturnValuesOnConditionCheckFailure"] = "ALL_OLD"
        r = self.ddb_error("transact_write_items", "TransactionCanceledException",
                           TransactItems=actions)
        reasons = r["CancellationReasons"]
        self.assertEqual([x["Code"] for x in reasons], ["None", "ConditionalCheckFailed", "None", "None"])
        self.assertEqual(reasons[1]["Item"], {"pk": S("exists"), "v": N(7)})
        self.assertNotIn("Item", reasons[0])
        self.assertEqual(self.state(), self.before)

    def test_two_actions_on_one_item_are_refused(self):
        actions = self.actions()
        actions[3] = {"Delete": {"TableName": self.t, "Key": {"pk": S("upd")}}}
        self.ddb_error("transact_write_items", "ValidationException",
                       message_contains="Transaction request cannot include multiple operations on one item",
                       TransactItems=actions)
        self.assertEqual(self.state(), self.before)

    def test_client_request_token_is_idempotent(self):
        token = str(uuid.uuid4())
        update = [{"Update": {"TableName": self.t, "Key": {"pk": S("upd")},
                              "UpdateExpression": "ADD v :d", "ExpressionAttributeValues": {":d": N(1)}}}]
        self.ddb.transact_write_items(TransactItems=update, ClientRequestToken=token)
        self.ddb.transact_write_items(TransactItems=update, ClientRequestToken=token)
        with self.deviates("moto: ignores ClientRequestToken"):
            self.assertEqual(self.get(self.t, {"pk": S("upd")})["v"], N(11))
            # The same token with other parameters.
            other = [{"Update": dict(update[0]["Update"], ExpressionAttributeValues={":d": N(5)})}]
            self.ddb_error("transact_write_items", "IdempotentParameterMismatchException",
                           TransactItems=other, ClientRequestToken=token)
            self.assertEqual(self.get(self.t, {"pk": S("upd")})["v"], N(11))
        before = int(self.get(self.t, {"pk": S("upd")})["v"]["N"])
        # Without a token (boto3 fills a fresh one each call), both apply.
        self.ddb.transact_write_items(TransactItems=update)
        self.ddb.transact_write_items(TransactItems=update)
        self.assertEqual(self.get(self.t, {"pk": S("upd")})["v"], N(before + 2))

    def test_transact_get_items_in_request_order(self):
        out = self.ddb.transact_get_items(TransactItems=[
            {"Get": {"TableName": self.t, "Key": {"pk": S("upd")}}},
            {"Get": {"TableName": self.t, "Key": {"pk": S("absent")}}},
            {"Get": {"TableName": self.t, "Key": {"pk": S("check")},
                     "ProjectionExpression": "#v", "ExpressionAttributeNames": {"#v": "v"}}},
        ])
        with self.deviates("moto: ignores ProjectionExpression in TransactGetItems"):
            self.assertEqual(out["Responses"], [{"Item": {"pk": S("upd"), "v": N(10)}}, {},
                                                {"Item": {"v": N(1)}}])
        # A transactional read costs two units per item.
        out = self.ddb.transact_get_items(ReturnConsumedCapacity="TOTAL", TransactItems=[
            {"Get": {"TableName": self.t, "Key": {"pk": S("upd")}}},
            {"Get": {"TableName": self.t, "Key": {"pk": S("absent")}}}])
        self.assertEqual(out["ConsumedCapacity"], [{"TableName": self.t, "CapacityUnits": 4.0}])


class ConcurrencyTest(DynamoCase):
    def run_threads(self, count, work):
        errors = []

        def runner(i):
            try:
                work(i)
            except Exception as e:  # reported below
                errors.append(repr(e))
        threads = [threading.Thread(target=runner, args=(i,)) for i in range(count)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        return errors

    def test_concurrent_add_loses_no_update(self):
        table = self.create_table(("pk", "S"))
        threads, per_thread = 8, 25

        def work(i):
            client = self.serval.client("dynamodb")
            for _ in range(per_thread):
                client.update_item(TableName=table, Key={"pk": S("counter")},
                                   UpdateExpression="ADD n :one, seen :me",
                                   ExpressionAttributeValues={":one": N(1), ":me": {"SS": [f"t{i}"]}})
        self.assertEqual(self.run_threads(threads, work), [])
        item = self.get(table, {"pk": S("counter")})
        with self.deviates("moto: loses concurrent updates now and then"):
            self.assertEqual(item["n"], N(threads * per_thread))
        self.assertEqual(sorted(item["seen"]["SS"]), sorted(f"t{i}" for i in range(threads)))

    def test_concurrent_conditional_put_has_one_winner(self):
        table = self.create_table(("pk", "S"))
        wins, losses = [], []

        def work(i):
            client = self.serval.client("dynamodb")
            for round_ in range(10):
                try:
                    client.put_item(TableName=table, Item={"pk": S(f"r{round_}"), "by": N(i)},
                                    ConditionExpression="attribute_not_exists(pk)")
                    wins.append((round_, i))
                except client.exceptions.ConditionalCheckFailedException:
                    losses.append((round_, i))
        self.assertEqual(self.run_threads(8, work), [])
        self.assertEqual(sorted(r for r, _ in wins), list(range(10)))  # one winner per round
        self.assertEqual(len(losses), 10 * 7)
        for round_, winner in wins:
            self.assertEqual(self.get(table, {"pk": S(f"r{round_}")})["by"], N(winner))
