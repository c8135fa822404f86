"""DynamoDB expressions as tables of cases (boto3 client, wire-form values):

* UpdateExpression: (expression, names, values, starting item) -> expected item or error;
* ConditionExpression and FilterExpression: (expression, names, values) over one rich item ->
  true/false, each case checked both as a PutItem condition and as a Query filter;
* expression errors (reserved words, undefined/unused placeholders, syntax) -> AWS's code and
  message, with the item unchanged;
* the legacy parameters: Expected, AttributeUpdates, KeyConditions, QueryFilter, ScanFilter,
  AttributesToGet.

Expected behaviour and messages: ref 1.8/1.9 (aws-wire-contracts-2.md) and the DynamoDB developer
guide's Expressions chapters."""

from dynamodb_case import DynamoCase, canon


def S(v): return {"S": v}
def N(v): return {"N": str(v)}
def B(v): return {"B": v}
def SS(*v): return {"SS": list(v)}
def NS(*v): return {"NS": [str(x) for x in v]}
def L(*v): return {"L": list(v)}
def M(**v): return {"M": v}
BOOL_T = {"BOOL": True}
NUL = {"NULL": True}

CCF = "The conditional request failed"

# ------------------------------------------------------------------------------------------------
# UpdateExpression cases: (expression, names, values, expected) applied to START; `expected` is a
# function of a copy of START returning the whole expected item, or ("error", message or None,
# how: "exact" | "startswith" | "contains").

START = {
    "a": N(1), "s": S("x"), "l": L(N(1), N(2), N(3)), "ss": SS("a", "b"), "ns": NS(1, 2),
    "m": M(b=L(N(0), N(1), M(c=S("old")))), "del": S("bye"), "dotted.name": S("dot"),
}


def with_(**changes):
    def f(item):
        for k, v in changes.items():
            if v is None:
                item.pop(k, None)
            else:
                item[k] = v
        return item
    return f


def err(message=None, how="exact"):
    return ("error", message, how)


INCORRECT_TYPE = "An operand in the update expression has an incorrect data type"
BAD_OPERAND = (INCORRECT_TYPE, "Invalid UpdateExpression: Incorrect operand type for operator or function")
INVALID_PATH = "The document path provided in the update expression is invalid for update"

