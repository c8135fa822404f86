#include "services/events/target_input.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

namespace serval::events {
namespace {

namespace json = boost::json;

// The Scheduled Event of the EventBridge documentation (reference §4.3), compact.
constexpr char kDocScheduledEvent[] =
    R"({"version":"0","id":"53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa","detail-type":"Scheduled Event",)"
    R"("source":"aws.events","account":"123456789012","time":"2015-10-08T16:53:06Z",)"
    R"("region":"us-east-1","resources":["arn:aws:events:us-east-1:123456789012:rule/)"
    R"(my-scheduled-rule"],"detail":{}})";
constexpr int64_t kDocEventMillis = 1444323186000;  // 2015-10-08T16:53:06Z

// The EC2 event of the "input transformation" page of the EventBridge user guide, as AWS
// delivers it (pretty-printed on purpose: shaping must not depend on layout).
constexpr char kEc2Event[] = R"({
  "version": "0",
  "id": "7bf73129-1428-4cd3-a780-95db273d1602",
  "detail-type": "EC2 Instance State-change Notification",
  "source": "aws.ec2",
  "account": "123456789012",
  "time": "2015-11-11T21:29:54Z",
  "region": "us-east-1",
  "resources": [
    "arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"
  ],
  "detail": {
    "instance-id": "i-0123456789",
    "state": "RUNNING"
  }
})";

// The event of the AWS recordings in reference §4.4 (custom bus, PutEvents).
constexpr char kRecordedEvent[] =
    R"({"version":"0","id":"e1a1f05f-5c1d-4b0a-9c5e-2b0e8a1d7c11",)"
    R"("detail-type":"core.update-account-command","source":"core.update-account-command",)"
    R"("account":"111111111111","time":"2024-06-11T08:33:04Z","region":"us-east-1",)"
    R"("resources":[],"detail":{"command":"update-account",)"
    R"("payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"}}})";

// An event whose detail holds one of each awkward value.
constexpr char kEdgeEvent[] = R"({"time":"2020-01-01T00:00:00Z","detail":{
  "quote": "say \"hi\"",
  "backslash": "C:\\temp\\x",
  "newline": "line1\nline2",
  "tab": "a\tb",
  "control": "bell\u0001",
  "unicode": "caf\u00e9 \u65e5\u672c \ud83d\ude00",
  "angle": "<b>bold</b>",
  "empty": "",
  "int": 42,
  "negative": -7,
  "float": 1.5,
  "big": 18446744073709551615,
  "yes": true,
  "nothing": null,
  "object": {"a": 1, "b": "two", "c": [true, null]},
  "list": ["ACTIVE", "INACTIVE"],
  "single": ["HIGH"],
  "empty_object": {},
  "empty_list": [],
  "slash/key": "slashed",
  "dotted.key": "dotted",
  "spaced key": "spaced",
  "items": [{"id": "a", "n": 1}, {"id": "b", "n": 2}, {"n": 3}]
}})";

InputTransformer Transformer(std::map<std::string, std::string> paths, std::string input_template) {
  return InputTransformer{.input_paths_map = std::move(paths),
                          .input_template = std::move(input_template)};
}

TargetInputSpec InputSpec(std::string input) { return TargetInputSpec{.input = std::move(input)}; }

TargetInputSpec PathSpec(std::string path) {
  return TargetInputSpec{.input_path = std::move(path)};
}

TargetInputSpec TransformerSpec(std::map<std::string, std::string> paths,
                                std::string input_template) {
  return TargetInputSpec{.input_transformer =
                             Transformer(std::move(paths), std::move(input_template))};
}

// Shapes `event` and expects success; the spec must also pass validation (every spec a test
// shapes is one PutTargets would have accepted).
std::string Shape(const TargetInputSpec& spec, std::string_view event,
                  const TargetInputContext& context = {}) {
  const absl::Status valid = ValidateTargetInputSpec(spec);
  EXPECT_TRUE(valid.ok()) << valid;
  auto shaped = ShapeTargetInput(spec, event, context);
  EXPECT_TRUE(shaped.ok()) << shaped.status();
  return shaped.ok() ? *shaped : std::string("<error>");
}

std::string ShapeEdge(std::string_view path, std::string input_template) {
  return Shape(TransformerSpec({{"v", std::string(path)}}, std::move(input_template)), kEdgeEvent);
}

json::value Parse(std::string_view text) {
  json::error_code ec;
  json::value value = json::parse(text, ec);
  EXPECT_FALSE(ec) << "not JSON: " << text;
  return value;
}

std::string Rejection(const TargetInputSpec& spec, std::string_view target_id = {}) {
  const absl::Status status = ValidateTargetInputSpec(spec, target_id);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  return std::string(status.message());
}

// --- Scheduled Event ----------------------------------------------------------------------

TEST(ScheduledEventJson, MatchesTheDocumentedEventByteForByte) {
  const std::string event = ScheduledEventJson(
      {.id = "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
       .account = "123456789012",
       .region = "us-east-1",
       .time_millis = kDocEventMillis,
       .rule_arn = EventsRuleArn("us-east-1", "123456789012", "my-scheduled-rule")});
  EXPECT_EQ(event, kDocScheduledEvent);
}

TEST(ScheduledEventJson, TimeHasWholeSecondsOnly) {
  const std::string event = ScheduledEventJson({.id = "x",
                                                .account = "1",
                                                .region = "r",
                                                .time_millis = kDocEventMillis + 999,
                                                .rule_arn = "a"});
  EXPECT_EQ(Parse(event).at("time"), "2015-10-08T16:53:06Z");
}

