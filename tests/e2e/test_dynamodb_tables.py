"""DynamoDB table operations with boto3 (client and resource): CreateTable with every key shape
and type, both billing modes, global and local secondary indexes; DescribeTable as the
`table_exists` waiter reads it (ACTIVE at once); ListTables paging (Limit/ExclusiveStartTableName
and the paginator); UpdateTable (billing, GSI add/remove, streams); DeleteTable; time to live;
tags; DescribeEndpoints."""

import datetime
import time

from dynamodb_case import DynamoCase, key_schema
from serval_harness import ACCOUNT, REGION, unique_name


def table_arn(name):
    return f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"


class CreateDescribeTest(DynamoCase):
    def test_hash_only_table_is_active_at_once_with_the_fields_clients_read(self):
        name = unique_name("t")
        created = self.ddb.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
            KeySchema=key_schema("id"))["TableDescription"]
        self.addCleanup(self.delete_table_quietly, name)
        self.assertEqual(created["TableName"], name)
        table = self.ddb.describe_table(TableName=name)["Table"]
        # ref 1.4: ACTIVE at once, so the waiter's first poll succeeds.
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertEqual(table["TableName"], name)
        self.assertEqual(table["TableArn"], table_arn(name))
        self.assertEqual(table["KeySchema"], [{"AttributeName": "id", "KeyType": "HASH"}])
        self.assertEqual(table["AttributeDefinitions"],
                         [{"AttributeName": "id", "AttributeType": "S"}])
        self.assertEqual(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")
        # ref 1.4: PAY_PER_REQUEST shows RCU/WCU 0.
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 0)
        self.assertEqual(table["ProvisionedThroughput"]["WriteCapacityUnits"], 0)
        self.assertEqual(table["ItemCount"], 0)
        self.assertEqual(table["TableSizeBytes"], 0)
        with self.deviates("moto: no TableId"):
            self.assertTrue(table["TableId"])
        # Epoch seconds on the wire; botocore makes a datetime of it.
        created_at = table["CreationDateTime"]
        self.assertIsInstance(created_at, datetime.datetime)
        now = datetime.datetime.now(datetime.timezone.utc)
        self.assertLess(abs((now - created_at).total_seconds()), 120, created_at)
        self.assertEqual(table.get("GlobalSecondaryIndexes", []), [])  # AWS leaves them out
        self.assertEqual(table.get("LocalSecondaryIndexes", []), [])

    def test_table_exists_waiter_returns_at_once(self):
        name = unique_name("t")
        t0 = time.monotonic()
        self.create_table(("id", "S"), name=name)
        self.ddb.get_waiter("table_exists").wait(TableName=name)
        # The waiter polls every 20 s: anything but ACTIVE at the first poll takes >= 20 s.
        self.assertLess(time.monotonic() - t0, 5.0)

    def test_hash_and_range_keys_of_every_type(self):
        samples = {"S": {"S": "x"}, "N": {"N": "42"}, "B": {"B": b"\x00\xff"}}
        for hash_type, range_type in (("S", "N"), ("N", "B"), ("B", "S"), ("S", "S"),
                                      ("N", "N"), ("B", "B")):
            with self.subTest(hash=hash_type, range=range_type):
                name = self.create_table(("h", hash_type), ("r", range_type))
                table = self.ddb.describe_table(TableName=name)["Table"]
                self.assertEqual(table["KeySchema"], key_schema("h", "r"))
                self.assertEqual(
                    sorted((d["AttributeName"], d["AttributeType"])
                           for d in table["AttributeDefinitions"]),
                    [("h", hash_type), ("r", range_type)])
                key = {"h": samples[hash_type], "r": samples[range_type]}
                self.ddb.put_item(TableName=name, Item=dict(key, v={"S": "val"}))
                self.assertEqual(self.get(name, key), dict(key, v={"S": "val"}))

    def test_provisioned_table_keeps_its_throughput(self):
        name = self.create_table(("id", "N"), billing="PROVISIONED",
                                 ProvisionedThroughput={"ReadCapacityUnits": 7,
                                                        "WriteCapacityUnits": 3})
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 7)
        self.assertEqual(table["ProvisionedThroughput"]["WriteCapacityUnits"], 3)
        # ref 1.4: BillingModeSummary may be absent for PROVISIONED; if present it says so.
        self.assertEqual(table.get("BillingModeSummary", {"BillingMode": "PROVISIONED"})
                         ["BillingMode"], "PROVISIONED")
        self.assertEqual(table["TableStatus"], "ACTIVE")

    def test_default_billing_mode_is_provisioned(self):
        # CreateTable without BillingMode is PROVISIONED (model default) and needs throughput.
        name = unique_name("t")
        self.ddb.create_table(TableName=name,
                              AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                              KeySchema=key_schema("id"),
                              ProvisionedThroughput={"ReadCapacityUnits": 1,
                                                     "WriteCapacityUnits": 1})
        self.addCleanup(self.delete_table_quietly, name)
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 1)
        self.assertEqual(table.get("BillingModeSummary", {"BillingMode": "PROVISIONED"})
                         ["BillingMode"], "PROVISIONED")

    def test_secondary_indexes_with_each_projection(self):
        name = self.create_table(
            ("pk", "S"), ("sk", "N"),
            extra_attributes=[("gpk", "S"), ("gsk", "N"), ("lsk", "S")],
            GlobalSecondaryIndexes=[
                {"IndexName": "g_keys", "KeySchema": key_schema("gpk"),
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
                {"IndexName": "g_incl", "KeySchema": key_schema("gpk", "gsk"),
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a", "b"]}},
                {"IndexName": "g_all", "KeySchema": key_schema("gsk"),
                 "Projection": {"ProjectionType": "ALL"}},
            ],
            LocalSecondaryIndexes=[
                {"IndexName": "l_all", "KeySchema": key_schema("pk", "lsk"),
                 "Projection": {"ProjectionType": "ALL"}},
                {"IndexName": "l_keys", "KeySchema": key_schema("pk", "lsk"),
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
            ])
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["TableStatus"], "ACTIVE")
        gsis = {g["IndexName"]: g for g in table["GlobalSecondaryIndexes"]}
        lsis = {i["IndexName"]: i for i in table["LocalSecondaryIndexes"]}
        self.assertEqual(sorted(gsis), ["g_all", "g_incl", "g_keys"])
        self.assertEqual(sorted(lsis), ["l_all", "l_keys"])
        self.assertEqual(gsis["g_keys"]["KeySchema"], key_schema("gpk"))
        self.assertEqual(gsis["g_keys"]["Projection"]["ProjectionType"], "KEYS_ONLY")
        self.assertEqual(gsis["g_incl"]["KeySchema"], key_schema("gpk", "gsk"))
        self.assertEqual(gsis["g_incl"]["Projection"]["ProjectionType"], "INCLUDE")
        self.assertEqual(sorted(gsis["g_incl"]["Projection"]["NonKeyAttributes"]), ["a", "b"])
        self.assertEqual(gsis["g_all"]["Projection"]["ProjectionType"], "ALL")
        for g in gsis.values():
            self.assertEqual(g["IndexStatus"], "ACTIVE", g)  # ACTIVE at once, like the table
            # ref 1.4: IndexArn = <TableArn>/index/<name> [MEM]
            with self.deviates("moto: no IndexArn"):
                self.assertEqual(g["IndexArn"], f"{table_arn(name)}/index/{g['IndexName']}")
        self.assertEqual(lsis["l_all"]["KeySchema"], key_schema("pk", "lsk"))
        self.assertEqual(lsis["l_all"]["Projection"]["ProjectionType"], "ALL")
        self.assertEqual(lsis["l_keys"]["Projection"]["ProjectionType"], "KEYS_ONLY")
        for i in lsis.values():
            with self.deviates("moto: no IndexArn"):
                self.assertEqual(i["IndexArn"], f"{table_arn(name)}/index/{i['IndexName']}")
        defs = sorted((d["AttributeName"], d["AttributeType"]) for d in table["AttributeDefinitions"])
        self.assertEqual(defs, [("gpk", "S"), ("gsk", "N"), ("lsk", "S"), ("pk", "S"), ("sk", "N")])

    def test_resource_layer_creates_and_waits(self):
        name = unique_name("t")
        t0 = time.monotonic()
        table = self.ddb_resource.create_table(
            TableName=name, BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "sk", "AttributeType": "N"}],
            KeySchema=key_schema("pk", "sk"))
        self.addCleanup(self.delete_table_quietly, name)
        table.wait_until_exists()
        self.assertLess(time.monotonic() - t0, 5.0)
        table.reload()
        self.assertEqual(table.table_status, "ACTIVE")
        self.assertEqual(table.key_schema, key_schema("pk", "sk"))
        table.put_item(Item={"pk": "a", "sk": 1, "n": 5})
        self.assertEqual(table.get_item(Key={"pk": "a", "sk": 1})["Item"],
                         {"pk": "a", "sk": 1, "n": 5})