UPDATE_CASES = [
    # SET with + and -
    ("SET a = a + :two", {}, {":two": N(2)}, with_(a=N(3))),
    ("SET a = a - :two", {}, {":two": N(2)}, with_(a=N(-1))),
    ("SET a = :five - a", {}, {":five": N(5)}, with_(a=N(4))),
    ("SET n2 = :two + :two", {}, {":two": N(2)}, with_(n2=N(4))),
    ("SET a = a + :half", {}, {":half": N("0.5")}, with_(a=N("1.5"))),
    ("SET a = a + :big", {}, {":big": N("12345678901234567890123456789012345677")},
     with_(a=N("12345678901234567890123456789012345678"))),
    ("SET a = :v, s = :w", {}, {":v": N(7), ":w": S("y")}, with_(a=N(7), s=S("y"))),
    ("SET x = a", {}, {}, with_(x=N(1))),
    # list_append, both ways
    ("SET l = list_append(l, :l45)", {}, {":l45": L(N(4), N(5))},
     with_(l=L(N(1), N(2), N(3), N(4), N(5)))),
    ("SET l = list_append(:l0, l)", {}, {":l0": L(N(0))}, with_(l=L(N(0), N(1), N(2), N(3)))),
    ("SET nl = list_append(:l0, :l0)", {}, {":l0": L(N(0))}, with_(nl=L(N(0), N(0)))),
    # if_not_exists
    ("SET c = if_not_exists(c, :zero)", {}, {":zero": N(0)}, with_(c=N(0))),
    ("SET a = if_not_exists(a, :zero)", {}, {":zero": N(0)}, with_()),
    ("SET c = if_not_exists(c, :zero) + :one", {}, {":zero": N(0), ":one": N(1)}, with_(c=N(1))),
    # nested paths
    ("SET m.b[2].c = :new", {}, {":new": S("new")}, with_(m=M(b=L(N(0), N(1), M(c=S("new")))))),
    ("SET m.b[1] = :x", {}, {":x": S("x")}, with_(m=M(b=L(N(0), S("x"), M(c=S("old")))))),
    ("SET m.k = :x", {}, {":x": S("x")}, with_(m=M(b=L(N(0), N(1), M(c=S("old"))), k=S("x")))),
    ("SET l[10] = :x", {}, {":x": S("x")}, with_(l=L(N(1), N(2), N(3), S("x")))),
    ("SET #m.#b[0] = :x", {"#m": "m", "#b": "b"}, {":x": S("x")},
     with_(m=M(b=L(S("x"), N(1), M(c=S("old")))))),
    ("SET #d = :x", {"#d": "dotted.name"}, {":x": S("x")}, lambda i: dict(i, **{"dotted.name": S("x")})),
    ("SET #st = :x", {"#st": "status"}, {":x": S("on")}, with_(status=S("on"))),
    # REMOVE
    ("REMOVE del, s", {}, {}, with_(**{"del": None, "s": None})),
    ("REMOVE l[0], l[2]", {}, {}, with_(l=L(N(2)))),
    ("REMOVE nothere", {}, {}, with_()),
    ("REMOVE m.b[2].c", {}, {}, with_(m=M(b=L(N(0), N(1), M())))),
    ("REMOVE l[7]", {}, {}, with_()),
    # ADD
    ("ADD a :two", {}, {":two": N(2)}, with_(a=N(3))),
    ("ADD a :neg", {}, {":neg": N(-5)}, with_(a=N(-4))),
    ("ADD newn :two", {}, {":two": N(2)}, with_(newn=N(2))),
    ("ADD ss :c", {}, {":c": SS("c", "a")}, with_(ss=SS("a", "b", "c"))),
    ("ADD newss :c", {}, {":c": SS("c")}, with_(newss=SS("c"))),
    ("ADD ns :n", {}, {":n": NS(3)}, with_(ns=NS(1, 2, 3))),
    # DELETE
    ("DELETE ss :a", {}, {":a": SS("a")}, with_(ss=SS("b"))),
    ("DELETE ss :ab", {}, {":ab": SS("a", "b", "z")}, with_(ss=None)),  # empty set: removed
    ("DELETE ns :one", {}, {":one": NS(1)}, with_(ns=NS(2))),
    ("DELETE nothere :one", {}, {":one": NS(1)}, with_()),
    # all four clauses, any order
    ("SET a = a + :one REMOVE del ADD ns :n3 DELETE ss :sa", {},
     {":one": N(1), ":n3": NS(3), ":sa": SS("a")},
     with_(a=N(2), ns=NS(1, 2, 3), ss=SS("b"), **{"del": None})),
    ("DELETE ss :sa ADD a :one REMOVE del SET s = :y", {}, {":one": N(1), ":sa": SS("a"), ":y": S("y")},
     with_(a=N(2), ss=SS("b"), s=S("y"), **{"del": None})),
    ("set a = :one remove del", {}, {":one": N(9)}, with_(a=N(9), **{"del": None})),
    # errors: the item stays as it was
    # Which of the two messages AWS gives when the bad operand comes from the item is not pinned
    # down (ref 1.8 lists both): either is accepted.
    ("SET a = s + :one", {}, {":one": N(1)}, err(BAD_OPERAND, "oneof")),
    ("SET l = list_append(l, :one)", {}, {":one": N(1)}, err(BAD_OPERAND, "oneof")),
    ("ADD s :one", {}, {":one": N(1)}, err(INCORRECT_TYPE)),
    ("ADD a :str", {}, {":str": S("x")}, err(BAD_OPERAND, "oneof")),
    ("DELETE a :one", {}, {":one": N(1)},
     err("Invalid UpdateExpression: Incorrect operand type for operator or function;", "startswith")),
    ("DELETE ss :one", {}, {":one": NS(1)}, err(INCORRECT_TYPE)),
    ("SET a = :one SET s = :x", {}, {":one": N(1), ":x": S("x")},
     err('Invalid UpdateExpression: The "SET" section can only be used once in an update expression;')),
    ("SET m = :x, m.b = :x", {}, {":x": S("x")},
     err("Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
         "rewrite one of these paths; path one: [m], path two: [m, b]")),
    ("SET pk = :x", {}, {":x": S("x")},
     err("One or more parameter values were invalid: Cannot update attribute pk. "
         "This attribute is part of the key")),
    ("SET a = nothere + :one", {}, {":one": N(1)},
     err("The provided expression refers to an attribute that does not exist in the item")),
    ("SET nothere.x = :x", {}, {":x": S("x")}, err(INVALID_PATH)),
    ("SET s[0] = :x", {}, {":x": S("x")}, err(INVALID_PATH)),
    ("SET status = :x", {}, {":x": S("x")},
     err("Invalid UpdateExpression: Attribute name is a reserved keyword; reserved keyword: status")),
    ("SET a = :undefined, b = :x", {}, {":x": S("x")},
     err("Invalid UpdateExpression: An expression attribute value used in expression is not "
         "defined; attribute value: :undefined")),
    ("SET #n = :x, #undefined = :x", {"#n": "a"}, {":x": S("x")},
     err("Invalid UpdateExpression: An expression attribute name used in the document path is "
         "not defined; attribute name: #undefined")),
    ("SET a = :x", {}, {":x": S("x"), ":unused": S("u")},
     err("Value provided in ExpressionAttributeValues unused in expressions: keys: {:unused}")),
    ("SET a = :x", {"#unused": "a"}, {":x": S("x")},
     err("Value provided in ExpressionAttributeNames unused in expressions: keys: {#unused}")),
    ("SET a := :x", {}, {":x": S("x")}, err("Invalid UpdateExpression: Syntax error; token:", "startswith")),
    ("SET a = :x,", {}, {":x": S("x")}, err("Invalid UpdateExpression: Syntax error; token:", "startswith")),
    ("SET a = if_not_exist(a, :x)", {}, {":x": S("x")}, err("Invalid UpdateExpression:", "startswith")),
    ("", {}, {}, err("Invalid UpdateExpression: The expression can not be empty;")),
    ("SET a = a + :big", {}, {":big": N("9.9999999999999999999999999999999999999E+125")},
     err(None)),
    ("SET a = :big + :big", {}, {":big": N("9.9999999999999999999999999999999999999E+125")},
     err("Number overflow", "contains")),
]

