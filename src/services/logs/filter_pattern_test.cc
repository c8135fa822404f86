#include "services/logs/filter_pattern.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace serval::logs {
namespace {

struct MatchRow {
  std::string pattern;
  std::string message;
  bool expected;
};

struct ErrorRow {
  std::string pattern;
  std::string message;  // the whole InvalidArgument message
};

void ExpectMatches(const std::vector<MatchRow>& rows) {
  for (const MatchRow& row : rows) {
    auto pattern = FilterPattern::Parse(row.pattern);
    ASSERT_TRUE(pattern.ok()) << row.pattern << ": " << pattern.status();
    EXPECT_EQ(pattern->Matches(row.message), row.expected)
        << "pattern " << row.pattern << "\nmessage " << row.message;
  }
}

void ExpectErrors(const std::vector<ErrorRow>& rows) {
  for (const ErrorRow& row : rows) {
    auto pattern = FilterPattern::Parse(row.pattern);
    ASSERT_FALSE(pattern.ok()) << row.pattern << " parsed";
    EXPECT_EQ(pattern.status().code(), absl::StatusCode::kInvalidArgument) << row.pattern;
    EXPECT_EQ(pattern.status().message(), row.message) << row.pattern;
  }
}

// Rows after the examples of AWS's "Filter pattern syntax" guide (unstructured terms) unless
// marked "ours".
TEST(FilterPatternTest, Terms) {
  ExpectMatches({
      {"ERROR", "[ERROR 400] BAD REQUEST", true},
      {"ERROR", "[error 400] bad request", false},  // case-sensitive
      {"ERROR", "ERRORS everywhere", true},         // a substring, not a word
      {"404", "GET /x 404 12", true},
      {"ERROR ARGUMENTS", "[ERROR] bad ARGUMENTS given", true},
      {"ERROR ARGUMENTS", "[ERROR] bad input", false},
      {"  ERROR   ARGUMENTS  ", "ARGUMENTS then ERROR", true},  // order does not matter
      {"?ERROR ?ARGUMENTS", "bad ARGUMENTS", true},
      {"?ERROR ?ARGUMENTS", "[ERROR] x", true},
      {"?ERROR ?ARGUMENTS", "all fine", false},
      {"ERROR -ARGUMENTS", "[ERROR] timeout", true},
      {"ERROR -ARGUMENTS", "[ERROR] bad ARGUMENTS", false},
      {"-DEBUG", "INFO started", true},
      {"-DEBUG", "DEBUG started", false},
      {R"("INTERNAL SERVER ERROR")", "500 INTERNAL SERVER ERROR here", true},
      {R"("INTERNAL SERVER ERROR")", "500 INTERNAL ERROR SERVER", false},
      {R"("ERROR:" 404)", "ERROR: 404 not found", true},
      {R"("ERROR:" 404)", "ERROR 404 not found", false},
      {R"(ERROR -"Exiting with")", "ERROR: Exiting with 1", false},
      {R"(ERROR -"Exiting with")", "ERROR: retrying", true},
      // `?` groups: AWS's CDK writes anyTermGroup([ERROR, MainThread], [WARN, Deadlock]) so.
      {R"(?"ERROR" "MainThread" ?"WARN" "Deadlock")", "WARN Deadlock seen", true},
      {R"(?"ERROR" "MainThread" ?"WARN" "Deadlock")", "ERROR in MainThread", true},
      {R"(?"ERROR" "MainThread" ?"WARN" "Deadlock")", "WARN in MainThread", false},
      // Ours: terms before the first `?` are a group of their own.
      {"ERROR MainThread ?WARN", "WARN", true},
      {"ERROR MainThread ?WARN", "ERROR", false},
      // Ours: `\"` and `\\` are the escapes in a quoted phrase (the CDK's quoting).
      {R"("say \"hi\"")", R"(they say "hi")", true},
      {R"("C:\\temp")", R"(wrote C:\temp)", true},
      {R"("C:\temp")", R"(wrote C:\temp)", true},
      {"café", "un café noir", true},  // ours: multibyte letters need no quotes
      {"snake_case_42", "x snake_case_42 y", true},
  });
}

TEST(FilterPatternTest, EmptyAndBlankPatternsMatchEverything) {
  for (const std::string pattern : {"", "   ", R"("")", R"(" ")", " \" \" "}) {
    auto parsed = FilterPattern::Parse(pattern);
    ASSERT_TRUE(parsed.ok()) << pattern;
    EXPECT_TRUE(parsed->MatchesEverything()) << pattern;
    EXPECT_TRUE(parsed->Matches("")) << pattern;
    EXPECT_TRUE(parsed->Matches("no spaces")) << pattern;
  }
  for (const std::string pattern : {"ERROR", R"("x")", "{ $.a = 1 }", "[a]", "%x%", "-ERROR"}) {
    auto parsed = FilterPattern::Parse(pattern);
    ASSERT_TRUE(parsed.ok()) << pattern;
    EXPECT_FALSE(parsed->MatchesEverything()) << pattern;
  }
  EXPECT_TRUE(FilterPattern().MatchesEverything());
  EXPECT_TRUE(FilterPattern().Matches("anything"));
}

// Rows after AWS's "Supported regular expressions (regex) syntax" page.
TEST(FilterPatternTest, RegexTerms) {
  ExpectMatches({
      {"%AUTHORIZED%", "[ERROR 401] UNAUTHORIZED REQUEST", true},
      {"%AUTHORIZED%", "[SUCCESS 200] AUTHORIZED REQUEST", true},
      {"%AUTHORIZED%", "[SUCCESS 200] OK", false},
      {"%^[hc]at%", "hat stand", true},
      {"%^[hc]at%", "the cat", false},
      {"%[hc]at$%", "the cat", true},
      {"%[hc]at$%", "cat food", false},
      {"%colou?r%", "color", true},
      {"%colou?r%", "colour", true},
      {"%[abcx-z]%", "zzz", true},
      {"%[abcx-z]%", "mno", false},
      {"%a{3,5}%", "baaab", true},
      {"%a{3,5}%", "baab", false},
      {R"(%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%)", "from 10.0.12.1 denied", true},
      {R"(%\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}%)", "from host denied", false},
      {"%[Ee]rror|[Ff]ail%", "a Fail here", true},
      {"%[Ee]rror|[Ff]ail%", "all good", false},
      {R"(%\x28x\x29%)", "f(x)", true},  // AWS's advice for the parentheses it refuses
      {"%bind: address already in use%", "bind: address already in use", true},  // CDK example
      // Ours: a regex is a term like the others.
      {"ERROR %time[ds]? out%", "ERROR: timed out", true},
      {"ERROR %time[ds]? out%", "ERROR: refused", false},
      {"-%DEBUG|TRACE%", "TRACE enter", false},
      {"?%^WARN% ?%^ERROR%", "ERROR x", true},
  });
}

constexpr char kEvent[] = R"({
  "eventType": "UpdateTrail",
  "sourceIPAddress": "123.123.1.1",
  "user": {"id": 1, "email": "John.Doe@example.com", "active": true, "deleted": false,
           "manager": null},
  "users": [{"email": "a@example.com"}, {"email": "b@example.com", "id": 2}],
  "bandwidth": 80,
  "latency": 12.5,
  "code": "200",
  "tags": ["red", "blue"],
  "key with space": "v"
})";