class ListTablesTest(DynamoCase):
    def test_paging_with_limit_and_exclusive_start(self):
        prefix = unique_name("lt")
        names = [f"{prefix}-{i}" for i in range(5)]
        for n in names:
            self.create_table(("id", "S"), name=n)
        seen, start, pages = [], None, 0
        while True:
            kw = {"Limit": 2}
            if start:
                kw["ExclusiveStartTableName"] = start
            page = self.ddb.list_tables(**kw)
            pages += 1
            self.assertLessEqual(len(page["TableNames"]), 2, page)
            seen += page["TableNames"]
            start = page.get("LastEvaluatedTableName")
            if not start:
                break
            # LastEvaluatedTableName is the last name of the page.
            self.assertEqual(start, page["TableNames"][-1])
            self.assertLess(pages, 1000)
        ours = [n for n in seen if n.startswith(prefix)]
        self.assertEqual(ours, names)  # each once, in name order
        self.assertEqual(len(seen), len(set(seen)))
        # Names come in ascending order (AWS lists tables sorted by name).
        with self.deviates("moto: lists tables in creation order"):
            self.assertEqual(seen, sorted(seen))
        # ExclusiveStartTableName starts after the named table.
        page = self.ddb.list_tables(ExclusiveStartTableName=names[1], Limit=2)
        self.assertEqual(page["TableNames"], names[2:4])
        self.assertEqual(page["LastEvaluatedTableName"], names[3])

    def test_paginator_sees_every_table_once(self):
        prefix = unique_name("lp")
        names = [f"{prefix}-{i}" for i in range(4)]
        for n in names:
            self.create_table(("id", "S"), name=n)
        got = []
        pages = 0
        for page in self.ddb.get_paginator("list_tables").paginate(
                PaginationConfig={"PageSize": 3}):
            pages += 1
            got += page["TableNames"]
        self.assertEqual([n for n in got if n.startswith(prefix)], names)
        self.assertEqual(len(got), len(set(got)))
        self.assertGreaterEqual(pages, 2)

    def test_last_page_has_no_last_evaluated_name(self):
        prefix = unique_name("zz-last")  # sorts after the other tests' names
        self.create_table(("id", "S"), name=prefix)
        everything = self.ddb.list_tables(Limit=100)
        if "LastEvaluatedTableName" not in everything:
            self.assertIn(prefix, everything["TableNames"])
        page = self.ddb.list_tables(ExclusiveStartTableName=prefix)
        self.assertNotIn("LastEvaluatedTableName", page)