# ------------------------------------------------------------------------------------------------
# Condition / filter cases over ITEM: (expression, names, values, expected truth).

ITEM = {
    "s": S("hello world"), "n": N(10), "neg": N(-5), "half": N("2.5"), "b": B(b"\x01\x02\x03"),
    "ss": SS("a", "b"), "ns": NS(1, 2, 3), "bs": {"BS": [b"\x01"]},
    "l": L(N(1), S("two"), M(x=S("y"))), "m": M(a=M(b=L(N(0), N(1), M(c=S("deep"))))),
    "t": BOOL_T, "nul": NUL, "blank": S(""), "status": S("active"), "dotted.name": S("dot"),
}

CONDITION_CASES = [
    # comparators: numbers numerically, strings bytewise, different types never equal
    ("n = :ten", {}, {":ten": N(10)}, True),
    ("n = :tenf", {}, {":tenf": N("10.0")}, True),
    ("n <> :ten", {}, {":ten": N(10)}, False),
    ("n > :nine", {}, {":nine": N(9)}, True),  # "10" > "9" is false as text
    ("n < :nine", {}, {":nine": N(9)}, False),
    ("n <= :ten", {}, {":ten": N(10)}, True),
    ("n >= :eleven", {}, {":eleven": N(11)}, False),
    ("neg < :zero", {}, {":zero": N(0)}, True),
    ("half BETWEEN :two AND :three", {}, {":two": N(2), ":three": N(3)}, True),
    ("n BETWEEN :two AND :three", {}, {":two": N(2), ":three": N(3)}, False),
    ("s BETWEEN :a AND :z", {}, {":a": S("a"), ":z": S("z")}, True),
    ("s > :upper", {}, {":upper": S("Z")}, True),  # 'h' (0x68) > 'Z' (0x5a)
    ("s = :n10", {}, {":n10": N(10)}, False),
    ("s < :n10", {}, {":n10": N(10)}, False),
    ("b < :b2", {}, {":b2": B(b"\x01\x03")}, True),
    ("b > :bff", {}, {":bff": B(b"\xff")}, False),  # unsigned: 0x01 < 0xff
    ("t = :true", {}, {":true": BOOL_T}, True),
    ("blank = :e", {}, {":e": S("")}, True),
    ("ss = :ba", {}, {":ba": SS("b", "a")}, True),
    ("l[1] = :two", {}, {":two": S("two")}, True),
    ("l[2].x = :y", {}, {":y": S("y")}, True),
    ("m.a.b[2].c = :deep", {}, {":deep": S("deep")}, True),
    ("m.a.b[0] < m.a.b[1]", {}, {}, True),
    ("#st = :active", {"#st": "status"}, {":active": S("active")}, True),
    ("#d = :dot", {"#d": "dotted.name"}, {":dot": S("dot")}, True),
    ("#m.#a.#b[2].#c = :deep", {"#m": "m", "#a": "a", "#b": "b", "#c": "c"}, {":deep": S("deep")}, True),
    ("nothere < :ten", {}, {":ten": N(10)}, False),
    # IN
    ("n IN (:one, :ten, :x)", {}, {":one": N(1), ":ten": N(10), ":x": S("x")}, True),
    ("s IN (:a, :b)", {}, {":a": S("a"), ":b": S("b")}, False),
    # functions
    ("attribute_exists(s)", {}, {}, True),
    ("attribute_exists(nothere)", {}, {}, False),
    ("attribute_not_exists(nothere)", {}, {}, True),
    ("attribute_not_exists(n)", {}, {}, False),
    ("attribute_exists(m.a.b[2].c)", {}, {}, True),
    ("attribute_exists(m.a.b[5])", {}, {}, False),
    ("attribute_exists(nul)", {}, {}, True),
    ("attribute_type(n, :t)", {}, {":t": S("N")}, True),
    ("attribute_type(n, :t)", {}, {":t": S("S")}, False),
    ("attribute_type(ss, :t)", {}, {":t": S("SS")}, True),
    ("attribute_type(ns, :t)", {}, {":t": S("NS")}, True),
    ("attribute_type(bs, :t)", {}, {":t": S("BS")}, True),
    ("attribute_type(b, :t)", {}, {":t": S("B")}, True),
    ("attribute_type(nul, :t)", {}, {":t": S("NULL")}, True),
    ("attribute_type(t, :t)", {}, {":t": S("BOOL")}, True),
    ("attribute_type(l, :t)", {}, {":t": S("L")}, True),
    ("attribute_type(m, :t)", {}, {":t": S("M")}, True),
    ("begins_with(s, :p)", {}, {":p": S("hel")}, True),
    ("begins_with(s, :p)", {}, {":p": S("world")}, False),
    ("begins_with(b, :p)", {}, {":p": B(b"\x01\x02")}, True),
    ("contains(s, :p)", {}, {":p": S("lo wo")}, True),
    ("contains(s, :p)", {}, {":p": S("xyz")}, False),
    ("contains(ss, :p)", {}, {":p": S("a")}, True),
    ("contains(ss, :p)", {}, {":p": S("z")}, False),
    ("contains(ns, :p)", {}, {":p": N(2)}, True),
    ("contains(l, :p)", {}, {":p": S("two")}, True),
    ("contains(l, :p)", {}, {":p": N(1)}, True),
    ("contains(l, :p)", {}, {":p": N(2)}, False),
    ("size(s) = :v", {}, {":v": N(11)}, True),
    ("size(ss) = :v", {}, {":v": N(2)}, True),
    ("size(ns) = :v", {}, {":v": N(3)}, True),
    ("size(l) = :v", {}, {":v": N(3)}, True),
    ("size(m) = :v", {}, {":v": N(1)}, True),
    ("size(b) = :v", {}, {":v": N(3)}, True),
    ("size(s) > :v", {}, {":v": N(10)}, True),
    ("size(l) < :v", {}, {":v": N(3)}, False),
    # AND / OR / NOT precedence: NOT binds tighter than AND, AND tighter than OR
    ("n = :ten OR n = :nine AND s = :zz", {}, {":ten": N(10), ":nine": N(9), ":zz": S("zz")}, True),
    ("(n = :ten OR n = :nine) AND s = :zz", {}, {":ten": N(10), ":nine": N(9), ":zz": S("zz")}, False),
    ("n = :nine AND s = :zz OR n = :ten", {}, {":ten": N(10), ":nine": N(9), ":zz": S("zz")}, True),
    ("NOT n = :nine", {}, {":nine": N(9)}, True),
    ("NOT n = :ten AND s = :zz", {}, {":ten": N(10), ":zz": S("zz")}, False),
    ("NOT (n = :ten AND s = :zz)", {}, {":ten": N(10), ":zz": S("zz")}, True),
    ("NOT attribute_exists(nothere) AND n = :ten", {}, {":ten": N(10)}, True),
    # what boto3's conditions layer sends (ref 1.8): every name and value aliased, parenthesised
    ("(#n0 > :v0 AND contains(#n1, :v1))", {"#n0": "n", "#n1": "s"}, {":v0": N(9), ":v1": S("world")}, True),
]