TEST(ScheduledEventJson, KeysInAwsOrder) {
  const json::value event = Parse(ScheduledEventJson(
      {.id = "x", .account = "1", .region = "r", .time_millis = 0, .rule_arn = "a"}));
  std::vector<std::string> keys;
  for (const auto& [key, value] : event.as_object()) keys.emplace_back(key);
  EXPECT_EQ(keys, (std::vector<std::string>{"version", "id", "detail-type", "source", "account",
                                            "time", "region", "resources", "detail"}));
  EXPECT_TRUE(event.at("detail").as_object().empty());
  EXPECT_EQ(event.at("resources"), json::array{"a"});
}

TEST(ScheduledEventJson, GeneratesAnIdWhenNoneIsGiven) {
  const ScheduledEventFields fields{.account = "1", .region = "r", .rule_arn = "a"};
  const std::string first(Parse(ScheduledEventJson(fields)).at("id").as_string());
  const std::string second(Parse(ScheduledEventJson(fields)).at("id").as_string());
  EXPECT_EQ(first.size(), 36u);
  EXPECT_EQ(first[14], '4');  // UUID v4
  EXPECT_NE(first, second);
}

TEST(ScheduledEventJson, EscapesFieldsSoTheEventStaysJson) {
  const std::string event = ScheduledEventJson(
      {.id = "i", .account = "a\"b", .region = "r\\", .time_millis = 0, .rule_arn = "x\ny"});
  const json::value parsed = Parse(event);
  EXPECT_EQ(parsed.at("account"), "a\"b");
  EXPECT_EQ(parsed.at("region"), "r\\");
  EXPECT_EQ(parsed.at("resources").at(0), "x\ny");
}

TEST(FormatEventTime, FormatsUtcSeconds) {
  EXPECT_EQ(FormatEventTime(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatEventTime(1709251199999), "2024-02-29T23:59:59Z");  // leap day, truncated
  EXPECT_EQ(FormatEventTime(-1), "1969-12-31T23:59:59Z");             // floors, not rounds to 0
}

TEST(EventsRuleArn, NamesTheDefaultBusRule) {
  EXPECT_EQ(EventsRuleArn("eu-west-1", "000000000000", "nightly"),
            "arn:aws:events:eu-west-1:000000000000:rule/nightly");
}

// --- No input shaping ---------------------------------------------------------------------

TEST(ShapeTargetInput, WithoutASpecDeliversTheEventUnchanged) {
  EXPECT_EQ(Shape({}, kDocScheduledEvent), kDocScheduledEvent);
  EXPECT_EQ(Shape({}, kEc2Event), kEc2Event);  // layout kept too: nothing is parsed
}

// --- Input (constant JSON) ----------------------------------------------------------------

// The seed's "Simply Serverless" post configures its target with
// `aws events put-targets --rule testjson --targets file://targetfile`. The seed keeps the
// command but not the file (the post showed it as a picture), so this is a file of that shape:
// the CLI reads it, sends Input as a JSON string, and the function must receive that text.
constexpr char kSeedTargetFile[] = R"([
  {
    "Id": "1",
    "Arn": "arn:aws:lambda:us-east-1:123456789012:function:testjson",
    "Input": "{ \"key1\": \"value1\", \"key2\": \"value2\", \"key3\": \"value3\" }"
  }
])";

TEST(ShapeTargetInput, SeedConstantInputReachesTheFunctionExactly) {
  const json::value target = Parse(kSeedTargetFile).at(0);
  const std::string input(target.at("Input").as_string());
  ASSERT_EQ(input, R"({ "key1": "value1", "key2": "value2", "key3": "value3" })");

  const TargetInputSpec spec = InputSpec(input);
  ASSERT_TRUE(ValidateTargetInputSpec(spec, "1").ok());
  const std::string event =
      ScheduledEventJson({.account = "123456789012",
                          .region = "us-east-1",
                          .time_millis = kDocEventMillis,
                          .rule_arn = EventsRuleArn("us-east-1", "123456789012", "testjson")});
  const std::string delivered = Shape(spec, event);
  EXPECT_EQ(delivered, input);  // verbatim: same bytes, spacing included
  EXPECT_EQ(Parse(delivered),
            (json::object{{"key1", "value1"}, {"key2", "value2"}, {"key3", "value3"}}));
}

TEST(ShapeTargetInput, InputIsVerbatimForAnyJsonValue) {
  for (const std::string input :
       {"{\n  \"custom-value\" : \"x\" }", "\"just a string\"", "42", "[1, 2.50, null]", "true",
        "{\"unicode\":\"caf\u00e9\",\"escaped\":\"\\u00e9\"}"}) {
    EXPECT_EQ(Shape(InputSpec(input), kDocScheduledEvent), input);
  }
}

TEST(ShapeTargetInput, InputDoesNotReadTheEvent) {
  auto shaped = ShapeTargetInput(InputSpec("{}"), "not json at all");
  ASSERT_TRUE(shaped.ok()) << shaped.status();
  EXPECT_EQ(*shaped, "{}");
}

// --- InputPath ----------------------------------------------------------------------------

