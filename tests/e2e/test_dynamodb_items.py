"""DynamoDB items with boto3: every AttributeValue type round trip, number normalisation and
limits, PutItem/GetItem/UpdateItem/DeleteItem with each ReturnValues, ConditionExpression pass
and fail (with the item back when ReturnValuesOnConditionCheckFailure asks), the 400 KB item
limit, key size limits, ProjectionExpression, ConsistentRead and ReturnConsumedCapacity."""

import json

from dynamodb_case import DynamoCase, key_schema, canon

CCF = "The conditional request failed"  # ref 1.1 [AWS-REC]
LIMIT = 400 * 1024  # ref 1.3: 400 KB, attribute names + values


class AttributeValueTest(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = cls.create_class_table(("pk", "S"))

    def test_every_type_round_trips(self):
        item = {
            "pk": {"S": "all-types"},
            "s": {"S": "héllo \u2603 \U0001F600"},
            "n": {"N": "-12.5"},
            "b": {"B": b"\x00\x01\xfe\xff"},
            "ss": {"SS": ["b", "a", "c"]},
            "ns": {"NS": ["3", "-1", "2.5"]},
            "bs": {"BS": [b"\x02", b"\x01", b""]},
            "m": {"M": {"inner": {"S": "x"}, "deep": {"M": {"z": {"NULL": True}}}}},
            "l": {"L": [{"S": "a"}, {"N": "1"}, {"BOOL": False}, {"L": []}, {"M": {}}]},
            "null": {"NULL": True},
            "t": {"BOOL": True},
            "f": {"BOOL": False},
            "empty_s": {"S": ""},
            "empty_b": {"B": b""},
            "nested_empty": {"M": {"e": {"S": ""}}, },
            "empty_l": {"L": []},
            "empty_m": {"M": {}},
        }
        self.ddb.put_item(TableName=self.table, Item=item)
        got = self.get(self.table, {"pk": {"S": "all-types"}})
        self.assertEqual(canon(got), canon(item))

    def test_wire_encoding_of_binary_is_base64(self):
        # The raw JSON: B values travel as base64 text (ref 1.3).
        self.ddb.put_item(TableName=self.table,
                          Item={"pk": {"S": "bin"}, "b": {"B": b"\x00\xff"},
                                "bs": {"BS": [b"a"]}})
        status, _, body = self.raw_ddb("GetItem", {"TableName": self.table,
                                                   "Key": {"pk": {"S": "bin"}}})
        self.assertEqual(status, 200, body)
        item = json.loads(body)["Item"]
        self.assertEqual(item["b"], {"B": "AP8="})
        self.assertEqual(item["bs"], {"BS": ["YQ=="]})

    def test_number_normalisation(self):
        # ref 1.3: leading and trailing zeros trimmed, 38 significant digits kept exactly.
        cases = [
            ("1.50", "1.5"),
            ("0012", "12"),
            ("100", "100"),
            ("-007.250", "-7.25"),
            ("0.0100", "0.01"),
            ("1e3", "1000"),
            ("12345678901234567890123456789012345678", "12345678901234567890123456789012345678"),
            ("0.12345678901234567890123456789012345678", "0.12345678901234567890123456789012345678"),
            ("-98765432109876543210987654321098765432", "-98765432109876543210987654321098765432"),
        ]
        for i, (given, expected) in enumerate(cases):
            with self.subTest(number=given):
                key = {"pk": {"S": f"num-{i}"}}
                self.ddb.put_item(TableName=self.table, Item=dict(key, n={"N": given},
                                                                  ns={"NS": [given, "7"]}))
                got = self.get(self.table, key)
                with self.deviates("moto: numbers are not normalised"):
                    self.assertEqual(got["n"], {"N": expected})
                    self.assertEqual(sorted(got["ns"]["NS"]), sorted([expected, "7"]))

    def test_numbers_out_of_range_are_rejected(self):
        cases = [
            ("1E+126", "Number overflow"),
            ("-1E+126", "Number overflow"),
            ("1E-131", "Number underflow"),
            # 39 significant digits: ref 1.3 [MEM] "Attempting to store more than 38 significant digits in a Number"
            ("123456789012345678901234567890123456789", None),
            ("abc", None),
        ]
        for given, fragment in cases:
            with self.subTest(number=given):
                key = {"pk": {"S": f"bad-{given}"}}
                with self.deviates("moto: accepts numbers past 38 digits or 1E+125"):
                    self.ddb_error("put_item", "ValidationException", message_contains=fragment,
                                   TableName=self.table, Item=dict(key, n={"N": given}))
                    self.assertIsNone(self.get(self.table, key))

    def test_number_sets_are_sets_of_numbers(self):
        # "1" and "1.0" are the same number: a duplicate in a set.
        key = {"pk": {"S": "dup-ns"}}
        with self.deviates("moto: compares NS elements as text"):
            self.ddb_error("put_item", "ValidationException", TableName=self.table,
                           Item=dict(key, ns={"NS": ["1", "1.0"]}))
            self.assertIsNone(self.get(self.table, key))


class ItemOpsTest(DynamoCase):
    def setUp(self):
        self.table = self.create_table(("pk", "S"), ("sk", "N"))
        self.key = {"pk": {"S": "p"}, "sk": {"N": "1"}}
        self.item = dict(self.key, a={"N": "1"}, b={"S": "x"}, l={"L": [{"S": "0"}]})

    def test_put_item_return_values(self):
        first = self.ddb.put_item(TableName=self.table, Item=self.item, ReturnValues="ALL_OLD")
        self.assertNotIn("Attributes", first)
        second = dict(self.key, z={"BOOL": True})
        out = self.ddb.put_item(TableName=self.table, Item=second, ReturnValues="ALL_OLD")
        self.assertEqual(out["Attributes"], self.item)
        out = self.ddb.put_item(TableName=self.table, Item=second, ReturnValues="NONE")
        self.assertNotIn("Attributes", out)
        self.assertEqual(self.get(self.table, self.key), second)  # replaced, not merged

    def test_get_item_missing_has_no_item_key(self):
        out = self.ddb.get_item(TableName=self.table, Key=self.key)
        self.assertNotIn("Item", out)

    def test_update_item_return_values(self):
        # Call n (1-based) sets a from n to n+1 and d to "new<n>" (d is absent before call 1).
        def old(n):
            return {"a": {"N": str(n)}, **({"d": {"S": f"new{n - 1}"}} if n > 1 else {})}

        def new(n):
            return {"a": {"N": str(n + 1)}, "d": {"S": f"new{n}"}}
        expected = {
            "NONE": None,
            "ALL_OLD": lambda n: dict(self.item, **old(n)),
            "UPDATED_OLD": old,  # only the attributes the update wrote, as they were
            "ALL_NEW": lambda n: dict(self.item, **new(n)),
            "UPDATED_NEW": new,
        }
        self.ddb.put_item(TableName=self.table, Item=self.item)
        for n, (rv, want) in enumerate(expected.items(), start=1):
            with self.subTest(ReturnValues=rv):
                out = self.ddb.update_item(
                    TableName=self.table, Key=self.key, ReturnValues=rv,
                    UpdateExpression="SET a = a + :one, d = :d",
                    ExpressionAttributeValues={":one": {"N": "1"}, ":d": {"S": f"new{n}"}})
                if want is None:
                    self.assertNotIn("Attributes", out)
                else:
                    self.assertEqual(out["Attributes"], want(n))
        self.assertEqual(self.get(self.table, self.key),
                         dict(self.item, a={"N": "6"}, d={"S": "new5"}))

    def test_update_item_creates_a_missing_item(self):
        out = self.ddb.update_item(TableName=self.table, Key=self.key,
                                   UpdateExpression="SET v = :v",
                                   ExpressionAttributeValues={":v": {"S": "fresh"}},
                                   ReturnValues="ALL_OLD")
        self.assertNotIn("Attributes", out)
        self.assertEqual(self.get(self.table, self.key), dict(self.key, v={"S": "fresh"}))

    def test_update_item_without_expression_creates_a_key_only_item(self):
        with self.deviates("moto: 500 on UpdateItem without an UpdateExpression"):
            out = self.ddb.update_item(TableName=self.table, Key=self.key, ReturnValues="ALL_NEW")
            self.assertEqual(out["Attributes"], self.key)
            self.assertEqual(self.get(self.table, self.key), self.key)

    def test_delete_item_return_values(self):
        self.ddb.put_item(TableName=self.table, Item=self.item)
        out = self.ddb.delete_item(TableName=self.table, Key=self.key, ReturnValues="ALL_OLD")
        self.assertEqual(out["Attributes"], self.item)
        self.assertIsNone(self.get(self.table, self.key))
        # Deleting a missing item is not an error.
        out = self.ddb.delete_item(TableName=self.table, Key=self.key, ReturnValues="ALL_OLD")
        self.assertNotIn("Attributes", out)

    def test_condition_expression_pass_and_fail(self):
        put = dict(TableName=self.table, Item=self.item,
                   ConditionExpression="attribute_not_exists(pk)")
        self.ddb.put_item(**put)
        r = self.ddb_error("put_item", "ConditionalCheckFailedException", message=CCF,
                           **dict(put, Item=dict(self.key, other={"S": "no"})))
        self.assertNotIn("Item", r)  # not asked for
        self.assertEqual(self.get(self.table, self.key), self.item)
        # Update: passes when a = 1, then fails (a is 2).
        upd = dict(TableName=self.table, Key=self.key, UpdateExpression="SET a = a + :one",
                   ConditionExpression="a = :one",
                   ExpressionAttributeValues={":one": {"N": "1"}})
        self.ddb.update_item(**upd)
        self.ddb_error("update_item", "ConditionalCheckFailedException", message=CCF, **upd)
        self.assertEqual(self.get(self.table, self.key)["a"], {"N": "2"})
        # Delete with a failing condition keeps the item.
        self.ddb_error("delete_item", "ConditionalCheckFailedException", message=CCF,
                       TableName=self.table, Key=self.key, ConditionExpression="b = :y",
                       ExpressionAttributeValues={":y": {"S": "y"}})
        self.assertIsNotNone(self.get(self.table, self.key))
        self.ddb.delete_item(TableName=self.table, Key=self.key, ConditionExpression="b = :x",
                             ExpressionAttributeValues={":x": {"S": "x"}})
        self.assertIsNone(self.get(self.table, self.key))
        # A condition on a missing item sees no attributes.
        self.ddb_error("update_item", "ConditionalCheckFailedException", message=CCF,
                       TableName=self.table, Key=self.key, UpdateExpression="SET a = :one",
                       ConditionExpression="attribute_exists(pk)",
                       ExpressionAttributeValues={":one": {"N": "1"}})
        self.assertIsNone(self.get(self.table, self.key))

    def test_condition_failure_returns_the_item_when_asked(self):
        # ReturnValuesOnConditionCheckFailure is newer than boto3 1.26's model, so raw JSON.
        self.ddb.put_item(TableName=self.table, Item=self.item)
        requests = {
            "PutItem": {"Item": dict(self.key, q={"S": "new"}),
                        "ConditionExpression": "attribute_not_exists(pk)"},
            "UpdateItem": {"Key": self.key, "UpdateExpression": "SET q = :q",
                           "ConditionExpression": "a = :q",
                           "ExpressionAttributeValues": {":q": {"N": "99"}}},
            "DeleteItem": {"Key": self.key, "ConditionExpression": "attribute_not_exists(a)"},
        }
        for op, body in requests.items():
            with self.subTest(op=op):
                status, headers, raw = self.raw_ddb(op, dict(
                    body, TableName=self.table, ReturnValuesOnConditionCheckFailure="ALL_OLD"))
                self.assertEqual(status, 400, raw)
                err = json.loads(raw)
                self.assertTrue(err["__type"].endswith("#ConditionalCheckFailedException"), err)
                # ref 1.1: botocore reads `message` or `Message`.
                self.assertEqual(err.get("message", err.get("Message")), CCF)
                self.assertEqual(err["Item"], json.loads(json.dumps(self.item)))
                # Without it (NONE), no Item.
                status, _, raw = self.raw_ddb(op, dict(
                    body, TableName=self.table, ReturnValuesOnConditionCheckFailure="NONE"))
                self.assertEqual(status, 400, raw)
                self.assertNotIn("Item", json.loads(raw))
        self.assertEqual(self.get(self.table, self.key), self.item)

    def test_condition_failure_item_through_botocore_when_supported(self):
        # boto3 exposes the item as e.response['Item'] (ref 1.1); only botocore models that
        # know the parameter can send it.
        shape = self.ddb.meta.service_model.operation_model("PutItem").input_shape
        if "ReturnValuesOnConditionCheckFailure" not in shape.members:
            self.skipTest("this botocore predates ReturnValuesOnConditionCheckFailure")
        self.ddb.put_item(TableName=self.table, Item=self.item)
        r = self.ddb_error("put_item", "ConditionalCheckFailedException", message=CCF,
                           TableName=self.table, Item=self.key,
                           ConditionExpression="attribute_not_exists(pk)",
                           ReturnValuesOnConditionCheckFailure="ALL_OLD")
        self.assertEqual(r["Item"], self.item)


class LimitsTest(DynamoCase):
    def setUp(self):
        self.table = self.create_table(("pk", "S"), ("sk", "S"))

    def test_item_size_limit(self):
        # Size = attribute name bytes + value bytes (ref 1.3): pk(2)+"a"(1) + sk(2)+"b"(1) + d(1).
        overhead = 2 + 1 + 2 + 1 + 1
        key = {"pk": {"S": "a"}, "sk": {"S": "b"}}
        decimal_400k = dict(key, d={"S": "w" * (400000 - overhead)})
        self.ddb.put_item(TableName=self.table, Item=decimal_400k)
        # 100 bytes under 400 KiB passes.
        under = dict(key, d={"S": "x" * (LIMIT - overhead - 100)})
        with self.deviates("moto: its limit is 405000 bytes"):
            self.ddb.put_item(TableName=self.table, Item=under)
        under = self.get(self.table, key)
        with self.deviates("moto: its limit is 405000 bytes"):
            self.assertEqual(len(under["d"]["S"]), LIMIT - overhead - 100)
        over = dict(key, d={"S": "y" * (LIMIT - overhead + 1)})
        self.ddb_error("put_item", "ValidationException",
                       message="Item size has exceeded the maximum allowed size",
                       TableName=self.table, Item=over)
        self.assertEqual(self.get(self.table, key), under)
        # Multi-byte characters count as their UTF-8 bytes: 3 bytes each.
        over_utf8 = dict(key, d={"S": "\u2603" * ((LIMIT - overhead) // 3 + 1)})
        self.ddb_error("put_item", "ValidationException",
                       message="Item size has exceeded the maximum allowed size",
                       TableName=self.table, Item=over_utf8)
        # An update that would grow the item past the limit fails and changes nothing
        # (attribute e adds 1 + 100 bytes).
        with self.deviates("moto: its limit is 405000 bytes"):
            self.ddb_error("update_item", "ValidationException",
                           message_contains="Item size",
                           TableName=self.table, Key=key, UpdateExpression="SET e = :e",
                           ExpressionAttributeValues={":e": {"S": "z" * 100}})
            self.assertEqual(self.get(self.table, key), under)

    def test_key_size_limits(self):
        # ref 1.3: partition key <= 2048 bytes, sort key <= 1024 bytes.
        ok = {"pk": {"S": "p" * 2048}, "sk": {"S": "s" * 1024}}
        self.ddb.put_item(TableName=self.table, Item=ok)
        self.assertEqual(self.get(self.table, ok), ok)
        long_hash = {"pk": {"S": "p" * 2049}, "sk": {"S": "s"}}
        self.ddb_error("put_item", "ValidationException",
                       message_contains="Size of hashkey has exceeded the maximum size limit",
                       TableName=self.table, Item=long_hash)
        long_range = {"pk": {"S": "p"}, "sk": {"S": "s" * 1025}}
        self.ddb_error("put_item", "ValidationException",
                       message_contains="Aggregated size of all range keys has exceeded the size limit of 1024 bytes",
                       TableName=self.table, Item=long_range)
        self.assertEqual(self.scan_all(self.table), [ok])


class ReadOptionsTest(DynamoCase):
    def setUp(self):
        self.table = self.create_table(("pk", "S"))
        self.key = {"pk": {"S": "p"}}
        self.item = dict(self.key,
                         a={"S": "A"}, b={"N": "2"},
                         m={"M": {"x": {"S": "X"}, "y": {"S": "Y"}}},
                         l={"L": [{"S": "l0"}, {"M": {"c": {"S": "C"}, "d": {"S": "D"}}},
                                  {"S": "l2"}]},
                         status={"S": "on"})
        self.ddb.put_item(TableName=self.table, Item=self.item)

    def test_projection_expression(self):
        cases = [
            ("a", {}, {"a": {"S": "A"}}),
            ("a, b", {}, {"a": {"S": "A"}, "b": {"N": "2"}}),
            ("m.x", {}, {"m": {"M": {"x": {"S": "X"}}}}),
            ("l[1].c", {}, {"l": {"L": [{"M": {"c": {"S": "C"}}}]}}),
            ("l[2], l[0]", {}, {"l": {"L": [{"S": "l0"}, {"S": "l2"}]}}),
            ("#s, nothere", {"#s": "status"}, {"status": {"S": "on"}}),
            ("nothere", {}, {}),
        ]
        for expr, names, want in cases:
            with self.subTest(projection=expr):
                kw = {"ExpressionAttributeNames": names} if names else {}
                out = self.ddb.get_item(TableName=self.table, Key=self.key,
                                        ProjectionExpression=expr, **kw)
                with self.deviates("moto: keeps only one element of a list projected twice"):
                    self.assertEqual(out.get("Item", {}), want)

    def test_consistent_read_either_way(self):
        for consistent in (True, False):
            with self.subTest(consistent=consistent):
                out = self.ddb.get_item(TableName=self.table, Key=self.key,
                                        ConsistentRead=consistent)
                self.assertEqual(out["Item"], self.item)

    def test_consumed_capacity(self):
        out = self.ddb.get_item(TableName=self.table, Key=self.key)
        self.assertNotIn("ConsumedCapacity", out)
        # ref 1.5: 1 RCU per 4 KB strongly consistent, half of it eventually consistent.
        out = self.ddb.get_item(TableName=self.table, Key=self.key, ConsistentRead=True,
                                ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["TableName"], self.table)
        with self.deviates("moto: 0.5 for a strongly consistent read"):
            self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.0)
        out = self.ddb.get_item(TableName=self.table, Key=self.key, ConsistentRead=False,
                                ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 0.5)
        out = self.ddb.put_item(TableName=self.table, Item=self.item,
                                ReturnConsumedCapacity="TOTAL")
        self.assertEqual(out["ConsumedCapacity"]["TableName"], self.table)
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.0)
        out = self.ddb.put_item(TableName=self.table, Item=self.item,
                                ReturnConsumedCapacity="INDEXES")
        self.assertEqual(out["ConsumedCapacity"]["CapacityUnits"], 1.0)
        self.assertEqual(out["ConsumedCapacity"]["Table"]["CapacityUnits"], 1.0)
        out = self.ddb.put_item(TableName=self.table, Item=self.item,
                                ReturnConsumedCapacity="NONE")
        self.assertNotIn("ConsumedCapacity", out)

    def test_consumed_capacity_of_indexes(self):
        """A write also writes each index whose entry for the item it changes (once to add or
        remove an entry, twice when the index key changes); INDEXES breaks the total down."""
        table = self.create_table(
            ("pk", "S"), ("sk", "S"), extra_attributes=[("g", "S"), ("l", "S")],
            GlobalSecondaryIndexes=[{"IndexName": "by-g", "KeySchema": key_schema("g"),
                                     "Projection": {"ProjectionType": "KEYS_ONLY"}}],
            LocalSecondaryIndexes=[{"IndexName": "by-l", "KeySchema": key_schema("pk", "l"),
                                    "Projection": {"ProjectionType": "ALL"}}])
        key = {"pk": {"S": "a"}, "sk": {"S": "1"}}

        def put(item, mode="INDEXES"):
            return self.ddb.put_item(TableName=table, Item={**key, **item},
                                     ReturnConsumedCapacity=mode)["ConsumedCapacity"]

        self.assertEqual(put({"x": {"S": "no index keys"}}),
                         {"TableName": table, "CapacityUnits": 1.0, "Table": {"CapacityUnits": 1.0}})
        self.assertEqual(put({"g": {"S": "g1"}, "l": {"S": "l1"}}), {
            "TableName": table, "CapacityUnits": 3.0, "Table": {"CapacityUnits": 1.0},
            "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 1.0}},
            "LocalSecondaryIndexes": {"by-l": {"CapacityUnits": 1.0}}})
        # The same item again changes no index entry; the table is written all the same.
        self.assertEqual(put({"g": {"S": "g1"}, "l": {"S": "l1"}}, "TOTAL"),
                         {"TableName": table, "CapacityUnits": 1.0})
        # A new global key: the old entry goes and a new one comes. A 3 KB attribute the local
        # index projects (ALL) but the global one does not (KEYS_ONLY).
        self.assertEqual(put({"g": {"S": "g2"}, "l": {"S": "l1"}, "big": {"S": "b" * 3000}}), {
            "TableName": table, "CapacityUnits": 8.0, "Table": {"CapacityUnits": 3.0},
            "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 2.0}},
            "LocalSecondaryIndexes": {"by-l": {"CapacityUnits": 3.0}}})
        deleted = self.ddb.delete_item(TableName=table, Key=key, ReturnConsumedCapacity="INDEXES")
        self.assertEqual(deleted["ConsumedCapacity"]["GlobalSecondaryIndexes"],
                         {"by-g": {"CapacityUnits": 1.0}})
        self.assertEqual(deleted["ConsumedCapacity"]["CapacityUnits"], 7.0)
        put({"g": {"S": "g3"}})
        query = self.ddb.query(TableName=table, IndexName="by-g", KeyConditionExpression="g = :g",
                               ExpressionAttributeValues={":g": {"S": "g3"}},
                               ReturnConsumedCapacity="INDEXES")
        self.assertEqual(query["ConsumedCapacity"], {
            "TableName": table, "CapacityUnits": 0.5,
            "GlobalSecondaryIndexes": {"by-g": {"CapacityUnits": 0.5}}})
        batch = self.ddb.batch_write_item(ReturnConsumedCapacity="TOTAL", RequestItems={table: [
            {"PutRequest": {"Item": {**key, "sk": {"S": str(n)}, "g": {"S": "g"}}}}
            for n in range(2, 5)]})
        self.assertEqual(batch["ConsumedCapacity"], [{"TableName": table, "CapacityUnits": 6.0}])
        transact = self.ddb.transact_write_items(ReturnConsumedCapacity="INDEXES", TransactItems=[
            {"Put": {"TableName": table, "Item": {**key, "sk": {"S": "9"}, "l": {"S": "x"}}}}])
        self.assertEqual(transact["ConsumedCapacity"], [{
            "TableName": table, "CapacityUnits": 4.0, "Table": {"CapacityUnits": 2.0},
            "LocalSecondaryIndexes": {"by-l": {"CapacityUnits": 2.0}}}])