// Rows after AWS's "Using filter patterns to match terms in JSON log events" unless marked ours.
TEST(FilterPatternTest, JsonStrings) {
  ExpectMatches({
      {R"({ $.eventType = "UpdateTrail" })", kEvent, true},
      {R"({$.eventType="UpdateTrail"})", kEvent, true},
      {R"({ $.eventType = UpdateTrail })", kEvent, true},
      {R"({ $.eventType = "updatetrail" })", kEvent, false},
      {R"({ $.eventType != "UpdateTrail" })", kEvent, false},
      {R"({ $.eventType != "DeleteTrail" })", kEvent, true},
      {R"({ $.eventType = "Update*" })", kEvent, true},
      {R"({ $.eventType = "*Trail" })", kEvent, true},
      {R"({ $.eventType = "U*T*l" })", kEvent, true},
      {R"({ $.eventType = "Update" })", kEvent, false},       // the whole value, not a substring
      {R"({ $.eventType = "Update?rail" })", kEvent, false},  // ours: `?` is no wildcard
      {R"({ $.s = "a*" })", R"({"s": "a*b"})", true},
      {R"({ $.eventType = * })", kEvent, true},
      {R"({ $.sourceIPAddress != 123.123.* })", kEvent, false},
      {R"({ $.sourceIPAddress = 123.123.* })", kEvent, true},
      {R"({ $.user.email = "John.Doe@example.com" })", kEvent, true},
      {R"({ $.users[1].email = "b@example.com" })", kEvent, true},
      {R"({ $.users[0].email = "b@example.com" })", kEvent, false},
      {R"({ $.tags[0] = "red" })", kEvent, true},
      {R"({ $.missing = "x" })", kEvent, false},
      {R"({ $.missing != "x" })", kEvent, false},  // ours: != needs the property
      {R"({ $.tags = "red" })", kEvent, false},    // ours: an array is no string
      {R"({ $.user = "*" })", kEvent, false},      // ours: nor is an object
      // Ours: a number compares with text by its JSON text; a string never with a number.
      {R"({ $.user.id = "1" })", kEvent, true},
      {R"({ $.bandwidth = 8* })", kEvent, true},
      {R"({ $.code = "200" })", kEvent, true},
      {R"({ $.code = 2* })", kEvent, true},
      {R"({ $.code = 200 })", kEvent, false},
      {R"({ $.code != 200 })", kEvent, false},
      // Ours: selectors with wildcards match when any value they reach does.
      {R"({ $.users[*].email = "b@example.com" })", kEvent, true},
      {R"({ $.tags[*] = "blue" })", kEvent, true},
      {R"({ $.tags[*] = "green" })", kEvent, false},
      {R"({ $.user.* = "John.Doe@example.com" })", kEvent, true},
      {R"({ $['key with space'] = "v" })", kEvent, true},
      // Regex values (the CDK's regexValue).
      {R"({ $.eventType = %Update[A-Z]% })", kEvent, true},
      {R"({ $.eventType != %^Delete% })", kEvent, true},
      {R"({ $.eventType = %^Delete% })", kEvent, false},
  });
}

