"""DynamoDB's answers to bad input (ref 1.1, 1.3-1.6, 1.10): malformed JSON, malformed attribute
values, missing or mistyped keys, unknown and existing tables, bad key schemas and billing,
invalid enums and parameters. Each case asserts DynamoDB's `__type`/code (and message where AWS's
is known) AND that nothing changed: the item or the table is as it was."""

import json

from dynamodb_case import DynamoCase, key_schema
from serval_harness import unique_name


def S(v): return {"S": v}
def N(v): return {"N": str(v)}


class BadItemTest(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = cls.create_class_table(("pk", "S"), ("sk", "N"))
        cls.key = {"pk": S("p"), "sk": N(1)}
        cls.item = dict(cls.key, v=S("original"))

    def setUp(self):
        self.ddb.put_item(TableName=self.table, Item=self.item)

    def assert_unchanged(self):
        self.assertEqual(self.get(self.table, self.key), self.item)
        self.assertEqual(len(self.scan_all(self.table)), 1)

    def raw_error(self, operation, body, type_suffix, message=None, message_contains=None):
        status, headers, raw = self.raw_ddb(operation, body)
        self.assertEqual(status, 400, raw)
        err = json.loads(raw)
        # Clients keep what follows '#' (ref 1.1).
        self.assertEqual(err["__type"].split("#")[-1], type_suffix, err)
        text = err.get("message", err.get("Message", ""))
        if message is not None:
            self.assertEqual(text, message)
        if message_contains is not None:
            self.assertIn(message_contains, text)
        with self.deviates("moto: __type without namespace, Content-Type application/json"):
            # ref 1.1: com.amazonaws.dynamodb.v20120810#..., com.amazon.coral.validate#... or
            # com.amazon.coral.service#...
            self.assertRegex(err["__type"], r"^com\.amazon(aws)?\.[a-z0-9.]+#", err)
            self.assertTrue(headers.get("content-type", "").startswith("application/x-amz-json-1.0"),
                            headers)
        return err

    def test_malformed_json_is_a_serialization_error(self):
        for body in (b'{"TableName": ', b"not json", b'{"TableName": "t", "Item": {"pk": {"S": "p"}'):
            with self.subTest(body=body), self.deviates("moto: 500 on malformed JSON"):
                self.raw_error("PutItem", body, "SerializationException")
        # A wrong JSON type for a member is also SerializationException (the framework's
        # deserializer, before any validation).
        with self.deviates("moto: 500 on a wrongly typed member"):
            self.raw_error("PutItem", {"TableName": self.table, "Item": [1, 2]},
                           "SerializationException")
        self.assert_unchanged()

    def test_malformed_attribute_values(self):
        def put(value):
            return {"TableName": self.table, "Item": dict(self.key, v=value)}
        cases = [
            ({"N": "abc"}, None),
            ({"NULL": False}, None),  # "...Null attribute value types must have the value of true"
            ({"S": "a", "N": "1"}, "Supplied AttributeValue has more than one datatypes set, "
                                   "must contain exactly one of the supported datatypes"),
            ({}, "Supplied AttributeValue is empty, must contain exactly one of the supported "
                 "datatypes"),
            ({"SS": []}, "One or more parameter values were invalid: An string set  may not be empty"),
            ({"NS": []}, "One or more parameter values were invalid: An number set  may not be empty"),
            ({"SS": ["a", "a"]}, None),
        ]
        peer = {0: None, 1: None, 2: "moto: accepts two types in one value",
                3: "moto: 500 on an empty AttributeValue", 6: "moto: accepts duplicates in a set"}
        for i, (value, message) in enumerate(cases):
            with self.subTest(value=value), self.deviates(peer.get(i)):
                self.raw_error("PutItem", put(value), "ValidationException", message=message)
        # Bad base64 in B: refused, by the deserializer or the validator.
        with self.deviates("moto: 500 on bad base64"):
            status, _, raw = self.raw_ddb("PutItem", put({"B": "not base64!"}))
            self.assertEqual(status, 400, raw)
            self.assertIn(json.loads(raw)["__type"].split("#")[-1],
                          ("SerializationException", "ValidationException"))
        with self.deviates("moto: stored one of the bad items"):
            self.assert_unchanged()

    def test_key_problems(self):
        cases = [
            ("put_item", {"Item": {"pk": S("p"), "v": S("x")}},
             "One or more parameter values were invalid: Missing the key sk in the item"),
            ("put_item", {"Item": {"pk": N(1), "sk": N(1)}},
             "One or more parameter values were invalid: Type mismatch for key pk expected: S actual: N"),
            ("put_item", {"Item": {"pk": S(""), "sk": N(1)}},
             "One or more parameter values are not valid. The AttributeValue for a key attribute "
             "cannot contain an empty string value. Key: pk"),
            ("get_item", {"Key": {"pk": S("p")}}, "The provided key element does not match the schema"),
            ("get_item", {"Key": {"pk": S("p"), "sk": S("1")}},
             "The provided key element does not match the schema"),
            ("get_item", {"Key": dict(self.key, v=S("x"))},
             "The provided key element does not match the schema"),
            ("delete_item", {"Key": {"pk": S("p")}}, "The provided key element does not match the schema"),
            ("update_item", {"Key": {"sk": N(1)}, "UpdateExpression": "SET v = :v",
                             "ExpressionAttributeValues": {":v": S("changed")}},
             "The provided key element does not match the schema"),
        ]
        peer = {2: "moto: other text for an empty key string", 3: "moto: 'Validation Exception'",
                4: "moto: a mistyped sort key in a Key is accepted", 5: "moto: 'Validation Exception'",
                6: "moto: 'Validation Exception'", 7: "moto: 'Validation Exception'"}
        for i, (op, kw, message) in enumerate(cases):
            with self.subTest(op=op, kw=kw), self.deviates(peer.get(i)):
                self.ddb_error(op, "ValidationException", message=message, TableName=self.table, **kw)
        self.assert_unchanged()

    def test_invalid_parameters(self):
        self.ddb_error("put_item", "ValidationException", message="Return values set to invalid value",
                       TableName=self.table, Item=dict(self.key, v=S("changed")), ReturnValues="ALL_NEW")
        self.ddb_error("delete_item", "ValidationException", message="Return values set to invalid value",
                       TableName=self.table, Key=self.key, ReturnValues="UPDATED_NEW")
        self.raw_error("GetItem", {"TableName": self.table, "Key": self.key,
                                   "ReturnConsumedCapacity": "BOGUS"}, "ValidationException",
                       message="1 validation error detected: Value 'BOGUS' at 'returnConsumedCapacity' "
                               "failed to satisfy constraint: Member must satisfy enum value set: "
                               "[INDEXES, TOTAL, NONE]")
        self.ddb_error("update_item", "ValidationException", TableName=self.table, Key=self.key,
                       UpdateExpression="SET v = :v :w", ExpressionAttributeValues={":v": S("changed"),
                                                                                   ":w": S("w")})
        self.assert_unchanged()

    def test_bad_queries_and_scans(self):
        self.ddb_error("query", "ValidationException",
                       message="Query condition missed key schema element: pk",
                       TableName=self.table, KeyConditionExpression="sk = :s",
                       ExpressionAttributeValues={":s": N(1)})
        with self.deviates("moto: 500 on OR in a key condition"):
            self.ddb_error("query", "ValidationException", TableName=self.table,
                           KeyConditionExpression="pk = :p OR sk = :s",
                           ExpressionAttributeValues={":p": S("p"), ":s": N(1)})
        self.ddb_error("query", "ValidationException", TableName=self.table,
                       KeyConditionExpression="pk = :p AND v = :s",
                       ExpressionAttributeValues={":p": S("p"), ":s": S("x")})
        # A Query filter may not name key attributes (ref 1.6).
        with self.deviates("moto: accepts a Query filter on a key attribute"):
            self.ddb_error("query", "ValidationException", TableName=self.table,
                           message="Filter Expression can only contain non-primary key attributes: "
                                   "Primary key attribute: sk",
                           KeyConditionExpression="pk = :p", FilterExpression="sk = :s",
                           ExpressionAttributeValues={":p": S("p"), ":s": N(1)})
        self.ddb_error("scan", "ValidationException",
                       message="The TotalSegments parameter is required but was not present in the "
                               "request when Segment parameter is present",
                       TableName=self.table, Segment=0)
        self.ddb_error("scan", "ValidationException",
                       message="The Segment parameter is required but was not present in the request "
                               "when parameter TotalSegments is present",
                       TableName=self.table, TotalSegments=2)
        self.ddb_error("scan", "ValidationException",
                       message="The Segment parameter is zero-based and must be less than parameter "
                               "TotalSegments: Segment: 5 is not less than TotalSegments: 4",
                       TableName=self.table, Segment=5, TotalSegments=4)
        self.assert_unchanged()

    def test_unknown_table(self):
        missing = unique_name("missing")
        cases = [
            ("put_item", {"Item": self.item}), ("get_item", {"Key": self.key}),
            ("delete_item", {"Key": self.key}),
            ("update_item", {"Key": self.key, "UpdateExpression": "SET v = :v",
                             "ExpressionAttributeValues": {":v": S("x")}}),
            ("query", {"KeyConditionExpression": "pk = :p", "ExpressionAttributeValues": {":p": S("p")}}),
            ("scan", {}), ("describe_table", {}), ("delete_table", {}),
            ("update_table", {"BillingMode": "PAY_PER_REQUEST"}),
        ]
        for op, kw in cases:
            with self.subTest(op=op):
                self.ddb_error(op, "ResourceNotFoundException", TableName=missing, **kw)
        self.ddb_error("batch_get_item", "ResourceNotFoundException",
                       RequestItems={missing: {"Keys": [self.key]}})
        self.ddb_error("transact_write_items", "ResourceNotFoundException",
                       TransactItems=[{"Put": {"TableName": self.table, "Item": dict(self.key, v=S("t"))}},
                                      {"Put": {"TableName": missing, "Item": self.item}}])
        self.assert_unchanged()
        self.assertNotIn(missing, self.ddb.list_tables(ExclusiveStartTableName=missing[:-1])["TableNames"])

    def test_unknown_operation(self):
        with self.deviates("moto: 500 on an unknown operation"):
            status, _, raw = self.raw_ddb("NoSuchOperation", {})
            self.assertEqual(status, 400, raw)
            self.assertEqual(json.loads(raw)["__type"].split("#")[-1], "UnknownOperationException")


class BadTableTest(DynamoCase):
    def test_existing_table(self):
        name = self.create_table(("pk", "S"))
        self.ddb.put_item(TableName=name, Item={"pk": S("a")})
        r = self.ddb_error("create_table", "ResourceInUseException",
                           message=f"Table already exists: {name}",
                           **self.table_params(("other", "N"), ("r", "S"), name=name))
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["KeySchema"], key_schema("pk"))
        self.assertEqual(self.scan_all(name), [{"pk": S("a")}])
        self.assertIn("Error", r)

    def assert_not_created(self, name):
        self.ddb_error("describe_table", "ResourceNotFoundException", TableName=name)

    def test_bad_key_schemas(self):
        cases = [
            # a key attribute without a definition
            (dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                  KeySchema=key_schema("pk", "sk")),
             "Invalid KeySchema: Some index key attribute have no definition"),
            # a definition no key uses
            (dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                        {"AttributeName": "extra", "AttributeType": "S"}],
                  KeySchema=key_schema("pk")), None),
            # two HASH keys
            (dict(AttributeDefinitions=[{"AttributeName": "a", "AttributeType": "S"},
                                        {"AttributeName": "b", "AttributeType": "S"}],
                  KeySchema=[{"AttributeName": "a", "KeyType": "HASH"},
                             {"AttributeName": "b", "KeyType": "HASH"}]), None),
            # a key type that keys cannot have
            (dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "BOOL"}],
                  KeySchema=key_schema("pk")), None),
            # RANGE only
            (dict(AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
                  KeySchema=[{"AttributeName": "pk", "KeyType": "RANGE"}]), None),
        ]
        for i, (params, message) in enumerate(cases):
            with self.subTest(params=params), \
                    self.deviates("moto: accepts this key schema" if i >= 2 else None):
                name = unique_name("bad")
                self.addCleanup(self.delete_table_quietly, name)  # should a peer create it
                self.ddb_error("create_table", "ValidationException", message=message,
                               client=self.ddb_novalidate, TableName=name,
                               BillingMode="PAY_PER_REQUEST", **params)
                self.assert_not_created(name)

    def test_bad_billing(self):
        name = unique_name("bad")
        params = self.table_params(("pk", "S"), name=name, billing="PROVISIONED")
        del params["ProvisionedThroughput"]
        self.ddb_error("create_table", "ValidationException",
                       message="One or more parameter values were invalid: ReadCapacityUnits and "
                               "WriteCapacityUnits must both be specified when BillingMode is PROVISIONED",
                       **params)
        self.assert_not_created(name)

    def test_throughput_with_pay_per_request(self):
        name = unique_name("bad")
        self.ddb_error("create_table", "ValidationException",
                       # AWS words it "...: Neither ReadCapacityUnits nor WriteCapacityUnits can be
                       # specified when BillingMode is PAY_PER_REQUEST" [MEM]; moto differently.
                       message_contains="when BillingMode is PAY_PER_REQUEST",
                       **self.table_params(("pk", "S"), name=name,
                                           ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                                  "WriteCapacityUnits": 1}))
        self.assert_not_created(name)

    def test_bad_table_names(self):
        for name in ("ab", "has space", "x" * 256, "bad/slash"):
            with self.subTest(name=name), self.deviates("moto: no table name validation"):
                self.addCleanup(self.delete_table_quietly, name)  # should a peer create it
                self.ddb_error("create_table", "ValidationException", client=self.ddb_novalidate,
                               **self.table_params(("pk", "S"), name=name))
