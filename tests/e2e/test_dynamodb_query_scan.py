"""DynamoDB Query and Scan with boto3: sort-key order for N (numerically), S (UTF-8 bytes) and B
(unsigned bytes), both directions; key-condition operators; Limit counting items read (a page may
be empty and still carry LastEvaluatedKey); ExclusiveStartKey paging, the boto3 paginators;
Select COUNT; parallel Scan segments; global and local secondary indexes with their projections,
kept in step with the base table; the resource layer with boto3.dynamodb.conditions."""

import decimal

from boto3.dynamodb.conditions import Attr, Key

from dynamodb_case import DynamoCase, key_schema


def S(v): return {"S": v}
def N(v): return {"N": str(v)}
def B(v): return {"B": v}


class SortOrderTest(DynamoCase):
    def query_sort_keys(self, table, forward=True, **kw):
        out = self.ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("p")},
                             ScanIndexForward=forward, **kw)
        self.assertNotIn("LastEvaluatedKey", out)
        return out["Items"]

    def test_numbers_sort_numerically(self):
        table = self.create_table(("pk", "S"), ("sk", "N"))
        values = ["100", "2", "10", "-3", "-20", "0", "2.5", "-2.5", "0.001", "99.99",
                  "1E+5", "-1000000", "12345678901234567890123456789012345678"]
        for v in values:
            self.ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": N(v)})
        want = sorted(values, key=decimal.Decimal)
        got = [decimal.Decimal(i["sk"]["N"]) for i in self.query_sort_keys(table)]
        self.assertEqual(got, [decimal.Decimal(v) for v in want])
        got = [decimal.Decimal(i["sk"]["N"]) for i in self.query_sort_keys(table, forward=False)]
        self.assertEqual(got, [decimal.Decimal(v) for v in reversed(want)])

    def test_strings_sort_by_utf8_bytes(self):
        table = self.create_table(("pk", "S"), ("sk", "S"))
        values = ["a", "B", "b", "A", "aa", "Z", "\u00e9", "0", "~", "a b", "\U0001F600", "\uffef"]
        for v in values:
            self.ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": S(v)})
        want = sorted(values, key=lambda v: v.encode("utf-8"))
        self.assertEqual([i["sk"]["S"] for i in self.query_sort_keys(table)], want)
        self.assertEqual([i["sk"]["S"] for i in self.query_sort_keys(table, forward=False)],
                         list(reversed(want)))

    def test_binary_sorts_by_unsigned_bytes(self):
        table = self.create_table(("pk", "S"), ("sk", "B"))
        values = [b"\x00", b"\x01", b"\x7f", b"\x80", b"\xff", b"\x00\x00", b"\x01\x00",
                  b"\xfe\xff", b"a"]
        for v in values:
            self.ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": B(v)})
        want = sorted(values)  # Python orders bytes as unsigned, lexicographically
        self.assertEqual([i["sk"]["B"] for i in self.query_sort_keys(table)], want)
        self.assertEqual([i["sk"]["B"] for i in self.query_sort_keys(table, forward=False)],
                         list(reversed(want)))

    def test_key_condition_operators(self):
        table = self.create_table(("pk", "S"), ("sk", "N"))
        for v in range(1, 11):
            self.ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": N(v)})
        self.ddb.put_item(TableName=table, Item={"pk": S("other"), "sk": N(5)})
        cases = [
            ("pk = :p", {}, list(range(1, 11))),
            ("pk = :p AND sk = :a", {":a": N(5)}, [5]),
            ("pk = :p AND sk < :a", {":a": N(3)}, [1, 2]),
            ("pk = :p AND sk <= :a", {":a": N(3)}, [1, 2, 3]),
            ("pk = :p AND sk > :a", {":a": N(8)}, [9, 10]),
            ("pk = :p AND sk >= :a", {":a": N(8)}, [8, 9, 10]),
            ("pk = :p AND sk BETWEEN :a AND :b", {":a": N(4), ":b": N(6)}, [4, 5, 6]),
            ("(pk = :p) AND (sk > :a)", {":a": N(9)}, [10]),
            ("#k = :p AND #s = :a", {":a": N(7)}, [7]),
        ]
        for expr, values, want in cases:
            with self.subTest(expression=expr):
                kw = {}
                if "#" in expr:
                    kw["ExpressionAttributeNames"] = {"#k": "pk", "#s": "sk"}
                out = self.ddb.query(TableName=table, KeyConditionExpression=expr,
                                     ExpressionAttributeValues=dict(values, **{":p": S("p")}), **kw)
                self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], want)
                self.assertEqual(out["Count"], len(want))

    def test_begins_with_on_string_and_binary_sort_keys(self):
        table = self.create_table(("pk", "S"), ("sk", "S"))
        for v in ("a", "ab", "abc", "abd", "b", "ABC"):
            self.ddb.put_item(TableName=table, Item={"pk": S("p"), "sk": S(v)})
        out = self.ddb.query(TableName=table,
                             KeyConditionExpression="pk = :p AND begins_with(sk, :pre)",
                             ExpressionAttributeValues={":p": S("p"), ":pre": S("ab")})
        self.assertEqual([i["sk"]["S"] for i in out["Items"]], ["ab", "abc", "abd"])
        btable = self.create_table(("pk", "S"), ("sk", "B"))
        for v in (b"\x01", b"\x01\x02", b"\x01\x02\x03", b"\x02"):
            self.ddb.put_item(TableName=btable, Item={"pk": S("p"), "sk": B(v)})
        out = self.ddb.query(TableName=btable,
                             KeyConditionExpression="pk = :p AND begins_with(sk, :pre)",
                             ExpressionAttributeValues={":p": S("p"), ":pre": B(b"\x01\x02")})
        self.assertEqual([i["sk"]["B"] for i in out["Items"]], [b"\x01\x02", b"\x01\x02\x03"])

    def test_query_of_an_empty_partition(self):
        table = self.create_table(("pk", "S"), ("sk", "N"))
        out = self.ddb.query(TableName=table, KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("nobody")})
        self.assertEqual(out["Items"], [])
        self.assertEqual(out["Count"], 0)
        self.assertEqual(out["ScannedCount"], 0)
        self.assertNotIn("LastEvaluatedKey", out)