TEST(FilterPatternTest, JsonNumbersAndKeywords) {
  ExpectMatches({
      {R"({ $.bandwidth > 75 })", kEvent, true},
      {R"({ $.bandwidth < 75 })", kEvent, false},
      {R"({ $.bandwidth >= 80 })", kEvent, true},
      {R"({ $.bandwidth <= 79 })", kEvent, false},
      {R"({ $.bandwidth = 80 })", kEvent, true},
      {R"({ $.bandwidth = 80.0 })", kEvent, true},
      {R"({ $.bandwidth = 8e1 })", kEvent, true},
      {R"({ $.bandwidth != 80 })", kEvent, false},
      {R"({ $.latency < 50 })", kEvent, true},
      {R"({ $.latency = 12.5 })", kEvent, true},
      {R"({ $.latency > -1 })", kEvent, true},
      {R"({ $.user.id = 1 })", kEvent, true},
      {R"({ $.user.id = 2 })", kEvent, false},
      {R"({ $.user.id != 2 })", kEvent, true},
      {R"({ $.users[1].id >= 2 })", kEvent, true},
      {R"({ $.eventType > 1 })", kEvent, false},  // a string never compares with a number
      {R"({ $.user.active IS TRUE })", kEvent, true},
      {R"({ $.user.active IS FALSE })", kEvent, false},
      {R"({ $.user.deleted IS FALSE })", kEvent, true},
      {R"({ $.user.deleted IS TRUE })", kEvent, false},
      {R"({ $.code IS TRUE })", kEvent, false},
      {R"({ $.user.manager IS NULL })", kEvent, true},
      {R"({ $.user.email IS NULL })", kEvent, false},
      {R"({ $.user.missing IS NULL })", kEvent, false},
      {R"({ $.user.missing NOT EXISTS })", kEvent, true},
      {R"({ $.users[0].id NOT EXISTS })", kEvent, true},
      {R"({ $.users[9].email NOT EXISTS })", kEvent, true},
      {R"({ $.user.email NOT EXISTS })", kEvent, false},
      {R"({ $.user.manager NOT EXISTS })", kEvent, false},
      {R"({ $.user.active is true })", kEvent, true},  // ours: keywords in any case
  });
}