CONDITION_ERRORS = [
    ("status = :v", {}, {":v": S("active")},
     "Invalid ConditionExpression: Attribute name is a reserved keyword; reserved keyword: status", "exact"),
    ("n = :nope", {}, {":v": N(1)},
     "Invalid ConditionExpression: An expression attribute value used in expression is not defined; "
     "attribute value: :nope", "exact"),
    ("#nope = :v", {"#n": "n"}, {":v": N(1)},
     "Invalid ConditionExpression: An expression attribute name used in the document path is not "
     "defined; attribute name: #nope", "exact"),
    ("n = :v", {}, {":v": N(1), ":x": N(2)},
     "Value provided in ExpressionAttributeValues unused in expressions: keys: {:x}", "exact"),
    ("n = :v", {"#x": "n"}, {":v": N(1)},
     "Value provided in ExpressionAttributeNames unused in expressions: keys: {#x}", "exact"),
    ("n = = :v", {}, {":v": N(1)}, "Invalid ConditionExpression: Syntax error; token:", "startswith"),
    ("n = :v AND", {}, {":v": N(1)}, "Invalid ConditionExpression: Syntax error; token:", "startswith"),
    ("(n = :v", {}, {":v": N(1)}, "Invalid ConditionExpression: Syntax error; token:", "startswith"),
    ("ATTRIBUTE_EXISTS(n)", {}, {}, "Invalid ConditionExpression:", "startswith"),  # case-sensitive
    ("unknown_fn(n)", {}, {}, "Invalid ConditionExpression:", "startswith"),
    ("attribute_type(n, :t)", {}, {":t": S("XYZ")}, None, None),
    ("n = :v", {}, {}, "ExpressionAttributeValues must not be empty", "exact"),
    ("((n = :v))", {}, {":v": N(1)}, "Invalid ConditionExpression: The expression has redundant parentheses;", "exact"),
    ("n = :v", {}, {":v": S("x"), "v": S("y")}, None, None),  # a value name without ':'
]