class PagingTest(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = cls.create_class_table(("pk", "S"), ("sk", "N"))
        # 25 items in partition p (v = sk), 15 in 15 other partitions.
        for i in range(25):
            cls.ddb.put_item(TableName=cls.table, Item={"pk": S("p"), "sk": N(i), "v": N(i)})
        for i in range(15):
            cls.ddb.put_item(TableName=cls.table, Item={"pk": S(f"o{i}"), "sk": N(i), "v": N(i)})
        cls.all_keys = sorted([("p", i) for i in range(25)] + [(f"o{i}", i) for i in range(15)])

    @staticmethod
    def keys_of(items):
        return [(i["pk"]["S"], int(i["sk"]["N"])) for i in items]

    def test_limit_counts_items_read_not_returned(self):
        # Only v >= 20 passes the filter; the first 2 items read (sk 0, 1) do not.
        out = self.ddb.query(TableName=self.table, KeyConditionExpression="pk = :p",
                             FilterExpression="v >= :min", Limit=2,
                             ExpressionAttributeValues={":p": S("p"), ":min": N(20)})
        self.assertEqual(out["Count"], 0)
        self.assertEqual(out["Items"], [])
        self.assertEqual(out["ScannedCount"], 2)
        self.assertEqual(out["LastEvaluatedKey"], {"pk": S("p"), "sk": N(1)})
        # Continue from there: 2 more read.
        out = self.ddb.query(TableName=self.table, KeyConditionExpression="pk = :p",
                             FilterExpression="v >= :min", Limit=2,
                             ExclusiveStartKey=out["LastEvaluatedKey"],
                             ExpressionAttributeValues={":p": S("p"), ":min": N(0)})
        self.assertEqual(self.keys_of(out["Items"]), [("p", 2), ("p", 3)])

    def test_limit_reached_on_the_last_item_still_gives_a_key(self):
        # ref 1.6: LastEvaluatedKey whenever the read stopped at Limit, even with nothing after.
        out = self.ddb.query(TableName=self.table, KeyConditionExpression="pk = :p", Limit=25,
                             ExpressionAttributeValues={":p": S("p")})
        self.assertEqual(out["Count"], 25)
        with self.deviates("moto: no LastEvaluatedKey when Limit is hit on the last item"):
            self.assertEqual(out["LastEvaluatedKey"], {"pk": S("p"), "sk": N(24)})
            out = self.ddb.query(TableName=self.table, KeyConditionExpression="pk = :p", Limit=25,
                                 ExclusiveStartKey=out["LastEvaluatedKey"],
                                 ExpressionAttributeValues={":p": S("p")})
            self.assertEqual(out["Count"], 0)
            self.assertNotIn("LastEvaluatedKey", out)
        out = self.ddb.query(TableName=self.table, KeyConditionExpression="pk = :p", Limit=26,
                             ExpressionAttributeValues={":p": S("p")})
        self.assertEqual(out["Count"], 25)
        self.assertNotIn("LastEvaluatedKey", out)

    def test_query_pages_reach_every_item_once(self):
        for forward in (True, False):
            for limit, filt in ((7, None), (4, "v <> :three"), (1, None)):
                with self.subTest(forward=forward, limit=limit, filter=filt):
                    got, start, pages = [], None, 0
                    while True:
                        kw = {"ExclusiveStartKey": start} if start else {}
                        values = {":p": S("p")}
                        if filt:
                            kw["FilterExpression"] = filt
                            values[":three"] = N(3)
                        page = self.ddb.query(TableName=self.table, KeyConditionExpression="pk = :p",
                                              Limit=limit, ScanIndexForward=forward,
                                              ExpressionAttributeValues=values, **kw)
                        self.assertLessEqual(page["ScannedCount"], limit)
                        pages += 1
                        got += self.keys_of(page["Items"])
                        start = page.get("LastEvaluatedKey")
                        if not start:
                            break
                        self.assertLess(pages, 100)
                    want = [("p", i) for i in range(25) if not (filt and i == 3)]
                    self.assertEqual(got, want if forward else list(reversed(want)))

    def test_scan_pages_reach_every_item_once(self):
        got, start, pages = [], None, 0
        while True:
            kw = {"ExclusiveStartKey": start} if start else {}
            page = self.ddb.scan(TableName=self.table, Limit=6, **kw)
            self.assertLessEqual(page["Count"], 6)
            got += self.keys_of(page["Items"])
            pages += 1
            start = page.get("LastEvaluatedKey")
            if not start:
                break
            self.assertLess(pages, 100)
        self.assertEqual(len(got), len(set(got)))
        self.assertEqual(sorted(got), self.all_keys)
        self.assertGreaterEqual(pages, 7)

    def test_paginators(self):
        pages = list(self.ddb.get_paginator("query").paginate(
            TableName=self.table, KeyConditionExpression="pk = :p",
            ExpressionAttributeValues={":p": S("p")}, PaginationConfig={"PageSize": 10}))
        self.assertEqual([len(p["Items"]) for p in pages][:3], [10, 10, 5])
        self.assertEqual([k for p in pages for k in self.keys_of(p["Items"])],
                         [("p", i) for i in range(25)])
        pages = list(self.ddb.get_paginator("scan").paginate(
            TableName=self.table, PaginationConfig={"PageSize": 9}))
        got = [k for p in pages for k in self.keys_of(p["Items"])]
        self.assertEqual(sorted(got), self.all_keys)
        self.assertEqual(len(got), len(set(got)))
        self.assertGreaterEqual(len(pages), 5)
        # build_full_result, as scripts use it.
        full = self.ddb.get_paginator("scan").paginate(
            TableName=self.table, FilterExpression="v < :five",
            ExpressionAttributeValues={":five": N(5)},
            PaginationConfig={"PageSize": 7}).build_full_result()
        self.assertEqual(sorted(self.keys_of(full["Items"])),
                         sorted([("p", i) for i in range(5)] + [(f"o{i}", i) for i in range(5)]))
        self.assertEqual(full["Count"], 10)
        self.assertEqual(full["ScannedCount"], 40)

    def test_a_start_key_outside_the_query_is_refused(self):
        # A cursor kept from another query: another partition, or a sort key the condition
        # excludes. DynamoDB refuses it rather than resume somewhere else.
        message = "The provided starting key is outside query boundaries based on provided conditions"
        for condition, values, start in (
                ("pk = :p", {":p": S("p")}, {"pk": S("o1"), "sk": N(1)}),
                ("pk = :p AND sk > :s", {":p": S("p"), ":s": N(20)}, {"pk": S("p"), "sk": N(3)}),
                ("pk = :p AND sk BETWEEN :a AND :b", {":p": S("p"), ":a": N(2), ":b": N(5)},
                 {"pk": S("p"), "sk": N(6)})):
            with self.subTest(condition=condition), self.deviates("moto: ignores the bounds"):
                self.ddb_error("query", "ValidationException", message, TableName=self.table,
                               KeyConditionExpression=condition, ExpressionAttributeValues=values,
                               ExclusiveStartKey=start)
        inside = self.ddb.query(TableName=self.table, KeyConditionExpression="pk = :p AND sk > :s",
                                ExpressionAttributeValues={":p": S("p"), ":s": N(20)},
                                ExclusiveStartKey={"pk": S("p"), "sk": N(22)})
        self.assertEqual(self.keys_of(inside["Items"]), [("p", 23), ("p", 24)])

    def test_select_must_fit_what_is_asked(self):
        values = {":p": S("p")}
        with self.deviates("moto: accepts SPECIFIC_ATTRIBUTES without a projection"):
            self.ddb_error("query", "ValidationException",
                           "1 validation error detected: Must specify the AttributesToGet or "
                           "ProjectionExpression when choosing to get SPECIFIC_ATTRIBUTES",
                           TableName=self.table, KeyConditionExpression="pk = :p",
                           ExpressionAttributeValues=values, Select="SPECIFIC_ATTRIBUTES")
        with self.deviates("moto: words it differently"):
            self.ddb_error("query", "ValidationException",
                           "1 validation error detected: Cannot specify the ProjectionExpression "
                           "when choosing to get only the Count", TableName=self.table,
                           KeyConditionExpression="pk = :p", ExpressionAttributeValues=values,
                           Select="COUNT", ProjectionExpression="v")

    def test_select_count(self):
        out = self.ddb.query(TableName=self.table, KeyConditionExpression="pk = :p",
                             Select="COUNT", ExpressionAttributeValues={":p": S("p")})
        self.assertEqual(out["Count"], 25)
        self.assertEqual(out["ScannedCount"], 25)
        self.assertNotIn("Items", out)
        out = self.ddb.scan(TableName=self.table, Select="COUNT", FilterExpression="v < :ten",
                            ExpressionAttributeValues={":ten": N(10)})
        self.assertEqual(out["Count"], 10 + 10)
        self.assertEqual(out["ScannedCount"], 40)
        with self.deviates("moto: Scan with Select COUNT and a filter returns Items"):
            self.assertNotIn("Items", out)

    def test_parallel_scan_segments_are_disjoint_and_cover(self):
        for total in (1, 3, 4):
            with self.subTest(total_segments=total):
                segments = []
                for seg in range(total):
                    got, start = [], None
                    while True:
                        kw = {"ExclusiveStartKey": start} if start else {}
                        page = self.ddb.scan(TableName=self.table, Segment=seg,
                                             TotalSegments=total, Limit=5, **kw)
                        got += self.keys_of(page["Items"])
                        start = page.get("LastEvaluatedKey")
                        if not start:
                            break
                    segments.append(set(got))
                    self.assertEqual(len(got), len(set(got)))
                union = set().union(*segments)
                self.assertEqual(sorted(union), self.all_keys)
                self.assertEqual(sum(len(s) for s in segments), len(self.all_keys))  # disjoint
                # Items of one partition key stay in one segment.
                owner = {}
                for i, s in enumerate(segments):
                    for pk, _ in s:
                        self.assertEqual(owner.setdefault(pk, i), i)


class IndexTest(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = cls.create_class_table(
            ("pk", "S"), ("sk", "N"),
            extra_attributes=[("gpk", "S"), ("gsk", "N"), ("lsk", "S")],
            GlobalSecondaryIndexes=[
                {"IndexName": "g_keys", "KeySchema": key_schema("gpk", "gsk"),
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
                {"IndexName": "g_incl", "KeySchema": key_schema("gpk", "gsk"),
                 "Projection": {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["a"]}},
                {"IndexName": "g_all", "KeySchema": key_schema("gpk"),
                 "Projection": {"ProjectionType": "ALL"}},
            ],
            LocalSecondaryIndexes=[
                {"IndexName": "l_all", "KeySchema": key_schema("pk", "lsk"),
                 "Projection": {"ProjectionType": "ALL"}},
                {"IndexName": "l_keys", "KeySchema": key_schema("pk", "lsk"),
                 "Projection": {"ProjectionType": "KEYS_ONLY"}},
            ])

    def put(self, pk, sk, **attrs):
        item = {"pk": S(pk), "sk": N(sk)}
        for k, v in attrs.items():
            item[k] = N(v) if isinstance(v, int) else S(v)
        self.ddb.put_item(TableName=self.table, Item=item)
        return item

    def gquery(self, index, gpk, **kw):
        params = dict(TableName=self.table, IndexName=index, KeyConditionExpression="gpk = :g",
                      ExpressionAttributeValues={":g": S(gpk)})
        params.update(kw)
        return self.ddb.query(**params)

    def test_gsi_projections_and_order(self):
        g = "g-proj"
        self.put("x1", 1, gpk=g, gsk=30, a="A1", b="B1", lsk="l1")
        self.put("x2", 2, gpk=g, gsk=-5, a="A2", b="B2", lsk="l2")
        self.put("x3", 3, gpk=g, gsk=100, a="A3", b="B3")
        self.put("x4", 4, a="no-gpk")  # sparse: not in the GSIs
        out = self.gquery("g_keys", g)
        self.assertEqual(out["Items"], [
            {"pk": S("x2"), "sk": N(2), "gpk": S(g), "gsk": N(-5)},
            {"pk": S("x1"), "sk": N(1), "gpk": S(g), "gsk": N(30)},
            {"pk": S("x3"), "sk": N(3), "gpk": S(g), "gsk": N(100)}])
        out = self.gquery("g_incl", g, ScanIndexForward=False)
        self.assertEqual(out["Items"], [
            {"pk": S("x3"), "sk": N(3), "gpk": S(g), "gsk": N(100), "a": S("A3")},
            {"pk": S("x1"), "sk": N(1), "gpk": S(g), "gsk": N(30), "a": S("A1")},
            {"pk": S("x2"), "sk": N(2), "gpk": S(g), "gsk": N(-5), "a": S("A2")}])
        out = self.gquery("g_all", g)
        self.assertEqual(sorted(i["pk"]["S"] for i in out["Items"]), ["x1", "x2", "x3"])
        full = [i for i in out["Items"] if i["pk"]["S"] == "x1"][0]
        self.assertEqual(full, {"pk": S("x1"), "sk": N(1), "gpk": S(g), "gsk": N(30),
                                "a": S("A1"), "b": S("B1"), "lsk": S("l1")})
        out = self.gquery("g_keys", g, KeyConditionExpression="gpk = :g AND gsk > :z",
                          ExpressionAttributeValues={":g": S(g), ":z": N(0)})
        self.assertEqual([i["pk"]["S"] for i in out["Items"]], ["x1", "x3"])
        # The whole item cannot come from a global index that projects less.
        for index in ("g_keys", "g_incl"):
            with self.subTest(index=index):
                self.ddb_error("query", "ValidationException",
                               "One or more parameter values were invalid: Select type "
                               f"ALL_ATTRIBUTES is not supported for global secondary index {index} "
                               "because its projection type is not ALL",
                               TableName=self.table, IndexName=index, Select="ALL_ATTRIBUTES",
                               KeyConditionExpression="gpk = :g",
                               ExpressionAttributeValues={":g": S(g)})
                self.ddb_error("scan", "ValidationException", TableName=self.table,
                               IndexName=index, Select="ALL_ATTRIBUTES")
        self.assertEqual(len(self.gquery("g_all", g, Select="ALL_ATTRIBUTES")["Items"]), 3)

    def test_gsi_follows_the_base_table(self):
        g, g2 = "g-follow", "g-follow-2"
        self.put("f1", 1, gpk=g, gsk=1, a="v1")
        self.put("f2", 2, gpk=g, gsk=2, a="v1")
        self.assertEqual(self.gquery("g_incl", g)["Count"], 2)
        # Update a projected attribute, move one item to another index key, delete one.
        self.ddb.update_item(TableName=self.table, Key={"pk": S("f1"), "sk": N(1)},
                             UpdateExpression="SET a = :a", ExpressionAttributeValues={":a": S("v2")})
        self.assertEqual([i["a"]["S"] for i in self.gquery("g_incl", g)["Items"]], ["v2", "v1"])
        self.ddb.update_item(TableName=self.table, Key={"pk": S("f2"), "sk": N(2)},
                             UpdateExpression="SET gpk = :g", ExpressionAttributeValues={":g": S(g2)})
        self.assertEqual([i["pk"]["S"] for i in self.gquery("g_keys", g)["Items"]], ["f1"])
        self.assertEqual([i["pk"]["S"] for i in self.gquery("g_keys", g2)["Items"]], ["f2"])
        self.ddb.update_item(TableName=self.table, Key={"pk": S("f2"), "sk": N(2)},
                             UpdateExpression="REMOVE gpk")
        self.assertEqual(self.gquery("g_keys", g2)["Count"], 0)
        self.ddb.delete_item(TableName=self.table, Key={"pk": S("f1"), "sk": N(1)})
        self.assertEqual(self.gquery("g_keys", g)["Count"], 0)
        self.assertEqual(self.gquery("g_all", g)["Count"], 0)

    def test_gsi_paging_key_holds_index_and_table_keys(self):
        g = "g-page"
        for i in range(5):
            self.put(f"pg{i}", i, gpk=g, gsk=i)
        out = self.gquery("g_keys", g, Limit=2)
        self.assertEqual(out["LastEvaluatedKey"],
                         {"gpk": S(g), "gsk": N(1), "pk": S("pg1"), "sk": N(1)})
        got = [i["pk"]["S"] for i in out["Items"]]
        while "LastEvaluatedKey" in out:
            out = self.gquery("g_keys", g, Limit=2, ExclusiveStartKey=out["LastEvaluatedKey"])
            got += [i["pk"]["S"] for i in out["Items"]]
        self.assertEqual(got, [f"pg{i}" for i in range(5)])

    def test_lsi_query_and_projection(self):
        self.put("L", 1, lsk="c", a="A1", b="B1")
        self.put("L", 2, lsk="a", a="A2")
        self.put("L", 3, lsk="b")
        self.put("L", 4, a="no-lsk")  # sparse
        out = self.ddb.query(TableName=self.table, IndexName="l_all",
                             KeyConditionExpression="pk = :p",
                             ExpressionAttributeValues={":p": S("L")})
        self.assertEqual([int(i["sk"]["N"]) for i in out["Items"]], [2, 3, 1])  # by lsk
        self.assertEqual(out["Items"][2], {"pk": S("L"), "sk": N(1), "lsk": S("c"),
                                           "a": S("A1"), "b": S("B1")})
        out = self.ddb.query(TableName=self.table, IndexName="l_keys",
                             KeyConditionExpression="pk = :p AND lsk >= :b",
                             ExpressionAttributeValues={":p": S("L"), ":b": S("b")},
                             ConsistentRead=True)  # allowed on an LSI
        self.assertEqual(out["Items"], [{"pk": S("L"), "sk": N(3), "lsk": S("b")},
                                        {"pk": S("L"), "sk": N(1), "lsk": S("c")}])
        out = self.ddb.query(TableName=self.table, IndexName="l_keys",
                             KeyConditionExpression="pk = :p", Limit=1,
                             ExpressionAttributeValues={":p": S("L")})
        self.assertEqual(out["LastEvaluatedKey"], {"pk": S("L"), "sk": N(2), "lsk": S("a")})

    def test_scan_an_index(self):
        g = "g-scan"
        self.put("s1", 1, gpk=g, gsk=1, a="x")
        out = self.ddb.scan(TableName=self.table, IndexName="g_incl",
                            FilterExpression="gpk = :g", ExpressionAttributeValues={":g": S(g)})
        self.assertEqual(out["Items"], [{"pk": S("s1"), "sk": N(1), "gpk": S(g), "gsk": N(1),
                                         "a": S("x")}])

    def test_consistent_read_on_a_gsi_is_refused(self):
        self.ddb_error("query", "ValidationException",
                       message="Consistent reads are not supported on global secondary indexes",
                       TableName=self.table, IndexName="g_keys", ConsistentRead=True,
                       KeyConditionExpression="gpk = :g",
                       ExpressionAttributeValues={":g": S("x")})


class ResourceLayerTest(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        name = cls.create_class_table(("pk", "S"), ("sk", "S"))
        cls.t = cls.ddb_resource.Table(name)
        rows = [("alpha", 1, ["x", "y"], "on"), ("alpine", 2, ["y"], "off"), ("beta", 3, ["x"], "on"),
                ("apple", 4, [], None), ("avocado", 5, ["z"], "on")]
        with cls.t.batch_writer() as w:
            for sk, n, tags, state in rows:
                item = {"pk": "fruit", "sk": sk, "n": n, "l": tags}
                if state:
                    item["status"] = state
                if tags:
                    item["tags"] = set(tags)
                w.put_item(Item=item)

    def sks(self, out):
        return [i["sk"] for i in out["Items"]]

    def test_key_conditions(self):
        out = self.t.query(KeyConditionExpression=Key("pk").eq("fruit") & Key("sk").begins_with("al"))
        self.assertEqual(self.sks(out), ["alpha", "alpine"])
        out = self.t.query(KeyConditionExpression=Key("pk").eq("fruit") & Key("sk").between("alpine", "b"))
        self.assertEqual(self.sks(out), ["alpine", "apple", "avocado"])
        out = self.t.query(KeyConditionExpression=Key("pk").eq("fruit") & Key("sk").gt("apple"),
                           ScanIndexForward=False)
        self.assertEqual(self.sks(out), ["beta", "avocado"])
        out = self.t.query(KeyConditionExpression=Key("pk").eq("fruit") & Key("sk").lte("alpine"))
        self.assertEqual(self.sks(out), ["alpha", "alpine"])

    def test_attr_filters(self):
        q = Key("pk").eq("fruit")
        cases = [  # (filter, sort keys it keeps, usable in a Query: no key attribute named)
            (Attr("n").gt(2), ["apple", "avocado", "beta"], True),
            (Attr("n").gte(2) & Attr("status").eq("on"), ["avocado", "beta"], True),
            (Attr("n").lt(2) | Attr("n").eq(5), ["alpha", "avocado"], True),
            (~Attr("status").eq("on"), ["alpine", "apple"], True),
            (Attr("status").not_exists(), ["apple"], True),
            (Attr("tags").exists(), ["alpha", "alpine", "avocado", "beta"], True),
            (Attr("tags").contains("x"), ["alpha", "beta"], True),
            (Attr("n").between(2, 4), ["alpine", "apple", "beta"], True),
            (Attr("status").is_in(["off", "gone"]), ["alpine"], True),
            (Attr("n").ne(1), ["alpine", "apple", "avocado", "beta"], True),
            (Attr("l").size().gt(1), ["alpha"], True),
            (Attr("tags").attribute_type("SS"), ["alpha", "alpine", "avocado", "beta"], True),
            (Attr("sk").begins_with("a") & Attr("n").lt(3), ["alpha", "alpine"], False),
        ]
        for cond, want, in_query in cases:
            with self.subTest(condition=cond.get_expression()["format"]):
                out = self.t.scan(FilterExpression=cond)
                self.assertEqual(sorted(self.sks(out)), want)
                if in_query:
                    out = self.t.query(KeyConditionExpression=q, FilterExpression=cond)
                    self.assertEqual(self.sks(out), want)  # in sort-key order

    def test_native_values_come_back(self):
        item = self.t.get_item(Key={"pk": "fruit", "sk": "alpha"})["Item"]
        self.assertEqual(item, {"pk": "fruit", "sk": "alpha", "n": decimal.Decimal(1),
                                "l": ["x", "y"], "status": "on", "tags": {"x", "y"}})
        self.t.update_item(Key={"pk": "fruit", "sk": "alpha"},
                           UpdateExpression="ADD n :d",
                           ExpressionAttributeValues={":d": decimal.Decimal("0.25")})
        self.assertEqual(self.t.get_item(Key={"pk": "fruit", "sk": "alpha"})["Item"]["n"],
                         decimal.Decimal("1.25"))
        self.t.update_item(Key={"pk": "fruit", "sk": "alpha"},
                           UpdateExpression="ADD n :d",
                           ExpressionAttributeValues={":d": decimal.Decimal("-0.25")})