TEST(FilterPatternTest, JsonAndOrParentheses) {
  ExpectMatches({
      {R"({ $.user.id = 1 && $.users[0].email = "a@example.com" })", kEvent, true},
      {R"({ $.user.id = 1 && $.users[0].email = "b@example.com" })", kEvent, false},
      {R"({ $.user.id = 2 || $.bandwidth > 75 })", kEvent, true},
      {R"({ $.user.id = 2 || $.bandwidth > 100 })", kEvent, false},
      {R"({ ($.user.id = 2 && $.users[0].email = "a@example.com") || $.eventType = "UpdateTrail" })",
       kEvent, true},
      {R"({ $.user.id = 2 && ($.users[0].email = "a@example.com" || $.eventType = "UpdateTrail") })",
       kEvent, false},
      // && binds tighter than || (read left to right, this one would not match).
      {R"({ $.user.id = 1 || $.bandwidth > 100 && $.latency > 100 })", kEvent, true},
      {R"({ (($.user.id = 1)) })", kEvent, true},
      {R"({$.user.id=1&&$.bandwidth>75})", kEvent, true},
  });
}

// Only a message that is a JSON object can match a JSON pattern.
TEST(FilterPatternTest, JsonMessages) {
  const std::string deep = std::string(100, '[') + std::string(100, ']');
  ExpectMatches({
      {R"({ $.a = 1 })", R"({"a": 1})", true},
      {R"({ $.a = 1 })", " \t{\"a\": 1}\n", true},
      {R"({ $.a = 1 })", "a = 1", false},
      {R"({ $.a = 1 })", R"([{"a": 1}])", false},
      {R"({ $.a = 1 })", R"({"a": 1)", false},
      {R"({ $.a = 1 })", R"({"a": 1} trailing)", false},
      {R"({ $.a NOT EXISTS })", "not json", false},
      {R"({ $.a NOT EXISTS })", "", false},
      // Ours: a Lambda line's prefix makes the message no JSON object.
      {R"({ $.a = 1 })", "2024-01-01T00:00:00Z 1f2e INFO {\"a\": 1}", false},
      // Nesting deeper than Boost.JSON's default of 32 still parses.
      {R"({ $.b = 2 })", R"({"a": )" + deep + R"(, "b": 2})", true},
      // Bigger than the stack buffer.
      {R"({ $.big = "x*" })", R"({"big": ")" + std::string(20000, 'x') + R"("})", true},
  });
}

constexpr char kAccessLine[] =
    R"(127.0.0.1 - frank [10/Oct/2000:13:25:15 -0700] "GET /apache_pb.gif HTTP/1.0" 200 1534)";