# Cases moto_server (5.2.1) gets wrong, by expression text; only used with DDB_SOFT_DEVIATIONS
# (dynamodb_case.py) when checking these tables against it.
PEER_DEVIATIONS = {
    "SET #n = :x, #undefined = :x": "moto: 500 on an undefined name",
    "SET a = a + :big": "moto: no 38-digit check on arithmetic",
    "SET a = :big + :big": "moto: no overflow check on arithmetic",
    "s < :n10": "moto: 500 comparing S with N",
    "begins_with(b, :p)": "moto: begins_with on binary is false",
    "n = :nope": "moto: 500 on an undefined value",
    "#nope = :v": "moto: 500 on an undefined name",
    "n = = :v": "moto: 500 on a syntax error",
    "n = :v AND": "moto: 500 on a syntax error",
    "(n = :v": "moto: 500 on a syntax error",
    "ATTRIBUTE_EXISTS(n)": "moto: 500 on an unknown function",
    "unknown_fn(n)": "moto: 500 on an unknown function",
    "attribute_type(n, :t)": "moto: accepts an unknown attribute_type type",
    "n = :v": "moto: accepts unused values/names in a ConditionExpression",
}


class UpdateExpressionTableTest(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = cls.create_class_table(("pk", "S"))

    def test_update_expression_cases(self):
        for i, (expr, names, values, expected) in enumerate(UPDATE_CASES):
            with self.subTest(i=i, expression=expr), self.deviates(PEER_DEVIATIONS.get(expr)):
                key = {"pk": S(f"u{i}")}
                start = dict(START, **key)
                self.ddb.put_item(TableName=self.table, Item=start)
                kw = dict(TableName=self.table, Key=key, UpdateExpression=expr)
                if names:
                    kw["ExpressionAttributeNames"] = names
                if values:
                    kw["ExpressionAttributeValues"] = values
                if isinstance(expected, tuple):
                    _, message, how = expected
                    if how == "oneof":
                        r = self.ddb_error("update_item", "ValidationException",
                                           client=self.ddb_novalidate, **kw)
                        self.assertTrue(r["Error"]["Message"].startswith(message), r)
                    else:
                        self.ddb_error("update_item", "ValidationException",
                                       message=message if how == "exact" else None,
                                       message_startswith=message if how == "startswith" else None,
                                       message_contains=message if how == "contains" else None,
                                       client=self.ddb_novalidate, **kw)
                    self.assertEqual(canon(self.get(self.table, key)), canon(start))
                else:
                    self.ddb.update_item(**kw)
                    want = expected(dict(canon(start)))
                    self.assertEqual(canon(self.get(self.table, key)), canon(want))

    def test_legacy_attribute_updates(self):
        key = {"pk": S("legacy-upd")}
        self.ddb.put_item(TableName=self.table, Item=dict(START, **key))
        out = self.ddb.update_item(
            TableName=self.table, Key=key, ReturnValues="UPDATED_NEW",
            AttributeUpdates={
                "a": {"Action": "ADD", "Value": N(2)},
                "s": {"Action": "PUT", "Value": S("y")},
                "del": {"Action": "DELETE"},
                "ss": {"Action": "DELETE", "Value": SS("a")},
                "ns": {"Action": "ADD", "Value": NS(5)},
                "fresh": {"Value": S("f")},  # Action defaults to PUT
            })
        self.assertEqual(canon(out["Attributes"]),
                         canon({"a": N(3), "s": S("y"), "ss": SS("b"), "ns": NS(1, 2, 5),
                                "fresh": S("f")}))
        want = dict(START, **key, a=N(3), s=S("y"), ss=SS("b"), ns=NS(1, 2, 5), fresh=S("f"))
        del want["del"]
        self.assertEqual(canon(self.get(self.table, key)), canon(want))
        # Mixing expression and legacy parameters is refused and changes nothing.
        self.ddb_error("update_item", "ValidationException",
                       message="Can not use both expression and non-expression parameters in the "
                               "same request: Non-expression parameters: {AttributeUpdates} "
                               "Expression parameters: {UpdateExpression}",
                       TableName=self.table, Key=key, UpdateExpression="SET a = :v",
                       ExpressionAttributeValues={":v": N(0)},
                       AttributeUpdates={"s": {"Action": "PUT", "Value": S("z")}})
        self.assertEqual(canon(self.get(self.table, key)), canon(want))


class ConditionExpressionTableTest(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = cls.create_class_table(("pk", "S"), ("sk", "S"))
        cls.key = {"pk": S("cond"), "sk": S("item")}
        cls.item = dict(ITEM, **cls.key)
        cls.ddb.put_item(TableName=cls.table, Item=cls.item)

    def test_condition_expression_cases(self):
        for i, (expr, names, values, truth) in enumerate(CONDITION_CASES):
            with self.subTest(i=i, expression=expr, values=values), \
                    self.deviates(PEER_DEVIATIONS.get(expr)):
                kw = dict(TableName=self.table, Item=self.item, ConditionExpression=expr)
                if names:
                    kw["ExpressionAttributeNames"] = names
                if values:
                    kw["ExpressionAttributeValues"] = values
                if truth:
                    self.ddb.put_item(**kw)
                else:
                    self.ddb_error("put_item", "ConditionalCheckFailedException", message=CCF, **kw)
        self.assertEqual(canon(self.get(self.table, self.key)), canon(self.item))

    def test_filter_expression_cases(self):
        for i, (expr, names, values, truth) in enumerate(CONDITION_CASES):
            with self.subTest(i=i, expression=expr, values=values), \
                    self.deviates(PEER_DEVIATIONS.get(expr)):
                out = self.ddb.query(
                    TableName=self.table, KeyConditionExpression="pk = :pk__",
                    FilterExpression=expr, ExpressionAttributeValues=dict(values, **{":pk__": S("cond")}),
                    **({"ExpressionAttributeNames": names} if names else {}))
                self.assertEqual(out["ScannedCount"], 1)
                self.assertEqual(out["Count"], 1 if truth else 0)
                self.assertEqual(len(out["Items"]), out["Count"])
                out = self.ddb.scan(
                    TableName=self.table, FilterExpression=expr,
                    **({"ExpressionAttributeValues": values} if values else {}),
                    **({"ExpressionAttributeNames": names} if names else {}))
                self.assertEqual(out["Count"], 1 if truth else 0)

    def test_condition_errors(self):
        for i, (expr, names, values, message, how) in enumerate(CONDITION_ERRORS):
            with self.subTest(i=i, expression=expr, values=values), \
                    self.deviates(PEER_DEVIATIONS.get(expr)):
                kw = dict(TableName=self.table, Item=dict(self.item, changed=BOOL_T),
                          ConditionExpression=expr)
                if names:
                    kw["ExpressionAttributeNames"] = names
                if values or expr == "n = :v":
                    kw["ExpressionAttributeValues"] = values
                self.ddb_error("put_item", "ValidationException",
                               message=message if how == "exact" else None,
                               message_startswith=message if how == "startswith" else None,
                               client=self.ddb_novalidate, **kw)
        self.assertEqual(canon(self.get(self.table, self.key)), canon(self.item))

    def test_names_without_expressions(self):
        r = self.ddb_error("get_item", "ValidationException",
                           message="ExpressionAttributeNames can only be specified when using "
                                   "expressions",
                           TableName=self.table, Key=self.key,
                           ExpressionAttributeNames={"#n": "n"})
        self.assertNotIn("Item", r)

    def test_legacy_expected(self):
        cases = [
            ({"n": {"Value": N(10)}}, None, True),
            ({"n": {"Value": N(11)}}, None, False),
            ({"n": {"Value": N(10), "Exists": True}}, None, True),
            ({"nothere": {"Exists": False}}, None, True),
            ({"n": {"Exists": False}}, None, False),
            ({"n": {"ComparisonOperator": "GT", "AttributeValueList": [N(9)]}}, None, True),
            ({"n": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [N(1), N(5)]}}, None, False),
            ({"s": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("hell")]}}, None, True),
            ({"ss": {"ComparisonOperator": "CONTAINS", "AttributeValueList": [S("a")]}}, None, True),
            ({"ss": {"ComparisonOperator": "NOT_CONTAINS", "AttributeValueList": [S("a")]}}, None, False),
            ({"nothere": {"ComparisonOperator": "NULL"}}, None, True),
            ({"n": {"ComparisonOperator": "NOT_NULL"}}, None, True),
            ({"n": {"ComparisonOperator": "IN", "AttributeValueList": [N(1), N(10)]}}, None, True),
            ({"n": {"ComparisonOperator": "NE", "AttributeValueList": [N(10)]}}, None, False),
            ({"n": {"Value": N(11)}, "s": {"Value": S("hello world")}}, "AND", False),
            ({"n": {"Value": N(11)}, "s": {"Value": S("hello world")}}, "OR", True),
        ]
        for i, (expected, op, truth) in enumerate(cases):
            with self.subTest(i=i, expected=expected, op=op), \
                    self.deviates("moto: ignores ConditionalOperator OR" if op == "OR" else None):
                kw = dict(TableName=self.table, Item=self.item, Expected=expected)
                if op:
                    kw["ConditionalOperator"] = op
                if truth:
                    self.ddb.put_item(**kw)
                else:
                    self.ddb_error("put_item", "ConditionalCheckFailedException", message=CCF, **kw)
        self.assertEqual(canon(self.get(self.table, self.key)), canon(self.item))

    def test_legacy_attributes_to_get(self):
        out = self.ddb.get_item(TableName=self.table, Key=self.key, AttributesToGet=["n", "s", "nothere"])
        with self.deviates("moto: ignores AttributesToGet"):
            self.assertEqual(out["Item"], {"n": N(10), "s": S("hello world")})