TEST(ShapeTargetInput, InputPathSelectsFromTheScheduledEvent) {
  EXPECT_EQ(Shape(PathSpec("$.detail"), kDocScheduledEvent), "{}");
  EXPECT_EQ(Shape(PathSpec("$.resources[0]"), kDocScheduledEvent),
            R"("arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule")");
  EXPECT_EQ(Shape(PathSpec("$.resources"), kDocScheduledEvent),
            R"(["arn:aws:events:us-east-1:123456789012:rule/my-scheduled-rule"])");
  EXPECT_EQ(Shape(PathSpec("$"), kDocScheduledEvent), kDocScheduledEvent);
  EXPECT_EQ(Shape(PathSpec("$.time"), kDocScheduledEvent), R"("2015-10-08T16:53:06Z")");
}

TEST(ShapeTargetInput, InputPathMatchesTheAwsRecordings) {
  EXPECT_EQ(Shape(PathSpec("$.detail"), kRecordedEvent),
            R"({"command":"update-account","payload":{"acc_id":"0a787ecb-4015","sf_id":"baz"}})");
  EXPECT_EQ(Shape(PathSpec("$.detail.payload"), kRecordedEvent),
            R"({"acc_id":"0a787ecb-4015","sf_id":"baz"})");
  EXPECT_EQ(Shape(PathSpec("$.detail.payload.sf_id"), kRecordedEvent), R"("baz")");
}

TEST(ShapeTargetInput, InputPathOutputIsCompact) {
  EXPECT_EQ(Shape(PathSpec("$"), kEc2Event),
            R"({"version":"0","id":"7bf73129-1428-4cd3-a780-95db273d1602",)"
            R"("detail-type":"EC2 Instance State-change Notification","source":"aws.ec2",)"
            R"("account":"123456789012","time":"2015-11-11T21:29:54Z","region":"us-east-1",)"
            R"("resources":["arn:aws:ec2:us-east-1:123456789012:instance/i-abcd1111"],)"
            R"("detail":{"instance-id":"i-0123456789","state":"RUNNING"}})");
}

TEST(ShapeTargetInput, InputPathNotations) {
  EXPECT_EQ(Shape(PathSpec("$.detail.instance-id"), kEc2Event), R"("i-0123456789")");
  EXPECT_EQ(Shape(PathSpec("$['detail']['instance-id']"), kEc2Event), R"("i-0123456789")");
  EXPECT_EQ(Shape(PathSpec(R"($["detail-type"])"), kEc2Event),
            R"("EC2 Instance State-change Notification")");
  EXPECT_EQ(Shape(PathSpec("$.detail['dotted.key']"), kEdgeEvent), R"("dotted")");
  EXPECT_EQ(Shape(PathSpec("$.detail['spaced key']"), kEdgeEvent), R"("spaced")");
  EXPECT_EQ(Shape(PathSpec("$.detail.slash/key"), kEdgeEvent), R"("slashed")");
  EXPECT_EQ(Shape(PathSpec("$.detail.list[1]"), kEdgeEvent), R"("INACTIVE")");
  EXPECT_EQ(Shape(PathSpec("$.detail.items[1].id"), kEdgeEvent), R"("b")");
  EXPECT_EQ(Shape(PathSpec("$.detail.object.c[0]"), kEdgeEvent), "true");
}

TEST(ShapeTargetInput, InputPathWildcardsYieldArrays) {
  EXPECT_EQ(Shape(PathSpec("$.detail.items[*].id"), kEdgeEvent), R"(["a","b"])");
  EXPECT_EQ(Shape(PathSpec("$.detail.items[*].n"), kEdgeEvent), "[1,2,3]");
  EXPECT_EQ(Shape(PathSpec("$.detail.object.*"), kEdgeEvent), R"([1,"two",[true,null]])");
  EXPECT_EQ(Shape(PathSpec("$.detail.items[*].missing"), kEdgeEvent), "[]");
}

TEST(ShapeTargetInput, InputPathValuesKeepTheirJsonMeaning) {
  EXPECT_EQ(Shape(PathSpec("$.detail.quote"), kEdgeEvent), R"("say \"hi\"")");
  EXPECT_EQ(Shape(PathSpec("$.detail.newline"), kEdgeEvent), R"("line1\nline2")");
  EXPECT_EQ(Shape(PathSpec("$.detail.control"), kEdgeEvent), R"("bell\u0001")");
  EXPECT_EQ(Shape(PathSpec("$.detail.unicode"), kEdgeEvent),
            "\"caf\u00e9 \u65e5\u672c \U0001F600\"");  // UTF-8 passes through unescaped
  EXPECT_EQ(Shape(PathSpec("$.detail.int"), kEdgeEvent), "42");
  EXPECT_EQ(Shape(PathSpec("$.detail.negative"), kEdgeEvent), "-7");
  EXPECT_EQ(Shape(PathSpec("$.detail.float"), kEdgeEvent), "1.5");
  EXPECT_EQ(Shape(PathSpec("$.detail.big"), kEdgeEvent), "18446744073709551615");
  EXPECT_EQ(Shape(PathSpec("$.detail.yes"), kEdgeEvent), "true");
  EXPECT_EQ(Shape(PathSpec("$.detail.nothing"), kEdgeEvent), "null");
  EXPECT_EQ(Shape(PathSpec("$.detail.empty"), kEdgeEvent), R"("")");
}

