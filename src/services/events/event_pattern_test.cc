#include "services/events/event_pattern.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "common/aws_error.h"

namespace serval::events {
namespace {

namespace json = boost::json;

struct MatchRow {
  const char* pattern;
  const char* event;
  bool expected;
};

struct InvalidRow {
  const char* pattern;
  const char* reason;  // the message after the dialect's prefix
};

void ExpectMatches(PatternDialect dialect, FilterPolicyScope scope,
                   const std::vector<MatchRow>& rows) {
  for (const MatchRow& row : rows) {
    auto pattern = EventPattern::Parse(row.pattern, dialect, scope);
    ASSERT_TRUE(pattern.ok()) << row.pattern << ": " << pattern.status();
    EXPECT_EQ(pattern->Matches(json::parse(row.event)), row.expected)
        << "pattern " << row.pattern << "\nevent   " << row.event;
  }
}

// Rows after the cases LocalStack recorded against EventBridge (TestEventPattern), the
// EventBridge user guide's examples, and Event Ruler's README.
TEST(EventPatternTest, EventBridgeMatchTable) {
  ExpectMatches(
      PatternDialect::kEventBridge, FilterPolicyScope::kMessageBody,
      {
          // exact values, arrays on both sides
          {R"({"id":["1"]})", R"({"id":"1"})", true},
          {R"({"source":["order"],"detail-type":["Test"]})",
           R"({"source":"order","detail-type":"Test"})", true},
          {R"({"source":["order"],"detail-type":["Test"]})",
           R"({"source":"order","detail-type":"Other"})", false},
          {R"({"resources":["arn:a","arn:b"]})", R"({"resources":["arn:x","arn:b"]})", true},
          {R"({"resources":["arn:a","arn:b"]})", R"({"resources":["arn:x"]})", false},
          {R"({"resources":[null]})", R"({"resources":[]})", false},
          {R"({"boolean":[false]})", R"({"boolean":false})", true},
          {R"({"boolean":[false]})", R"({"boolean":true})", false},
          {R"({"boolean":[true]})", R"({"boolean":"true"})", false},
          {R"({"MY_KEY":["v"]})", R"({"my_key":"v"})", false},
          {R"({"detail":{"eventVersion":[""]}})", R"({"detail":{"eventVersion":""}})", true},
          {R"({"detail":{"r":[null]}})", R"({"detail":{"r":null}})", true},
          {R"({"detail":{"r":[null]}})", R"({"detail":{"r":"null"}})", false},
          {R"({"detail":{"r":[null]}})", R"({"detail":{}})", false},
          {R"({"s":["emoji 🚀 and space "]})", R"({"s":"emoji 🚀 and space "})", true},
          // numbers by value
          {R"({"number":[300]})", R"({"number":300.0})", true},
          {R"({"number":[5]})", R"({"number":5.0})", true},
          {R"({"number":[5.0]})", R"({"number":5})", true},
          {R"({"number":[5]})", R"({"number":"5"})", false},
          {R"({"number":["5"]})", R"({"number":5})", false},
          {R"({"n":[1e2]})", R"({"n":100})", true},
          {R"({"n":[123456789012]})", R"({"n":123456789012})", true},
          // nested objects, dots, strings holding JSON
          {R"({"detail":{"state":{"status":["running"]}}})",
           R"({"detail":{"state.status":"running"}})", true},
          {R"({"detail":{"state.status":["running"]}})",
           R"({"detail":{"state":{"status":"running"}}})", true},
          {R"({"detail":{"state":{"status":["running"]}}})",
           R"({"detail":{"state.status":{"status":"running"}}})", false},
          {R"({"detail":{"k":["v"]}})", R"({"detail":"{\"k\": \"v\"}"})", false},
          {R"({"dynamodb":{"NewImage":{"h":{"N":["1234"]}}}})",
           R"({"dynamodb":{"NewImage":{"h":{"S":"ABCD","N":"1234"}}}})", true},
          // arrays of objects, array consistency
          {R"({"detail":{"a":{"id":[{"exists":true}]}}})",
           R"({"detail":{"a":[{"k":"v"},{"id":"x"},{"k2":"v"}]}})", true},
          {R"({"e":{"first":["Anna"]}})",
           R"({"e":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]})", true},
          {R"({"e":{"first":["Anna"],"last":["Smith"]}})",
           R"({"e":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]})", true},
          {R"({"e":{"first":["Anna"],"last":["Doe"]}})",
           R"({"e":[{"first":"John","last":"Doe"},{"first":"Anna","last":"Smith"}]})", false},
          {R"({"e":{"first":["Anna"],"last":["Jones"]}})",
           R"({"e":[[{"first":"John"},{"first":"Anna","last":"Smith"}],[{"last":"Jones"}]]})",
           false},
          {R"({"e":{"first":["Anna"]},"top":["x"]})", R"({"e":[{"first":"Anna"}],"top":"x"})",
           true},
          // prefix, suffix, equals-ignore-case
          {R"({"time":[{"prefix":"2022-07-13"}]})", R"({"time":"2022-07-13T13:48:01Z"})", true},
          {R"({"time":[{"prefix":"2022-07-99"}]})", R"({"time":"2022-07-13T13:48:01Z"})", false},
          {R"({"source":[{"prefix":""}]})", R"({"source":"x"})", true},
          {R"({"n":[{"prefix":"1"}]})", R"({"n":12})", false},
          {R"({"d":{"s":[{"prefix":{"equals-ignore-case":"EventB"}}]}})",
           R"({"d":{"s":"EvEnTbridge"}})", true},
          {R"({"f":[{"suffix":".png"}]})", R"({"f":"image.png"})", true},
          {R"({"f":[{"suffix":".PNG"}]})", R"({"f":"image.png"})", false},
          {R"({"f":[{"suffix":{"equals-ignore-case":".png"}}]})", R"({"f":"image.PNG"})", true},
          {R"({"f":[{"suffix":{"equals-ignore-case":".png"}}]})", R"({"f":"image.jpg"})", false},
          {R"({"source":[{"suffix":""}]})", R"({"source":"x"})", true},
          {R"({"t":[{"equals-ignore-case":"ec2 instance state-change"}]})",
           R"({"t":["EC2 Instance State-change"]})", true},
          {R"({"t":[{"equals-ignore-case":"nope"}]})", R"({"t":"EC2"})", false},
          {R"({"v":[{"equals-ignore-case":""}]})", R"({"v":""})", true},
          {R"({"v":[{"equals-ignore-case":""}]})", R"({"v":"x"})", false},
          // wildcard
          {R"({"a":[{"wildcard":"arn:aws:events:us-east-1:*:event-bus/*"}]})",
           R"({"a":"arn:aws:events:us-east-1:123456789012:event-bus/b"})", true},
          {R"({"f":[{"wildcard":"/Users/*/doc.txt"}]})", R"({"f":"/Users/u/d/d/doc.txt"})", true},
          {R"({"f":[{"wildcard":"/Users/*/doc.txt"}]})", R"({"f":"/Users/u/d/notdoc.txt2"})",
           false},
          {R"({"f":[{"wildcard":"/Users/*/dir/dir/doc.txt"}]})",
           R"({"f":"/Users/u/dir/dir/dir/doc.txt"})", true},
          {R"({"f":[{"wildcard":"/Users/*/dir/dir/doc.txt"}]})",
           R"({"f":"/Users/u/dir/other/doc.txt"})", false},
          {R"({"f":[{"wildcard":""}]})", R"({"f":"x"})", false},
          {R"({"f":[{"wildcard":"a*"}]})", R"({"f":"a"})", true},
          {R"({"f":[{"wildcard":"a\\*b"}]})", R"({"f":"a*b"})", true},
          {R"({"f":[{"wildcard":"a\\*b"}]})", R"({"f":"axb"})", false},
          {R"({"f":[{"wildcard":"a\\\\*"}]})", R"({"f":"a\\bc"})", true},
          {R"({"f":[{"wildcard":"*ab*ab"}]})", R"({"f":"xabab"})", true},
          {R"({"f":[{"wildcard":"*"}]})", R"({"f":5})", false},
          // anything-but
          {R"({"d":{"s":[{"anything-but":"init"}]}})", R"({"d":{"s":"pending"}})", true},
          {R"({"d":{"s":[{"anything-but":"init"}]}})", R"({"d":{"s":"init"}})", false},
          {R"({"d":{"s":[{"anything-but":"init"}]}})", R"({"d":{"s":null}})", true},
          {R"({"d":{"s":[{"anything-but":"init"}]}})", R"({"d":{}})", false},
          {R"({"d":{"s":[{"anything-but":["a","b"]}]}})", R"({"d":{"s":"b"}})", false},
          {R"({"d":{"s":[{"anything-but":["a","b"]}]}})", R"({"d":{"s":"c"}})", true},
          {R"({"d":{"x":[{"anything-but":123}]}})", R"({"d":{"x":789}})", true},
          {R"({"d":{"x":[{"anything-but":123}]}})", R"({"d":{"x":123.0}})", false},
          {R"({"d":{"x":[{"anything-but":0}]}})", R"({"d":{"x":789}})", true},
          {R"({"d":{"x":[{"anything-but":[100,200]}]}})", R"({"d":{"x":100}})", false},
          {R"({"d":{"x":[{"anything-but":[100,200]}]}})", R"({"d":{"x":999}})", true},
          {R"({"d":{"s":[{"anything-but":{"prefix":"init"}}]}})", R"({"d":{"s":"post-init"}})",
           true},
          {R"({"d":{"s":[{"anything-but":{"prefix":"init"}}]}})", R"({"d":{"s":"init-x"}})", false},
          {R"({"d":{"s":[{"anything-but":{"prefix":"init"}}]}})", R"({"d":{"s":12}})", true},
          {R"({"d":{"s":[{"anything-but":{"prefix":"init"}}]}})", R"({"d":{"s":null}})", true},
          {R"({"d":{"s":[{"anything-but":{"prefix":"init"}}]}})", R"({"d":{}})", false},
          {R"({"d":{"s":[{"anything-but":{"prefix":["init","post"]}}]}})",
           R"({"d":{"s":"post-init"}})", false},
          {R"({"d":{"f":[{"anything-but":{"suffix":".txt"}}]}})", R"({"d":{"f":"f.txt.bak"}})",
           true},
          {R"({"d":{"f":[{"anything-but":{"suffix":[".txt",".jpg"]}}]}})", R"({"d":{"f":"f.jpg"}})",
           false},
          {R"({"d":{"s":[{"anything-but":{"equals-ignore-case":"init"}}]}})",
           R"({"d":{"s":"INIT"}})", false},
          {R"({"d":{"s":[{"anything-but":{"equals-ignore-case":["a","stopped"]}}]}})",
           R"({"d":{"s":"pending"}})", true},
          {R"({"d":{"p":[{"anything-but":{"wildcard":"*/dir/*"}}]}})",
           R"({"d":{"p":"dir/init/file"}})", true},
          {R"({"d":{"p":[{"anything-but":{"wildcard":"*/init/*"}}]}})",
           R"({"d":{"p":"dir/init/file"}})", false},
          {R"({"d":{"p":[{"anything-but":{"wildcard":""}}]}})", R"({"d":{"p":"x"}})", true},
          {R"({"d":{"p":[{"anything-but":{"wildcard":"*/dir/*"}}]}})", R"({"d":{"p":123}})", true},
          {R"({"d":{"s":[{"anything-but":["a"]}]}})", R"({"d":{"s":["a","b"]}})", true},
          // numeric
          {R"({"d":{"c":[{"numeric":[">",0,"<=",5]}]}})", R"({"d":{"c":3}})", true},
          {R"({"d":{"c":[{"numeric":[">",0,"<=",5]}]}})", R"({"d":{"c":5}})", true},
          {R"({"d":{"c":[{"numeric":[">",0,"<=",5]}]}})", R"({"d":{"c":0}})", false},
          {R"({"d":{"c":[{"numeric":[">=",0,"<",5]}]}})", R"({"d":{"c":0}})", true},
          {R"({"d":{"c":[{"numeric":[">=",0,"<",5]}]}})", R"({"d":{"c":5}})", false},
          {R"({"d":{"c":[{"numeric":["<",10]}]}})", R"({"d":{"c":9.99}})", true},
          {R"({"d":{"c":[{"numeric":["<=",10]}]}})", R"({"d":{"c":10}})", true},
          {R"({"d":{"c":[{"numeric":["=",301.8]}]}})", R"({"d":{"c":301.8}})", true},
          {R"({"d":{"c":[{"numeric":["=",3.018e2]}]}})", R"({"d":{"c":301.8}})", true},
          {R"({"n":[{"numeric":[">",100]}]})", R"({"n":101.0})", true},
          {R"({"n":[{"numeric":[">",100]}]})", R"({"n":null})", false},
          {R"({"n":[{"numeric":[">",100]}]})", R"({"n":"300"})", false},
          {R"({"n":[{"numeric":[">",-1e9,"<",1e9]}]})", R"({"n":-5})", true},
          // exists
          {R"({"d":{"s":[{"exists":true}]}})", R"({"d":{"s":"pending"}})", true},
          {R"({"d":{"s":[{"exists":true}]}})", R"({"d":{"s":null}})", true},
          {R"({"d":{"s":[{"exists":true}]}})", R"({"d":{"c":{"s":1}}})", false},
          {R"({"d":{"s":[{"exists":true}]}})", R"({"d":{"s":{"x":1}}})", false},
          {R"({"resources":[{"exists":true}]})", R"({"resources":[]})", false},
          {R"({"d":{"a":{"b:":{"c":[{"exists":false}]}}}})", R"({"d":{"a":{"b":"x"}}})", true},
          {R"({"d":{"a":{"b":{"c":[{"exists":false}]}}}})", R"({"d":{"a":{"b":{"c":"v"}}}})",
           false},
          {R"({"missing":[{"exists":false}]})", R"({})", true},
          {R"({"k":[{"exists":true},{"prefix":"IGNORED"}]})", R"({"k":"v"})", true},
          {R"({"h":{"S":[{"anything-but":["roses"]},{"exists":false}]}})", R"({"h":{"N":"7"}})",
           true},
          {R"({"h":{"S":[{"anything-but":["roses"]},{"exists":false}]}})", R"({"h":{"S":"roses"}})",
           false},
          // cidr
          {R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.0.255"})", true},
          {R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.1.0"})", false},
          {R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":"10.0.0.256"})", false},
          {R"({"ip":[{"cidr":"10.0.0.0/24"}]})", R"({"ip":123})", false},
          {R"({"ip":[{"cidr":"10.0.0.0/0"}]})", R"({"ip":"192.168.1.1"})", true},
          {R"({"ip":[{"cidr":"2001:db8:1234:1a00::/64"}]})",
           R"({"ip":"2001:0db8:1234:1a00:0000:0000:0000:0000"})", true},
          {R"({"ip":[{"cidr":"2001:db8:1234:1a00::/64"}]})",
           R"({"ip":"2001:0db8:123f:1a01:0000:0000:0000:0000"})", false},
          {R"({"ip":[{"cidr":"2001:db8::/32"}]})", R"({"ip":"10.0.0.1"})", false},
          // $or
          {R"({"d":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"dc":[{"numeric":["<",10]}]}]}})",
           R"({"d":{"c":0,"dc":0}})", true},
          {R"({"d":{"$or":[{"c":[{"numeric":[">",0,"<=",5]}]},{"dc":[{"numeric":["<",10]}]}]}})",
           R"({"d":{"c":0,"dc":10}})", false},
          {R"({"source":["a"],"$or":[{"x":["1"]},{"y":["2"]}]})", R"({"source":"a","y":"2"})",
           true},
          {R"({"source":["a"],"$or":[{"x":["1"]},{"y":["2"]}]})", R"({"source":"b","y":"2"})",
           false},
          {R"({"$or":[{"a":["1"]},{"$or":[{"b":["2"]},{"c":["3"]}]}]})", R"({"c":"3"})", true},
          // events that are not objects match nothing
          {R"({"a":[{"exists":false}]})", R"([])", false},
          {R"({"a":[{"exists":false}]})", R"("text")", false},
      });
}

TEST(EventPatternTest, ComplexEventMatchesManyOperators) {
  ExpectMatches(PatternDialect::kEventBridge, FilterPolicyScope::kMessageBody,
                {{R"({"source":[{"exists":true}],"detail-type":[{"prefix":"core.app"}],
                      "detail":{"amount":[200],"salary":[2000,4000],"admins":["x",{"prefix":"ad"}],
                                "t1":[{"anything-but":200}],"t4":[{"anything-but":{"prefix":"t4"}}],
                                "n5":[{"numeric":[">=",200,"<=",500]}]}})",
                  R"({"source":"core.x","detail-type":"core.app.backend",
                      "detail":{"amount":200,"salary":2000,"admins":"admin","t1":300,
                                "t4":"this t4","n5":500}})",
                  true}});
}

void ExpectInvalid(PatternDialect dialect, FilterPolicyScope scope, std::string_view prefix,
                   const std::vector<InvalidRow>& rows) {
  for (const InvalidRow& row : rows) {
    auto pattern = EventPattern::Parse(row.pattern, dialect, scope);
    ASSERT_FALSE(pattern.ok()) << row.pattern;
    EXPECT_EQ(pattern.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(std::string(pattern.status().message()), std::string(prefix) + row.reason)
        << row.pattern;
  }
}

// Messages as AWS recorded them (without the parser position AWS appends), or as Event Ruler's
// compiler words them where no recording exists.
TEST(EventPatternTest, EventBridgeInvalidTable) {
  ExpectInvalid(
      PatternDialect::kEventBridge, FilterPolicyScope::kMessageBody,
      "Event pattern is not valid. Reason: ",
      {
          {R"(this is not json)", "Filter is not valid JSON"},
          {R"(["not","an","object"])", "Filter is not an object"},
          {R"({})", "Empty objects are not allowed"},
          {R"({"a":{}})", "Empty objects are not allowed"},
          {R"({"int":42})", R"("int" must be an object or an array)"},
          {R"({"string":"my-value"})", R"("string" must be an object or an array)"},
          {R"({"resources":[]})", "Empty arrays are not allowed"},
          {R"({"k":[["v"]]})", "Match value must be String, number, true, false, or null"},
          {R"({"k":[{}]})", "Match expression name not found"},
          {R"({"k":[{"EXISTS":true}]})", "Unrecognized match type EXISTS"},
          {R"({"d":{"e":[{"NUMERIC":["=",5]}]}})", "Unrecognized match type NUMERIC"},
          {R"({"k":[{"suffix":"v","prefix":"w"}]})", "Only one key allowed in match expression"},
          {R"({"t":[{"prefix":123}]})", "prefix match pattern must be a string"},
          {R"({"t":[{"prefix":["2022"]}]})", "prefix match pattern must be a string"},
          {R"({"t":[{"prefix":{"nope":"x"}}]})", "Unsupported prefix pattern: nope"},
          {R"({"t":[{"prefix":{"equals-ignore-case":1}}]})",
           "equals-ignore-case match pattern must be a string"},
          {R"({"f":[{"suffix":123}]})", "suffix match pattern must be a string"},
          {R"({"f":[{"suffix":[".png"]}]})", "suffix match pattern must be a string"},
          {R"({"t":[{"equals-ignore-case":["x"]}]})",
           "equals-ignore-case match pattern must be a string"},
          {R"({"t":[{"equals-ignore-case":{"prefix":"ec2"}}]})",
           "equals-ignore-case match pattern must be a string"},
          {R"({"k":[{"exists":"no"}]})", "exists match pattern must be either true or false."},
          {R"({"k":[{"exists":true,"prefix":"x"}]})", "Only one key allowed in match expression"},
          {R"({"c":[{"numeric":10}]})", "Value of numeric must be an array."},
          {R"({"c":[{"numeric":[]}]})", "Invalid member in numeric match: ]"},
          {R"({"c":[{"numeric":[1,"<="]}]})", "Invalid member in numeric match: 1"},
          {R"({"c":[{"numeric":["operator"]}]})", "Unrecognized numeric range operator: operator"},
          {R"({"c":[{"numeric":["=","000"]}]})", "Value of equals must be numeric"},
          {R"({"c":[{"numeric":[">="]}]})", "Value of >= must be numeric"},
          {R"({"c":[{"numeric":["<",100,">",10]}]})", "Too many elements in numeric expression"},
          {R"({"c":[{"numeric":[">",0,">",0]}]})", "Bad numeric range operator: >"},
          {R"({"c":[{"numeric":[">",0,"<"]}]})", "Value of < must be numeric"},
          {R"({"c":[{"numeric":[">",20,30]}]})", "Bad value in numeric range: 30"},
          {R"({"c":[{"numeric":[">",3,"<",1]}]})", "Bottom must be less than top"},
          {R"({"c":[{"numeric":[">",20,"<",30,"<",50]}]})",
           "Too many terms in numeric range expression"},
          {R"({"c":[{"numeric":["<",1],"x":1}]})", "Too many elements in numeric expression"},
          {R"({"s":[{"anything-but":null}]})",
           "Value of anything-but must be an array or single string/number value."},
          {R"({"s":[{"anything-but":true}]})",
           "Value of anything-but must be an array or single string/number value."},
          {R"({"s":[{"anything-but":["stopped",null]}]})",
           "Inside anything but list, start|null|boolean is not supported."},
          {R"({"s":[{"anything-but":["a",1]}]})",
           "Inside anything but list, either all values are number or string, mixed type is not "
           "supported"},
          {R"({"s":[{"anything-but":{}}]})", "Anything-But expression name not found"},
          {R"({"s":[{"anything-but":{"exists":false}}]})",
           "Unsupported anything-but pattern: exists"},
          {R"({"s":[{"anything-but":{"equals-ignore-case":123}}]})",
           "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
           "supported."},
          {R"({"s":[{"anything-but":{"equals-ignore-case":[123,456]}}]})",
           "Inside anything-but/equals-ignore-case list, number|start|null|boolean is not "
           "supported."},
          {R"({"s":[{"anything-but":{"prefix":123}}]})",
           "prefix/suffix match pattern must be a string"},
          {R"({"s":[{"anything-but":{"suffix":[null,".txt"]}}]})",
           "prefix/suffix match pattern must be a string"},
          {R"({"s":[{"anything-but":{"prefix":""}}]})", "Null prefix/suffix not allowed"},
          {R"({"s":[{"anything-but":{"suffix":""}}]})", "Null prefix/suffix not allowed"},
          {R"({"s":[{"anything-but":{"prefix":{"equals-ignore-case":"f"}}}]})",
           "Value of anything-but must be an array or single string/number value."},
          {R"({"s":[{"anything-but":{"wildcard":123}}]})",
           "wildcard match pattern must be a string"},
          {R"({"s":[{"anything-but":{"wildcard":[123,"*/d/*"]}}]})",
           "wildcard match pattern must be a string"},
          {R"({"a":[{"wildcard":123}]})", "wildcard match pattern must be a string"},
          {R"({"a":[{"wildcard":["x*"]}]})", "wildcard match pattern must be a string"},
          {R"({"a":[{"wildcard":"arn:aws:events:us-east-1:**:event-bus/*"}]})",
           "Consecutive wildcard characters at pos 26"},
          {R"({"a":[{"wildcard":"a\\b"}]})", "Invalid escape character at pos 2"},
          {R"({"a":[{"wildcard":"*:*:*:*:*:event-bus/*"}]})",
           "Rule is too complex - try using fewer wildcard characters or fewer repeating "
           "character sequences after a wildcard character"},
          {R"({"ip":[{"cidr":"bad-filter"}]})", "Malformed CIDR, one '/' required"},
          {R"({"ip":[{"cidr":"10.0.0.0/"}]})", "Malformed CIDR, one '/' required"},
          {R"({"ip":[{"cidr":"bad-/64filter"}]})", "Malformed CIDR, mask bits must be an integer"},
          {R"({"ip":[{"cidr":"xx.11.xx/8"}]})", "Nonstandard IP address: xx.11.xx"},
          {R"({"ip":[{"cidr":"xxxx:db8:1234:1a00::/64"}]})",
           "Nonstandard IP address: xxxx:db8:1234:1a00::"},
          {R"({"ip":[{"cidr":["bad-type"]}]})", "prefix match pattern must be a string"},
          {R"({"ip":[{"cidr":"10.0.0.0/32"}]})", "IPv4 mask bits must be < 32"},
          {R"({"ip":[{"cidr":"10.0.0.0/-1"}]})", "Malformed CIDR, mask bits must not be negative"},
          {R"({"$or":{"a":["1"]}})", "It must be an Array followed with $or."},
          {R"({"$or":[{"a":["1"]}]})", "There must have at least 2 Objects in $or relationship."},
          {R"({"$or":[{"a":["1"]},"b"]})",
           "Only JSON object is allowed in array of $or relationship."},
          {R"({"$or":[{"a":["1"]},{"numeric":["1"]}]})",
           "numeric is Ruler reserved fieldName which cannot be used inside $or."},
      });
}

TEST(EventPatternTest, EventBridgeErrorsCarryTheAwsCode) {
  auto pattern = EventPattern::Parse(R"({"a":1})", PatternDialect::kEventBridge);
  ASSERT_FALSE(pattern.ok());
  EXPECT_EQ(AwsErrorCode(pattern.status()), "InvalidEventPatternException");
}

// SNS: after the documentation's examples and LocalStack's SNS recordings.
TEST(EventPatternTest, SnsMessageAttributesMatchTable) {
  // The value SNS builds from message attributes: String -> string, Number -> number,
  // String.Array -> array.
  ExpectMatches(
      PatternDialect::kSnsFilterPolicy, FilterPolicyScope::kMessageAttributes,
      {
          {R"({"interests":["rugby","tennis"]})", R"({"interests":"rugby"})", true},
          {R"({"interests":["rugby","tennis"]})", R"({"interests":["rugby","football"]})", true},
          {R"({"interests":["rugby","tennis"]})", R"({"interests":"baseball"})", false},
          {R"({"interests":["rugby","tennis"]})", R"({"interests":["baseball"]})", false},
          {R"({"interests":["rugby"]})", R"({})", false},
          {R"({"store":["example_corp"],"event":["order_placed"]})",
           R"({"store":"example_corp","event":"order_placed","extra":"x"})", true},
          {R"({"store":["example_corp"],"event":["order_placed"]})", R"({"store":"example_corp"})",
           false},
          {R"({"price":[{"numeric":[">",0,"<=",150]}]})", R"({"price":100})", true},
          {R"({"price":[{"numeric":[">",0,"<=",150]}]})", R"({"price":151})", false},
          {R"({"price":[{"numeric":["=",100]}]})", R"({"price":100.0})", true},
          {R"({"price":[100]})", R"({"price":100})", true},
          {R"({"price":["100"]})", R"({"price":100})", false},
          {R"({"price":[{"prefix":"1"}]})", R"({"price":100})", false},
          {R"({"price":[{"numeric":[">",5]}]})", R"({"price":"100"})", false},
          {R"({"price":[{"numeric":[">",5]}]})", R"({"price":["a",10]})", true},
          {R"({"price":[{"anything-but":["a"]}]})", R"({"price":5})", true},
          {R"({"event":[{"anything-but":"order_cancelled"}]})", R"({"event":"order_placed"})",
           true},
          {R"({"event":[{"anything-but":"order_cancelled"}]})", R"({"event":"order_cancelled"})",
           false},
          {R"({"event":[{"anything-but":{"prefix":"order-"}}]})", R"({"event":"data-x"})", true},
          {R"({"event":[{"anything-but":{"prefix":"order-"}}]})", R"({"event":"order-x"})", false},
          {R"({"event":[{"prefix":"order-"}]})", R"({"event":"order-cancelled"})", true},
          {R"({"event":[{"suffix":"-cancelled"}]})", R"({"event":"order-cancelled"})", true},
          {R"({"event":[{"equals-ignore-case":"ORDER"}]})", R"({"event":"order"})", true},
          {R"({"source_ip":[{"cidr":"10.0.0.0/24"}]})", R"({"source_ip":"10.0.0.7"})", true},
          {R"({"store":[{"exists":true}]})", R"({"store":"x"})", true},
          {R"({"store":[{"exists":false}]})", R"({"other":"x"})", true},
          {R"({"store":[{"exists":false}]})", R"({"store":"x"})", false},
          {R"({"source":["aws.cloudwatch"],"$or":[{"metricName":["CPU"]},{"namespace":["EC2"]}]})",
           R"({"source":"aws.cloudwatch","namespace":"EC2"})", true},
          {R"({"source":["aws.cloudwatch"],"$or":[{"metricName":["CPU"]},{"namespace":["EC2"]}]})",
           R"({"source":"aws.cloudwatch","namespace":"ES"})", false},
      });
}

TEST(EventPatternTest, SnsMessageBodyMatchTable) {
  ExpectMatches(
      PatternDialect::kSnsFilterPolicy, FilterPolicyScope::kMessageBody,
      {
          {R"({"object":{"key":[{"prefix":"auto-"}]}})", R"({"object":{"key":"auto-test"}})", true},
          {R"({"object":{"key":[{"prefix":"auto-"}]}})", R"({"object":{"key":"hardcoded"}})",
           false},
          {R"({"object":{"nested":{"test":["v"]}}})", R"({"object.nested.test":"v"})", true},
          {R"({"object":{"nested":{"test":["v"]}}})", R"({"object":{"nested.test":"v"}})", true},
          {R"({"object":{"nested":{"test":["v"]}}})", R"({"object":{"nested":"v"}})", false},
          {R"({"Records":{"eventName":[{"prefix":"ObjectCreated:"}]}})",
           R"({"Records":[{"eventName":"ObjectCreated:Put"},{"eventName":"ObjectRemoved:Delete"}]})",
           true},
          {R"({"null_key":[null]})", R"({"null_key":null})", true},
          {R"({"k":["v"]})", R"("not an object")", false},
      });
}

TEST(EventPatternTest, SnsInvalidTable) {
  ExpectInvalid(
      PatternDialect::kSnsFilterPolicy, FilterPolicyScope::kMessageAttributes, "FilterPolicy: ",
      {
          {R"({"key":[]})", "Empty arrays are not allowed"},
          {R"({"key_a":"value_one"})", R"("key_a" must be an object or an array)"},
          {R"({"key":[["value"]]})", "Match value must be String, number, true, false, or null"},
          {R"({"key":[{"wrong-operator":true}]})", "Unrecognized match type wrong-operator"},
          {R"({"key":[{"wildcard":"a*"}]})", "Unrecognized match type wildcard"},
          {R"({"key":[{"suffix":"v","prefix":"w"}]})", "Only one key allowed in match expression"},
          {R"({"key":[{"suffix":100}]})", "suffix match pattern must be a string"},
          {R"({"key":[{"suffix":null}]})", "suffix match pattern must be a string"},
          {R"({"key":[{"exists":null}]})", "exists match pattern must be either true or false."},
          {R"({"key":[{"numeric":[]}]})", "Invalid member in numeric match: ]"},
          {R"({"key":[{"numeric":[">","20","<","30"]}]})", "Value of > must be numeric"},
          {R"({"key":[{"numeric":[">",20,"test"]}]})", "Bad numeric range operator: test"},
          {R"({"key":[{"anything-but":{"wrong-operator":null}}]})",
           "Unsupported anything-but pattern: wrong-operator"},
          {R"({"key":[{"anything-but":{"suffix":"test"}}]})",
           "Unsupported anything-but pattern: suffix"},
          {R"({"key":[{"anything-but":{"exists":false}}]})",
           "Unsupported anything-but pattern: exists"},
          {R"({"key":[{"anything-but":{"prefix":false}}]})",
           "prefix match pattern must be a string"},
          {R"({"key":[{"cidr":"bad-filter"}]})", "Malformed CIDR, one '/' required"},
          {R"({"key":[{"cidr":"xx.11.xx/8"}]})", "Nonstandard IP address: xx.11.xx"},
          {R"({"k1":["1"],"k2":["2"],"k3":["3"],"k4":["4"],"k5":["5"],"k6":["6"]})",
           "Filter policy can not have more than 5 keys"},
          // 100 x 2 = 200 combinations
          {R"({"a":[1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,
                      26,27,28,29,30,31,32,33,34,35,36,37,38,39,40,41,42,43,44,45,46,47,48,49,50,
                      51,52,53,54,55,56,57,58,59,60,61,62,63,64,65,66,67,68,69,70,71,72,73,74,75,
                      76,77,78,79,80,81,82,83,84,85,86,87,88,89,90,91,92,93,94,95,96,97,98,99,100],
                      "b":[1,2]})",
           "Filter policy is too complex"},
          // (4 x 6) + (4 x 4 x 4) + (4 x 4 x 4) = 152, recorded
          {R"({"source":["a","b","c","d"],
                      "$or":[{"metricName":["1","2","3","4","5","6"]},
                             {"metricType":["1","2","3","4"],
                              "$or":[{"metricId":[1,2,3,4]},{"spaceId":[1,2,3,4]}]}]})",
           "Filter policy is too complex"},
      });
  // The recorded nested-scope message has no "FilterPolicy: ".
  auto nested =
      EventPattern::Parse(R"({"object":{"key":[{"prefix":"auto-"}]}})",
                          PatternDialect::kSnsFilterPolicy, FilterPolicyScope::kMessageAttributes);
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().message(),
            "Filter policy scope MessageAttributes does not support nested filter policy");
}

TEST(EventPatternTest, SnsComplexityCountsDepth) {
  // Recorded: 3 x 4 x 2 x 3 x 1 x 3 = 216 in MessageBody scope is too complex, while the same
  // value counts at the top level (4 x 3 x 3 = 36) are fine.
  auto deep = EventPattern::Parse(
      R"({"key_a":{"key_b":{"key_c":["1","2","3","4"]}},"key_d":{"key_e":["1","2","3"]},
          "key_f":["1","2","3"]})",
      PatternDialect::kSnsFilterPolicy, FilterPolicyScope::kMessageBody);
  ASSERT_FALSE(deep.ok());
  EXPECT_EQ(deep.status().message(), "FilterPolicy: Filter policy is too complex");
  EXPECT_TRUE(EventPattern::Parse(R"({"key_c":["1","2","3","4"],"key_e":["1","2","3"],
                                      "key_f":["1","2","3"]})",
                                  PatternDialect::kSnsFilterPolicy, FilterPolicyScope::kMessageBody)
                  .ok());
  // Recorded as accepted: (3 x 6) + (3 x 4 x 4) + (3 x 4 x 7) = 150.
  EXPECT_TRUE(EventPattern::Parse(
                  R"({"source":["a","b","c"],
                      "$or":[{"metricName":["1","2","3","4","5","6"]},
                             {"metricType":["1","2","3","4"],
                              "$or":[{"metricId":[1,2,3,4]},{"spaceId":[1,2,3,4,5,6,7]}]}]})",
                  PatternDialect::kSnsFilterPolicy, FilterPolicyScope::kMessageAttributes)
                  .ok());
}

TEST(EventPatternTest, ArrayConsistencySearchIsBounded) {
  // Two fields inside a 2,000-element array of objects, never in the same element: the search
  // gives up after its budget and reports the inconsistent match rather than spin.
  json::array items;
  for (int i = 0; i < 2000; ++i) items.push_back(json::object{{i % 2 ? "a" : "b", "x"}});
  json::value event = json::object{{"e", items}};
  auto pattern =
      EventPattern::Parse(R"({"e":{"a":["x"],"b":["x"]}})", PatternDialect::kEventBridge);
  ASSERT_TRUE(pattern.ok());
  EXPECT_TRUE(pattern->Matches(event));
  auto absent = EventPattern::Parse(R"({"e":{"a":["x"],"b":["y"]}})", PatternDialect::kEventBridge);
  ASSERT_TRUE(absent.ok());
  EXPECT_FALSE(absent->Matches(event));
}

}  // namespace
}  // namespace serval::events