class LegacyQueryTest(DynamoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.table = cls.create_class_table(("pk", "S"), ("sk", "S"))
        for sk, v in (("a1", 1), ("a2", 2), ("b1", 3), ("b2", 4)):
            cls.ddb.put_item(TableName=cls.table, Item={"pk": S("p"), "sk": S(sk), "v": N(v)})
        cls.ddb.put_item(TableName=cls.table, Item={"pk": S("q"), "sk": S("a1"), "v": N(9)})

    def test_key_conditions(self):
        out = self.ddb.query(TableName=self.table, KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]},
            "sk": {"ComparisonOperator": "BEGINS_WITH", "AttributeValueList": [S("a")]}})
        self.assertEqual([i["sk"]["S"] for i in out["Items"]], ["a1", "a2"])
        out = self.ddb.query(TableName=self.table, KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]},
            "sk": {"ComparisonOperator": "BETWEEN", "AttributeValueList": [S("a2"), S("b1")]}})
        self.assertEqual([i["sk"]["S"] for i in out["Items"]], ["a2", "b1"])
        out = self.ddb.query(TableName=self.table, KeyConditions={
            "pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]},
            "sk": {"ComparisonOperator": "GT", "AttributeValueList": [S("b1")]}})
        self.assertEqual([i["sk"]["S"] for i in out["Items"]], ["b2"])

    def test_query_filter_and_attributes_to_get(self):
        out = self.ddb.query(
            TableName=self.table,
            KeyConditions={"pk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("p")]}},
            QueryFilter={"v": {"ComparisonOperator": "GE", "AttributeValueList": [N(2)]}},
            AttributesToGet=["sk", "v"])
        with self.deviates("moto: ignores AttributesToGet"):
            self.assertEqual(out["Items"], [{"sk": S("a2"), "v": N(2)}, {"sk": S("b1"), "v": N(3)},
                                            {"sk": S("b2"), "v": N(4)}])
        self.assertEqual(out["Count"], 3)
        self.assertEqual(out["ScannedCount"], 4)

    def test_scan_filter(self):
        out = self.ddb.scan(TableName=self.table, ScanFilter={
            "v": {"ComparisonOperator": "IN", "AttributeValueList": [N(1), N(9)]}})
        self.assertEqual(sorted((i["pk"]["S"], i["sk"]["S"]) for i in out["Items"]),
                         [("p", "a1"), ("q", "a1")])
        out = self.ddb.scan(TableName=self.table, ConditionalOperator="OR", ScanFilter={
            "v": {"ComparisonOperator": "EQ", "AttributeValueList": [N(4)]},
            "sk": {"ComparisonOperator": "EQ", "AttributeValueList": [S("a2")]}})
        with self.deviates("moto: ignores ConditionalOperator OR"):
            self.assertEqual(sorted(i["v"]["N"] for i in out["Items"]), ["2", "4"])