TEST(ShapeTargetInput, InputPathSelectingNothingDeliversNothing) {
  EXPECT_EQ(Shape(PathSpec("$.detail.absent"), kEc2Event), "");
  EXPECT_EQ(Shape(PathSpec("$.resources[5]"), kEc2Event), "");
  EXPECT_EQ(Shape(PathSpec("$.detail[0]"), kEc2Event), "");        // index into an object
  EXPECT_EQ(Shape(PathSpec("$.resources.first"), kEc2Event), "");  // member of an array
  EXPECT_EQ(Shape(PathSpec("$.time.deeper"), kEc2Event), "");      // below a string
}

TEST(ShapeTargetInput, InputPathNeedsAJsonEvent) {
  auto shaped = ShapeTargetInput(PathSpec("$.detail"), "{not json");
  EXPECT_EQ(shaped.status().code(), absl::StatusCode::kInvalidArgument);
}

// --- InputTransformer: the AWS documentation --------------------------------------------

const std::map<std::string, std::string> kDocPaths = {
    {"timestamp", "$.time"}, {"instance", "$.detail.instance-id"}, {"state", "$.detail.state"}};

std::string ShapeEc2(std::string input_template, const TargetInputContext& context = {}) {
  return Shape(TransformerSpec(kDocPaths, std::move(input_template)), kEc2Event, context);
}

TEST(InputTransformerDocs, SimpleString) {
  EXPECT_EQ(ShapeEc2(R"("instance <instance> is in <state>")"),
            R"("instance i-0123456789 is in RUNNING")");
}

TEST(InputTransformerDocs, StringWithEscapedQuotes) {
  EXPECT_EQ(ShapeEc2(R"("instance \"<instance>\" is in <state>")"),
            R"("instance \"i-0123456789\" is in RUNNING")");
}

TEST(InputTransformerDocs, SimpleJson) {
  EXPECT_EQ(ShapeEc2("{\n  \"instance\" : <instance>,\n  \"state\": <state>\n}"),
            R"({"instance":"i-0123456789","state":"RUNNING"})");
}

TEST(InputTransformerDocs, JsonWithStringsAndVariables) {
  EXPECT_EQ(ShapeEc2(R"({
 "instance" : <instance>,
 "state": "<state>",
 "instanceStatus": "instance \"<instance>\" is in <state>"
})"),
            R"({"instance":"i-0123456789","state":"RUNNING",)"
            R"("instanceStatus":"instance \"i-0123456789\" is in RUNNING"})");
}

TEST(InputTransformerDocs, JsonWithAMixOfVariablesAndStaticInformation) {
  EXPECT_EQ(ShapeEc2(R"({
  "instance" : <instance>,
  "state": [ 9, <state>, true ],
  "Transformed" : "Yes"
})"),
            R"({"instance":"i-0123456789","state":[9,"RUNNING",true],"Transformed":"Yes"})");
}

TEST(InputTransformerDocs, ReservedVariablesInJson) {
  const TargetInputContext context{.rule_arn = "arn:aws:events:us-east-2:123456789012:rule/example",
                                   .rule_name = "example"};
  const json::value shaped = Parse(ShapeEc2(R"({
  "instance" : <instance>,
  "state": <state>,
  "ruleArn" : <aws.events.rule-arn>,
  "ruleName" : <aws.events.rule-name>,
  "originalEvent" : <aws.events.event>
})",
                                            context));
  EXPECT_EQ(shaped.at("instance"), "i-0123456789");
  EXPECT_EQ(shaped.at("state"), "RUNNING");
  EXPECT_EQ(shaped.at("ruleArn"), "arn:aws:events:us-east-2:123456789012:rule/example");
  EXPECT_EQ(shaped.at("ruleName"), "example");
  const json::object& original = shaped.at("originalEvent").as_object();
  EXPECT_FALSE(original.contains("detail"));
  EXPECT_EQ(original.at("detailType"), "EC2 Instance State-change Notification");
  EXPECT_EQ(original.at("source"), "aws.ec2");
}

TEST(InputTransformerDocs, ReservedVariablesInAString) {
  EXPECT_EQ(ShapeEc2(R"("<aws.events.rule-name> triggered")", {.rule_name = "example"}),
            R"("example triggered")");
}

// The API reference's InputTransformer examples (InputPathsMap instance/status).
TEST(InputTransformerDocs, ApiReferenceExamples) {
  const std::map<std::string, std::string> paths = {{"instance", "$.detail.instance-id"},
                                                    {"status", "$.detail.state"}};
  EXPECT_EQ(Shape(TransformerSpec(paths, "<instance> is in state <status>"), kEc2Event),
            "i-0123456789 is in state RUNNING");
  EXPECT_EQ(Shape(TransformerSpec(paths, R"(<instance> is in state "<status>")"), kEc2Event),
            R"(i-0123456789 is in state "RUNNING")");
  EXPECT_EQ(Shape(TransformerSpec(paths, R"({"myInstance": <instance>,)"
                                         R"("myStatus": "<instance> is in state \"<status>\""})"),
                  kEc2Event),
            R"({"myInstance":"i-0123456789","myStatus":"i-0123456789 is in state \"RUNNING\""})");
}

// --- InputTransformer: the AWS recordings (reference §4.4) -------------------------------

const std::map<std::string, std::string> kRecordedPaths = {
    {"detail-type", "$.detail-type"}, {"timestamp", "$.time"}, {"command", "$.detail.command"}};
const std::map<std::string, std::string> kRecordedPathsMissing = {
    {"detail-type", "$.detail-type"},
    {"timestamp", "$.time"},
    {"command", "$.detail.notinmessage"}};