class UpdateDeleteTest(DynamoCase):
    def test_billing_mode_switches_both_ways(self):
        name = self.create_table(("id", "S"))
        out = self.ddb.update_table(TableName=name, BillingMode="PROVISIONED",
                                    ProvisionedThroughput={"ReadCapacityUnits": 4,
                                                           "WriteCapacityUnits": 2})
        self.assertEqual(out["TableDescription"]["TableName"], name)
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["TableStatus"], "ACTIVE")
        self.assertEqual(table["ProvisionedThroughput"]["ReadCapacityUnits"], 4)
        self.assertEqual(table["ProvisionedThroughput"]["WriteCapacityUnits"], 2)
        self.assertEqual(table.get("BillingModeSummary", {"BillingMode": "PROVISIONED"})
                         ["BillingMode"], "PROVISIONED")
        self.ddb.update_table(TableName=name, BillingMode="PAY_PER_REQUEST")
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["BillingModeSummary"]["BillingMode"], "PAY_PER_REQUEST")

    def test_add_and_remove_a_global_index(self):
        name = self.create_table(("pk", "S"))
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "a"}, "g": {"S": "x"}, "v": {"N": "1"}})
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "b"}, "v": {"N": "2"}})
        self.ddb.update_table(
            TableName=name,
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"},
                                  {"AttributeName": "g", "AttributeType": "S"}],
            GlobalSecondaryIndexUpdates=[{"Create": {
                "IndexName": "by_g", "KeySchema": key_schema("g"),
                "Projection": {"ProjectionType": "ALL"}}}])
        deadline = time.monotonic() + 10
        while True:
            table = self.ddb.describe_table(TableName=name)["Table"]
            gsis = {g["IndexName"]: g for g in table.get("GlobalSecondaryIndexes", [])}
            self.assertIn("by_g", gsis)
            if gsis["by_g"]["IndexStatus"] == "ACTIVE":
                break
            self.assertLess(time.monotonic(), deadline, gsis)
            time.sleep(0.2)
        self.assertEqual(gsis["by_g"]["KeySchema"], key_schema("g"))
        # The index holds the items written before it existed (backfill) and after.
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "c"}, "g": {"S": "x"}})
        got = self.ddb.query(TableName=name, IndexName="by_g",
                             KeyConditionExpression="g = :g",
                             ExpressionAttributeValues={":g": {"S": "x"}})
        self.assertEqual(sorted(i["pk"]["S"] for i in got["Items"]), ["a", "c"])
        self.ddb.update_table(TableName=name,
                              GlobalSecondaryIndexUpdates=[{"Delete": {"IndexName": "by_g"}}])
        deadline = time.monotonic() + 10
        while True:
            table = self.ddb.describe_table(TableName=name)["Table"]
            if not [g for g in table.get("GlobalSecondaryIndexes", [])
                    if g["IndexName"] == "by_g"]:
                break
            self.assertLess(time.monotonic(), deadline, table)
            time.sleep(0.2)
        # ref 1.6: an unknown index is a ValidationException.
        with self.deviates("moto: ResourceNotFoundException for an unknown index"):
            self.ddb_error("query", "ValidationException", TableName=name, IndexName="by_g",
                           KeyConditionExpression="g = :g",
                           ExpressionAttributeValues={":g": {"S": "x"}})
        # The base table is untouched.
        self.assertEqual(len(self.scan_all(name)), 3)

    def test_enable_stream(self):
        name = self.create_table(("pk", "S"))
        self.ddb.update_table(TableName=name, StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["StreamSpecification"],
                         {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"})
        self.assertTrue(table["LatestStreamLabel"])
        self.assertEqual(table["LatestStreamArn"],
                         f"{table_arn(name)}/stream/{table['LatestStreamLabel']}")

    def test_stream_at_creation(self):
        name = self.create_table(("pk", "S"), StreamSpecification={
            "StreamEnabled": True, "StreamViewType": "KEYS_ONLY"})
        table = self.ddb.describe_table(TableName=name)["Table"]
        self.assertEqual(table["StreamSpecification"]["StreamViewType"], "KEYS_ONLY")
        self.assertTrue(table["LatestStreamArn"].startswith(table_arn(name) + "/stream/"))

    def test_delete_table_then_not_found(self):
        name = self.create_table(("pk", "S"), cleanup=False)
        self.ddb.put_item(TableName=name, Item={"pk": {"S": "a"}})
        desc = self.ddb.delete_table(TableName=name)["TableDescription"]
        self.assertEqual(desc["TableName"], name)
        # ref 1.4: DeleteTable answers TableStatus DELETING.
        with self.deviates("moto: DeleteTable answers ACTIVE"):
            self.assertEqual(desc["TableStatus"], "DELETING")
        message = f"Requested resource not found: Table: {name} not found"
        for op, kw in (("describe_table", {}),
                       ("get_item", {"Key": {"pk": {"S": "a"}}}),
                       ("put_item", {"Item": {"pk": {"S": "a"}}}),
                       ("delete_table", {})):
            with self.subTest(op=op):
                r = self.ddb_error(op, "ResourceNotFoundException", TableName=name, **kw)
                # ref 1.1: AWS (2025-10) names the table; the bare text is also seen.
                self.assertIn(r["Error"]["Message"], (message, "Requested resource not found"))
        self.assertNotIn(name, self.ddb.list_tables(ExclusiveStartTableName=name[:-1])
                         ["TableNames"])
        t0 = time.monotonic()
        self.ddb.get_waiter("table_not_exists").wait(TableName=name)
        self.assertLess(time.monotonic() - t0, 5.0)
        # The name is free again, and the new table is empty.
        self.create_table(("pk", "S"), name=name)
        self.assertEqual(self.scan_all(name), [])


class TtlTagsEndpointsTest(DynamoCase):
    def test_time_to_live(self):
        name = self.create_table(("pk", "S"))
        self.assertEqual(self.ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"],
                         {"TimeToLiveStatus": "DISABLED"})
        out = self.ddb.update_time_to_live(
            TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"})
        self.assertEqual(out["TimeToLiveSpecification"],
                         {"Enabled": True, "AttributeName": "expires"})
        described = self.ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        self.assertEqual(described["AttributeName"], "expires")
        # AWS passes through ENABLING for a while (ref 1.4: changes take up to an hour).
        self.assertIn(described["TimeToLiveStatus"], ("ENABLED", "ENABLING"))
        with self.deviates("moto: code ResourceNotFound"):
            self.ddb_error("describe_time_to_live", "ResourceNotFoundException",
                           TableName=unique_name("missing"))

    def test_tags(self):
        name = self.create_table(("pk", "S"), Tags=[{"Key": "team", "Value": "media"}])
        arn = self.ddb.describe_table(TableName=name)["Table"]["TableArn"]
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "team", "Value": "media"}])
        self.ddb.tag_resource(ResourceArn=arn, Tags=[{"Key": "env", "Value": "dev"},
                                                     {"Key": "team", "Value": "video"}])
        tags = self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"]
        # A tag key is unique: tagging an existing key replaces its value.
        with self.deviates("moto: keeps both values of a re-tagged key"):
            self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags),
                             [("env", "dev"), ("team", "video")])
        self.ddb.untag_resource(ResourceArn=arn, TagKeys=["team"])
        self.assertEqual(self.ddb.list_tags_of_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "env", "Value": "dev"}])
        self.ddb_error("list_tags_of_resource", "ResourceNotFoundException",
                       ResourceArn=table_arn(unique_name("missing")))

    def test_describe_endpoints(self):
        endpoints = self.ddb.describe_endpoints()["Endpoints"]
        self.assertEqual(len(endpoints), 1, endpoints)
        self.assertTrue(endpoints[0]["Address"])
        # ref 1.4: 1440 [MEM]
        self.assertEqual(endpoints[0]["CachePeriodInMinutes"], 1440)