// Rows after AWS's "Using filter patterns to match terms in space-delimited log events" unless
// marked ours.
TEST(FilterPatternTest, SpaceDelimited) {
  ExpectMatches({
      {"[ip, user, username, timestamp, request, status_code, bytes]", kAccessLine, true},
      {"[ip, user, username, timestamp, request, status_code]", kAccessLine, false},
      {"[ip, user, username, timestamp, request, status_code, bytes, extra]", kAccessLine, false},
      {"[ip, user, username, timestamp, request, status_code = 200, bytes]", kAccessLine, true},
      {"[ip, user, username, timestamp, request, status_code = 404, bytes]", kAccessLine, false},
      {"[ip, user, username, timestamp, request, status_code = 2*, bytes]", kAccessLine, true},
      {"[ip, user, username, timestamp, request, status_code != 200, bytes]", kAccessLine, false},
      {"[ip, user, username, timestamp, request =*gif*, status_code, bytes]", kAccessLine, true},
      {R"([ip, user, username, timestamp, request = "GET *", status_code, bytes])", kAccessLine,
       true},
      {"[ip, user, username, timestamp = 10/Oct/2000*, request, status_code, bytes]", kAccessLine,
       true},
      {"[ip, user, username = frank, ...]", kAccessLine, true},
      {"[ip = 127.0.0.1, ...]", kAccessLine, true},
      {"[ip != 10.*, ...]", kAccessLine, true},
      {"[..., status_code, bytes]", kAccessLine, true},
      {"[ip, ..., status_code = 200, bytes > 1000]", kAccessLine, true},
      {"[ip, ..., status_code = 200, bytes < 1000]", kAccessLine, false},
      {"[...]", kAccessLine, true},
      {"[ip, user, username, timestamp, request, status_code, bytes, ...]", kAccessLine, true},
      {"[..., status_code = 4* || status_code = 2*, bytes]", kAccessLine, true},
      {"[..., status_code = 4* || status_code = 5*, bytes]", kAccessLine, false},
      {"[..., status_code >= 200 && status_code < 300, bytes]", kAccessLine, true},
      {"[..., status_code = %^2[0-9]{2}$%, bytes]", kAccessLine, true},
      // Ours: a condition may test a field named before it; unnamed fields are empty entries.
      {"[ip, user, username, ..., status_code = 200 && username = frank, bytes]", kAccessLine,
       true},
      {"[, , username = frank, ...]", kAccessLine, true},
      // A number condition on a field that is not a number matches neither way.
      {"[a, b, c, d > 5]", "x y z -", false},
      {"[a, b, c, d != 5]", "x y z -", false},
      {"[a, b, c, d != 5]", "x y z 6", true},
      // Tabs and newlines separate fields too (Lambda's REPORT lines).
      {R"([type = REPORT, label = "RequestId:", id, ..., unit = ms])",
       "REPORT RequestId: 8f5\tDuration: 1.5 ms\tBilled Duration: 2 ms\n", true},
      {"[a, b = \"c d\"]", "x \"c d", true},  // an unclosed quote runs to the end
      {"[a]", "", false},
      {"[...]", "", true},
  });
}

// Errors AWS has been seen to return (InvalidParameterException messages).
TEST(FilterPatternTest, ParseErrorsRecordedFromAws) {
  ExpectErrors({
      {"ERROR:", "Invalid character(s) in term 'ERROR:'"},
      {"request-id", "Invalid character(s) in term 'request-id'"},
      {"ERROR [SUCCESS]", "Invalid character(s) in term '[SUCCESS]'"},
      {"%f(x)%", "Invalid character(s) in term '%f(x)%'"},
      {"%a!%", "Invalid character(s) in term '%a!%'"},
  });
}