TEST(InputTransformerRecorded, QuotedStringTemplateKeepsItsQuotes) {
  const std::string input_template =
      R"("Event of <detail-type> type, at time <timestamp>, info extracted from detail <command>")";
  EXPECT_EQ(Shape(TransformerSpec(kRecordedPaths, input_template), kRecordedEvent),
            R"("Event of core.update-account-command type, at time 2024-06-11T08:33:04Z, )"
            R"(info extracted from detail update-account")");
  EXPECT_EQ(Shape(TransformerSpec(kRecordedPathsMissing, input_template), kRecordedEvent),
            R"("Event of core.update-account-command type, at time 2024-06-11T08:33:04Z, )"
            R"(info extracted from detail ")");
}

TEST(InputTransformerRecorded, SpecialStartingCharactersInAStringTemplate) {
  EXPECT_EQ(Shape(TransformerSpec(kRecordedPaths,
                                  R"("{[/Check with special starting characters for event of )"
                                  R"(<detail-type> type")"),
                  kRecordedEvent),
            R"("{[/Check with special starting characters for event of )"
            R"(core.update-account-command type")");
}

TEST(InputTransformerRecorded, JsonTemplateWithAMissingPathGivesAnEmptyString) {
  const std::string input_template =
      R"({"detailType": <detail-type>,  "time": <timestamp>, "command": <command>})";
  EXPECT_EQ(Shape(TransformerSpec(kRecordedPaths, input_template), kRecordedEvent),
            R"({"detailType":"core.update-account-command","time":"2024-06-11T08:33:04Z",)"
            R"("command":"update-account"})");
  EXPECT_EQ(Shape(TransformerSpec(kRecordedPathsMissing, input_template), kRecordedEvent),
            R"({"detailType":"core.update-account-command","time":"2024-06-11T08:33:04Z",)"
            R"("command":""})");
}

TEST(InputTransformerRecorded, PlaceholderInsideAStringTakesRawText) {
  const std::map<std::string, std::string> paths = {{"userId", "$.detail.payload.acc_id"}};
  EXPECT_EQ(Shape(TransformerSpec(paths, R"({"id": <userId>, "path": "users/<userId>"})"),
                  kRecordedEvent),
            R"({"id":"0a787ecb-4015","path":"users/0a787ecb-4015"})");
}

TEST(InputTransformerRecorded, ObjectsAndListsInsideAString) {
  EXPECT_EQ(ShapeEdge("$.detail.list", R"({"s": "<v>"})"), R"({"s":"[ACTIVE,INACTIVE]"})");
  const std::map<std::string, std::string> paths = {{"payload", "$.detail.payload"}};
  EXPECT_EQ(Shape(TransformerSpec(paths, R"({"s": "<payload>"})"), kRecordedEvent),
            R"({"s":"{acc_id:0a787ecb-4015,sf_id:baz}"})");
}

TEST(InputTransformerRecorded, ListsOutsideQuotesStayJson) {
  EXPECT_EQ(ShapeEdge("$.detail.single", R"({"x": <v>})"), R"({"x":["HIGH"]})");
  EXPECT_EQ(ShapeEdge("$.detail.list", R"({"x": <v>})"), R"({"x":["ACTIVE","INACTIVE"]})");
}

TEST(InputTransformerRecorded, PredefinedVariablesInAString) {
  const TargetInputContext context{.rule_arn = EventsRuleArn("us-east-1", "111111111111", "r1"),
                                   .rule_name = "r1"};
  EXPECT_EQ(Shape(TransformerSpec({}, R"("Message containing all pre defined variables )"
                                      R"(<aws.events.rule-arn> <aws.events.rule-name> )"
                                      R"(<aws.events.event.ingestion-time>")"),
                  kRecordedEvent, context),
            R"("Message containing all pre defined variables )"
            R"(arn:aws:events:us-east-1:111111111111:rule/r1 r1 2024-06-11T08:33:04Z")");
}

TEST(InputTransformerRecorded, PredefinedEventVariablesAsJson) {
  const std::string shaped =
      Shape(TransformerSpec({}, R"({"originalEvent": <aws.events.event>, )"
                                R"("originalEventJson": <aws.events.event.json>})"),
            kRecordedEvent);
  EXPECT_EQ(shaped, R"({"originalEvent":{"id":"e1a1f05f-5c1d-4b0a-9c5e-2b0e8a1d7c11",)"
                    R"("account":"111111111111","detailType":"core.update-account-command",)"
                    R"("time":"2024-06-11T08:33:04Z","source":"core.update-account-command",)"
                    R"("region":"us-east-1","resources":[],"version":"0"},)"
                    R"("originalEventJson":)" +
                        std::string(kRecordedEvent) + "}");
}

TEST(InputTransformer, IngestionTimeComesFromTheContextWhenGiven) {
  const std::string shaped =
      Shape(TransformerSpec({}, R"({"t": <aws.events.event.ingestion-time>, )"
                                R"("e": <aws.events.event>})"),
            kRecordedEvent, {.ingestion_time_millis = 1447277394123});
  const json::value parsed = Parse(shaped);
  EXPECT_EQ(parsed.at("t"), "2015-11-11T21:29:54Z");
  EXPECT_EQ(parsed.at("e").at("time"), "2015-11-11T21:29:54Z");
}

// --- InputTransformer: quoting edge cases -----------------------------------------------

// Every JSON-template result must be JSON; inside a string, the string holds the exact value.
struct InStringCase {
  std::string path;
  std::string expected_text;  // the decoded string value of "s"
};

TEST(InputTransformerQuoting, InsideAStringTheDecodedValueIsExact) {
  const std::vector<InStringCase> cases = {
      {"$.detail.quote", "say \"hi\""},
      {"$.detail.backslash", "C:\\temp\\x"},
      {"$.detail.newline", "line1\nline2"},
      {"$.detail.tab", "a\tb"},
      {"$.detail.control", "bell\x01"},
      {"$.detail.unicode", "caf\u00e9 \u65e5\u672c \U0001F600"},
      {"$.detail.angle", "<b>bold</b>"},
      {"$.detail.empty", ""},
      {"$.detail.int", "42"},
      {"$.detail.float", "1.5"},
      {"$.detail.big", "18446744073709551615"},
      {"$.detail.yes", "true"},
      {"$.detail.nothing", "null"},
      {"$.detail.object", "{a:1,b:two,c:[true,null]}"},
      {"$.detail.empty_object", "{}"},
      {"$.detail.empty_list", "[]"},
      {"$.detail.absent", ""},
  };
  for (const InStringCase& c : cases) {
    const std::string shaped = ShapeEdge(c.path, R"({"s": "[<v>]"})");
    const json::value parsed = Parse(shaped);
    ASSERT_TRUE(parsed.is_object()) << c.path << ": " << shaped;
    EXPECT_EQ(parsed.at("s").as_string(), "[" + c.expected_text + "]") << c.path << ": " << shaped;
  }
}

TEST(InputTransformerQuoting, OutsideQuotesTheValueIsJson) {
  EXPECT_EQ(ShapeEdge("$.detail.quote", "{\"x\": <v>}"), R"({"x":"say \"hi\""})");
  EXPECT_EQ(ShapeEdge("$.detail.newline", "{\"x\": <v>}"), R"({"x":"line1\nline2"})");
  EXPECT_EQ(ShapeEdge("$.detail.control", "{\"x\": <v>}"), R"({"x":"bell\u0001"})");
  EXPECT_EQ(ShapeEdge("$.detail.unicode", "{\"x\": <v>}"),
            "{\"x\":\"caf\u00e9 \u65e5\u672c \U0001F600\"}");
  EXPECT_EQ(ShapeEdge("$.detail.int", "{\"x\": <v>}"), R"({"x":42})");
  EXPECT_EQ(ShapeEdge("$.detail.negative", "{\"x\": <v>}"), R"({"x":-7})");
  EXPECT_EQ(ShapeEdge("$.detail.float", "{\"x\": <v>}"), R"({"x":1.5})");
  EXPECT_EQ(ShapeEdge("$.detail.big", "{\"x\": <v>}"), R"({"x":18446744073709551615})");
  EXPECT_EQ(ShapeEdge("$.detail.yes", "{\"x\": <v>}"), R"({"x":true})");
  EXPECT_EQ(ShapeEdge("$.detail.nothing", "{\"x\": <v>}"), R"({"x":null})");
  EXPECT_EQ(ShapeEdge("$.detail.object", "{\"x\": <v>}"),
            R"({"x":{"a":1,"b":"two","c":[true,null]}})");
  EXPECT_EQ(ShapeEdge("$.detail.empty", "{\"x\": <v>}"), R"({"x":""})");
  EXPECT_EQ(ShapeEdge("$.detail.absent", "{\"x\": <v>}"), R"({"x":""})");
  EXPECT_EQ(ShapeEdge("$.detail.items[*].id", "{\"x\": <v>}"), R"({"x":["a","b"]})");
}

TEST(InputTransformerQuoting, TextTemplatesSubstituteRawText) {
  EXPECT_EQ(ShapeEdge("$.detail.quote", "value: <v>!"), "value: say \"hi\"!");
  EXPECT_EQ(ShapeEdge("$.detail.newline", "value: <v>!"), "value: line1\nline2!");
  EXPECT_EQ(ShapeEdge("$.detail.unicode", "value: <v>!"),
            "value: caf\u00e9 \u65e5\u672c \U0001F600!");
  EXPECT_EQ(ShapeEdge("$.detail.int", "value: <v>!"), "value: 42!");
  EXPECT_EQ(ShapeEdge("$.detail.nothing", "value: <v>!"), "value: null!");
  EXPECT_EQ(ShapeEdge("$.detail.object", "value: <v>!"),
            R"(value: {"a":1,"b":"two","c":[true,null]}!)");
  EXPECT_EQ(ShapeEdge("$.detail.list", "value: <v>!"), R"(value: ["ACTIVE","INACTIVE"]!)");
  EXPECT_EQ(ShapeEdge("$.detail.absent", "value: <v>!"), "value: !");
}

TEST(InputTransformerQuoting, ABarePlaceholderIsAJsonTemplate) {
  EXPECT_EQ(ShapeEdge("$.detail.quote", "<v>"), R"("say \"hi\"")");
  EXPECT_EQ(ShapeEdge("$.detail.object", " <v> "), R"({"a":1,"b":"two","c":[true,null]})");
  EXPECT_EQ(ShapeEdge("$.detail.absent", "<v>"), R"("")");
}

TEST(InputTransformerQuoting, ArrayTemplatesAndRepeatedPlaceholders) {
  EXPECT_EQ(ShapeEdge("$.detail.int", "[<v>, \"<v><v>\", <v>]"), R"([42,"4242",42])");
}