// Errors whose text is ours ("Invalid filter pattern: " and a reason): AWS's text for these is
// not known.
TEST(FilterPatternTest, ParseErrorsOurs) {
  ExpectErrors({
      {R"("unterminated)", R"(Invalid filter pattern: unterminated quoted string "unterminated)"},
      {R"("ab"cd)", R"(Invalid character(s) in term '"ab"cd')"},
      {"?", "Invalid filter pattern: '?' must be followed by a term"},
      {"ERROR -", "Invalid filter pattern: '-' must be followed by a term"},
      {"%%", "Invalid filter pattern: empty regular expression %%"},
      {"%abc", "Invalid filter pattern: unterminated regular expression %abc"},
      {"%a% %b% %c%", "Invalid filter pattern: at most 2 regular expressions are allowed"},
      {"%a{2,1}%",
       "Invalid filter pattern: regular expression '%a{2,1}%': numbers out of order in {} "
       "quantifier"},
      {"{ }", "Invalid filter pattern: expected a property selector starting with '$' at }"},
      {R"({ eventType = "x" })",
       R"(Invalid filter pattern: expected a property selector starting with '$' at eventType = "x" })"},
      {"{ $.a = 1", "Invalid filter pattern: expected '&&', '||' or '}' at end of pattern"},
      {"{ $.a = 1 } x", "Invalid filter pattern: unexpected text after '}': x"},
      {"{ $.a }", "Invalid filter pattern: expected a comparison operator at }"},
      {"{ $.a = }", "Invalid filter pattern: expected a value at }"},
      {R"({ $.a > "5" })", "Invalid filter pattern: '<', '<=', '>' and '>=' compare with a number"},
      {"{ $.a > abc }", "Invalid filter pattern: '<', '<=', '>' and '>=' compare with a number"},
      {"{ $.a IS MAYBE }", "Invalid filter pattern: expected TRUE, FALSE or NULL after IS at  }"},
      {"{ $.a NOT THERE }", "Invalid filter pattern: expected EXISTS after NOT at  }"},
      {"{ $.a LIKE 1 }", "Invalid filter pattern: unexpected 'LIKE' in a condition"},
      {"{ $ = 1 }", "Invalid filter pattern: expected '.' or '[' after '$' at  = 1 }"},
      {"{ $. = 1 }", "Invalid filter pattern: expected a property name at  = 1 }"},
      {"{ $[x] = 1 }", "Invalid filter pattern: expected an array index, '*' or ']' at x] = 1 }"},
      {"{ $['a = 1 }", "Invalid filter pattern: unterminated ['...'] in a selector"},
      {"{ ($.a = 1 }", "Invalid filter pattern: expected ')' at }"},
      {"{ $.a = 1 && }",
       "Invalid filter pattern: expected a property selector starting with '$' at }"},
      {"{ $.a = %x% || $.b = %y% || $.c = %z% }",
       "Invalid filter pattern: at most 2 regular expressions are allowed"},
      {"[a, a]", "Invalid filter pattern: field 'a' is named twice"},
      {"[a, ..., b, ...]",
       "Invalid filter pattern: only one '...' is allowed in a space-delimited pattern"},
      {"[a b]", "Invalid filter pattern: expected a comparison operator at b]"},
      {"[a, b = 1 || c = 2, c]",
       "Invalid filter pattern: condition on 'c', which no field before it names"},
      {"[a,", "Invalid filter pattern: expected a field name at end of pattern"},
      {"[a] x", "Invalid filter pattern: unexpected text after ']': x"},
      {"[a > x]", "Invalid filter pattern: '<', '<=', '>' and '>=' compare with a number"},
      {"[a = ]", "Invalid filter pattern: expected a value at ]"},
  });
}

// Matching shares nothing mutable between threads (regex match data and the field vector are
// per thread).
TEST(FilterPatternTest, MatchesFromManyThreads) {
  auto regex = FilterPattern::Parse("%^a+b$%");
  auto delimited = FilterPattern::Parse("[x = 1*, ..., y > 5]");
  ASSERT_TRUE(regex.ok() && delimited.ok());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&regex, &delimited, t] {
      for (int i = 0; i < 2000; ++i) {
        const bool even = (i + t) % 2 == 0;
        EXPECT_EQ(regex->Matches(even ? "aaab" : "aaac"), even);
        EXPECT_EQ(delimited->Matches(even ? "12 a b 9" : "12 a b 3"), even);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
}

}  // namespace
}  // namespace serval::logs