TEST(InputTransformerQuoting, OtherAngleBracketsAreLiteralText) {
  EXPECT_EQ(ShapeEdge("$.detail.int", R"({"expr": "1 < 2 and <v> > 3 <not a var> <>"})"),
            R"({"expr":"1 < 2 and 42 > 3 <not a var> <>"})");
  EXPECT_EQ(ShapeEdge("$.detail.int", "a < b, <v>"), "a < b, 42");
}

TEST(InputTransformerQuoting, EscapedQuotesAndBackslashesInTheTemplateAreKept) {
  // The template's own \" and \\ do not end the string, so <v> stays "inside".
  EXPECT_EQ(ShapeEdge("$.detail.quote", R"({"s": "\\ \"<v>\" \\"})"),
            R"({"s":"\\ \"say \"hi\"\" \\"})");
}

// --- ValidateTargetInputSpec ------------------------------------------------------------

TEST(ValidateTargetInputSpec, AcceptsEachModeAlone) {
  EXPECT_TRUE(ValidateTargetInputSpec({}).ok());
  EXPECT_TRUE(ValidateTargetInputSpec(InputSpec(R"({"a":1})")).ok());
  EXPECT_TRUE(ValidateTargetInputSpec(PathSpec("$.detail")).ok());
  EXPECT_TRUE(ValidateTargetInputSpec(TransformerSpec({{"a", "$.detail"}}, "<a>")).ok());
}

TEST(ValidateTargetInputSpec, RefusesMoreThanOneMode) {
  TargetInputSpec spec = PathSpec("$.detail");
  spec.input_transformer = Transformer({{"a", "$.b"}}, "<a>");
  // AWS's words, as recorded.
  EXPECT_EQ(Rejection(spec, "t1"),
            "Only one of Input, InputPath, or InputTransformer must be provided for target t1.");
  EXPECT_EQ(Rejection(spec), "Only one of Input, InputPath, or InputTransformer must be provided.");
  spec.input_transformer.reset();
  spec.input = "{}";
  Rejection(spec);
  spec.input_path.reset();
  spec.input_transformer = Transformer({}, "\"x\"");
  Rejection(spec);
}

TEST(ValidateTargetInputSpec, InputMustBeOneJsonValue) {
  for (const std::string bad : {"", "{", "abc", R"({"a":1} trailing)", "{'a':1}", "[1,]"}) {
    EXPECT_NE(Rejection(InputSpec(bad), "t1").find("Input for target t1 is not valid JSON"),
              std::string::npos)
        << bad;
  }
  EXPECT_TRUE(ValidateTargetInputSpec(InputSpec(" \"s\" ")).ok());
  EXPECT_TRUE(ValidateTargetInputSpec(InputSpec("0")).ok());
}

TEST(ValidateTargetInputSpec, InputAtMost8192Characters) {
  const std::string fits = "\"" + std::string(8190, 'x') + "\"";
  EXPECT_TRUE(ValidateTargetInputSpec(InputSpec(fits)).ok());
  Rejection(InputSpec("\"" + std::string(8191, 'x') + "\""));
}

TEST(ValidateTargetInputSpec, InputPathSubset) {
  for (const std::string good :
       {"$", "$.detail", "$.resources[0]", "$['a b']", R"($["a'b"])", R"($['it\'s'])", "$.a[*].b",
        "$.*", "$.a/b", "$.detail.instance-id", "$.a_b.c1[10][2]", "$['']"}) {
    EXPECT_TRUE(ValidateTargetInputSpec(PathSpec(good)).ok()) << good;
  }
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"", "must start with $"},
      {"detail", "must start with $"},
      {"$..a", "recursive descent"},
      {"$.a[-1]", "negative"},
      {"$.a[0:2]", "slices"},
      {"$.a[:2]", "slices"},
      {"$.a[0,1]", "unions"},
      {"$.a[?(@.x)]", "filter"},
      {"$.a.length()", "functions"},
      {"$.a.", "missing"},
      {"$.a[", "unterminated"},
      {"$.a['b'", "unterminated"},
      {"$.a['b' ]", "exactly one"},
      {"$[x]", "unexpected"},
      {"$a", "unexpected"},
      {"$.a[1x]", "digits"},
      {"$.a[99999999999999999999999]", "out of range"},
  };
  for (const auto& [path, why] : bad) {
    const std::string message = Rejection(PathSpec(path), "t1");
    EXPECT_NE(message.find("for target t1 is not a valid JSON path"), std::string::npos) << path;
    EXPECT_NE(message.find(why), std::string::npos) << path << ": " << message;
  }
  Rejection(PathSpec("$." + std::string(255, 'a')));  // 257 characters
  EXPECT_TRUE(ValidateTargetInputSpec(PathSpec("$." + std::string(254, 'a'))).ok());
}

TEST(ValidateTargetInputSpec, AtMost100Variables) {
  std::map<std::string, std::string> paths;
  for (int i = 0; i < 100; ++i) paths["v" + std::to_string(i)] = "$.detail";
  EXPECT_TRUE(ValidateTargetInputSpec(TransformerSpec(paths, "<v0>")).ok());
  paths["v100"] = "$.detail";
  EXPECT_NE(Rejection(TransformerSpec(paths, "<v0>")).find("at most 100"), std::string::npos);
}

TEST(ValidateTargetInputSpec, VariableNames) {
  EXPECT_TRUE(ValidateTargetInputSpec(TransformerSpec({{"instance-id_1", "$.a"}}, "x")).ok());
  EXPECT_TRUE(ValidateTargetInputSpec(TransformerSpec({{std::string(256, 'n'), "$.a"}}, "x")).ok());
  for (const std::string& bad :
       std::vector<std::string>{"", "bad key", "a.b", "caf\u00e9", "a<b", std::string(257, 'n')}) {
    EXPECT_NE(Rejection(TransformerSpec({{bad, "$.a"}}, "x")).find("invalid name"),
              std::string::npos)
        << bad;
  }
  for (const std::string reserved : {"aws.events.rule-arn", "aws.events.event", "AWS.mine"}) {
    EXPECT_NE(Rejection(TransformerSpec({{reserved, "$.a"}}, "x")).find("reserved"),
              std::string::npos)
        << reserved;
  }
}

TEST(ValidateTargetInputSpec, VariablePathsMustParse) {
  const std::string message = Rejection(TransformerSpec({{"a", "$..x"}}, "<a>"), "t1");
  EXPECT_NE(message.find("InputPathsMap value for a for target t1 is not a valid JSON path"),
            std::string::npos)
      << message;
}

TEST(ValidateTargetInputSpec, UndefinedPlaceholderIsRefused) {
  // AWS's words, as recorded.
  EXPECT_EQ(Rejection(TransformerSpec({{"detail-type", "$.detail-type"}},
                                      R"("Event of <detail-type> type, with not defined key )"
                                      R"(<notdefinedkey>")"),
                      "t1"),
            "InputTemplate for target t1 contains invalid placeholder notdefinedkey.");
  Rejection(TransformerSpec({}, R"({"x": <aws.events.rule>})"));  // not a reserved name
}

TEST(ValidateTargetInputSpec, ReservedPlaceholdersNeedNoPaths) {
  EXPECT_TRUE(ValidateTargetInputSpec(
                  TransformerSpec({}, R"({"a": <aws.events.rule-arn>, "b": <aws.events.rule-name>,)"
                                      R"( "c": <aws.events.event.ingestion-time>,)"
                                      R"( "d": <aws.events.event>, "e": <aws.events.event.json>})"))
                  .ok());
}

TEST(ValidateTargetInputSpec, TemplateLength) {
  Rejection(TransformerSpec({}, ""));
  Rejection(TransformerSpec({}, std::string(8193, 'x')));
  EXPECT_TRUE(ValidateTargetInputSpec(TransformerSpec({}, std::string(8192, 'x'))).ok());
}

TEST(ValidateTargetInputSpec, PlaceholderCannotBeAnObjectKey) {
  for (const std::string bad : {"{<k>: 1}", R"({"<k>": 1})", R"({"a": 1, "x<k>": 2})",
                                R"({"a": {"b": [1, {"<k>": 2}]}})"}) {
    EXPECT_NE(Rejection(TransformerSpec({{"k", "$.a"}}, bad)).find("as an object key"),
              std::string::npos)
        << bad;
  }
  // As a value next to keys, in nested objects and arrays, it is fine.
  EXPECT_TRUE(ValidateTargetInputSpec(
                  TransformerSpec({{"k", "$.a"}}, R"({"a": {"b": [<k>, {"c": "<k>"}]}, "d": <k>})"))
                  .ok());
}

TEST(ValidateTargetInputSpec, BraceTemplatesMustBeJson) {
  for (const std::string bad :
       {R"({"a": [<k>,]})", R"({"a": <k> <k>})", R"({"a": 1<k>})", R"( {"a": "<k>")"}) {
    EXPECT_NE(Rejection(TransformerSpec({{"k", "$.a"}}, bad), "t1")
                  .find("InputTemplate for target t1 is not valid JSON"),
              std::string::npos)
        << bad;
  }
  // Text templates need not be JSON.
  EXPECT_TRUE(ValidateTargetInputSpec(TransformerSpec({{"k", "$.a"}}, "<k> is [ready")).ok());
}

TEST(ShapeTargetInput, TransformerNeedsAJsonEvent) {
  auto shaped = ShapeTargetInput(TransformerSpec({{"k", "$.a"}}, "<k>"), "nope");
  EXPECT_EQ(shaped.status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ShapeTargetInput, ScheduledEventThroughATransformer) {
  const std::string event =
      ScheduledEventJson({.id = "53dc4d37-cffa-4f76-80c9-8b7d4a4d2eaa",
                          .account = "123456789012",
                          .region = "us-east-1",
                          .time_millis = kDocEventMillis,
                          .rule_arn = EventsRuleArn("us-east-1", "123456789012", "nightly")});
  const TargetInputContext context{
      .rule_arn = EventsRuleArn("us-east-1", "123456789012", "nightly"),
      .rule_name = "nightly",
      .ingestion_time_millis = kDocEventMillis};
  EXPECT_EQ(
      Shape(TransformerSpec({{"when", "$.time"}, {"rule", "$.resources[0]"}},
                            R"({"job": "report", "at": <when>, "by": "<aws.events.rule-name>",)"
                            R"( "arn": <rule>})"),
            event, context),
      R"({"job":"report","at":"2015-10-08T16:53:06Z","by":"nightly",)"
      R"("arn":"arn:aws:events:us-east-1:123456789012:rule/nightly"})");
}

}  // namespace
}  // namespace serval::events
