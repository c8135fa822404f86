#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <random>
#include <string>

#include "gtest/gtest.h"
#include "services/apigateway/vtl/jsonpath.h"
#include "services/apigateway/vtl/template.h"
#include "services/apigateway/vtl/test_render.h"
#include "services/apigateway/vtl/util_object.h"
#include "services/apigateway/vtl/value.h"

namespace serval::apigateway::vtl {
namespace {

namespace json = boost::json;

std::string Velocity(std::string_view source, std::string_view variables_json = "{}") {
  json::object variables = json::parse(variables_json).as_object();
  absl::StatusOr<std::string> out = RenderVelocity(source, variables);
  if (!out.ok()) return "ERROR: " + std::string(out.status().message());
  return *out;
}

absl::StatusOr<Rendered> Apply(std::string_view source, const Bindings& bindings) {
  absl::StatusOr<Template> parsed = Template::Parse(source);
  if (!parsed.ok()) return parsed.status();
  return parsed->Render(bindings);
}

std::string ApplyText(std::string_view source, const Bindings& bindings) {
  absl::StatusOr<Rendered> out = Apply(source, bindings);
  if (!out.ok()) return "ERROR: " + std::string(out.status().message());
  return out->text;
}

std::string ApplyBody(std::string_view source, std::string_view body) {
  Bindings bindings;
  bindings.body = body;
  return ApplyText(source, bindings);
}

// ---- Parsing

TEST(VtlParseTest, ErrorsNameLineAndColumn) {
  absl::StatusOr<Template> t = Template::Parse("line one\n  #if($a\nx");
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(t.status().message().find("at 3:1"), std::string_view::npos) << t.status();

  t = Template::Parse("ok\n#foreach($i in [1, 2])\n$i\n");
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("at 2:1: #foreach without #end"), std::string_view::npos)
      << t.status();
  EXPECT_NE(Template::Parse("#end").status().message().find("1:1"), std::string_view::npos);
  EXPECT_FALSE(Template::Parse("#set($a = )").ok());
  EXPECT_FALSE(Template::Parse("#set($a.b() = 1)").ok());
  EXPECT_FALSE(Template::Parse("#if(true)#else#else#end").ok());
  EXPECT_FALSE(Template::Parse("#set($a = 'open)").ok());
  EXPECT_FALSE(Template::Parse("#* never closed").ok());
  EXPECT_FALSE(Template::Parse("#[[ never closed").ok());
  EXPECT_FALSE(Template::Parse("${a").ok());
  EXPECT_FALSE(Template::Parse("#set($a = 99999999999999999999)").ok());
}

TEST(VtlParseTest, UnsupportedDirectivesAreErrors) {
  for (const char* source :
       {"#macro(m)x#end", "#parse('x.vm')", "#include('x')", "#evaluate('$x')"}) {
    absl::StatusOr<Template> t = Template::Parse(source);
    ASSERT_FALSE(t.ok()) << source;
    EXPECT_NE(t.status().message().find("not supported"), std::string_view::npos);
  }
}

TEST(VtlParseTest, NestingIsBounded) {
  std::string deep(200, '(');
  EXPECT_FALSE(Template::Parse("#set($a = " + deep + "1" + std::string(200, ')') + ")").ok());
  std::string ifs;
  for (int i = 0; i < 100; ++i) ifs += "#if(true)";
  for (int i = 0; i < 100; ++i) ifs += "#end";
  absl::StatusOr<Template> t = Template::Parse(ifs);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("nesting"), std::string_view::npos);
}

// ---- Directives and references (generic Velocity)

TEST(VtlDirectiveTest, SetAndReferences) {
  EXPECT_EQ(Velocity("#set($a = 1)$a ${a} $!a"), "1 1 1");
  EXPECT_EQ(Velocity("$nope $!nope ${nope.x} $!{nope}"), "$nope  ${nope.x} ");
  EXPECT_EQ(Velocity("#set ($a = 'x')$a"), "x");
  EXPECT_EQ(Velocity("#set($m = {})#set($m.a.b = 2)$m"), "{a={b=2}}");
  EXPECT_EQ(Velocity("#set($l = [1, 2])#set($l[1] = 5)$l"), "[1, 5]");
  EXPECT_EQ(Velocity("#set($a = 1)#set($a = $nope)$a"), "1");
  EXPECT_EQ(Velocity("$a.b['c'] $a.l[1] $a.l[9]", R"({"a":{"b":{"c":"C"},"l":[1,2]}})"),
            "C 2 $a.l[9]");
}

TEST(VtlDirectiveTest, IfElseIfElse) {
  const char* source = "#if($x > 2)big#elseif($x == 2)two#{else}small#end";
  EXPECT_EQ(Velocity(source, R"({"x":3})"), "big");
  EXPECT_EQ(Velocity(source, R"({"x":2})"), "two");
  EXPECT_EQ(Velocity(source, R"({"x":1})"), "small");
  // Velocity 1.7: only null and false are false.
  EXPECT_EQ(Velocity("#if($e)t#end#if($z)t#end#if($n)t#end#if($f)t#end",
                     R"({"e":"","z":0,"n":null,"f":false})"),
            "tt");
}

TEST(VtlDirectiveTest, Foreach) {
  EXPECT_EQ(Velocity("#foreach($i in [1..3])$i:$foreach.index:$foreach.count:$velocityCount"
                     "#if($foreach.hasNext),#end#end"),
            "1:0:1:1,2:1:2:2,3:2:3:3");
  EXPECT_EQ(Velocity("#foreach($v in $m)$v#end", R"({"m":{"a":1,"b":2}})"), "12");
  EXPECT_EQ(Velocity("#foreach($k in $m.keySet())$k=$m.get($k);#end", R"({"m":{"a":1,"b":2}})"),
            "a=1;b=2;");
  EXPECT_EQ(
      Velocity("#foreach($e in $m.entrySet())$e.key/$e.getValue() #end", R"({"m":{"a":1,"b":2}})"),
      "a/1 b/2 ");
  EXPECT_EQ(Velocity("#foreach($i in [1..5])#if($i == 3)#break#end$i#end"), "12");
  EXPECT_EQ(Velocity("#foreach($i in [3..1])$i#end"), "321");
  EXPECT_EQ(Velocity("#set($i = 'kept')#foreach($i in [1])#end$i"), "kept");
  EXPECT_EQ(Velocity("#foreach($a in [1,2])#foreach($b in [1,2])$foreach.parent.count$b "
                     "#end#end"),
            "11 12 21 22 ");
  EXPECT_EQ(Velocity("#foreach($x in 'text')x#end#foreach($x in $nope)x#end"), "");
}

TEST(VtlDirectiveTest, StopDefineCommentsAndRaw) {
  EXPECT_EQ(Velocity("a#stop b"), "a");
  EXPECT_EQ(Velocity("#define($d)D$x#end$d #set($x = 2)$d", R"({"x":1})"), "D1 D2");
  EXPECT_EQ(Velocity("a## comment\nb#* block\n *#c#[[ $raw #if ]]#"), "abc $raw #if ");
  EXPECT_EQ(Velocity("#{if}(true)yes#{else}no#{end}"), "yes");
  EXPECT_EQ(Velocity("a#b #notadirective $ $! 1#"), "a#b #notadirective $ $! 1#");
}

TEST(VtlDirectiveTest, Escapes) {
  EXPECT_EQ(Velocity("\\$x \\\\$x \\\\\\$x", R"({"x":1})"), "$x \\1 \\$x");
  EXPECT_EQ(Velocity("\\$nope \\\\$nope"), "\\$nope \\\\$nope");
  EXPECT_EQ(Velocity("\\#if(true)x\\#end"), "#if(true)x#end");
  EXPECT_EQ(Velocity("a\\b"), "a\\b");
}

TEST(VtlDirectiveTest, WhitespaceGobbling) {
  EXPECT_EQ(Velocity("  #set($a = 1)  \nA$a\n"), "A1\n");
  EXPECT_EQ(Velocity("#if(true)\n  in\n#end\nB"), "  in\nB");
  EXPECT_EQ(Velocity("  #if(true)\nin\n  #end\nB"), "  in\n  B");
  EXPECT_EQ(Velocity("x #set($a = 1) y"), "x  y");
  EXPECT_EQ(Velocity("#set($a = 1)\r\nA"), "A");
}

// ---- Expressions

TEST(VtlExpressionTest, Arithmetic) {
  EXPECT_EQ(Velocity("#set($a = 7 / 2)$a #set($b = 7 % 3)$b #set($c = 7.0 / 2)$c"), "3 1 3.5");
  EXPECT_EQ(Velocity("#set($a = 1 + 2 * 3 - 4 / 2)$a #set($b = (1 + 2) * 3)$b"), "5 9");
  EXPECT_EQ(Velocity("#set($a = -$x)$a #set($b = 1.5 * 2)$b", R"({"x":4})"), "-4 3.0");
  EXPECT_EQ(Velocity("#set($a = 'n' + 1 + 2)$a #set($b = 1 + 2 + 'n')$b"), "n12 3n");
  EXPECT_EQ(Velocity("#set($a = 1 / 0)$a #set($b = $nope + 1)$b"), "$a $b");
  EXPECT_EQ(Velocity("#set($a = 9223372036854775807 + 1)$a"), "9.223372036854776E18");
}

TEST(VtlExpressionTest, ComparisonAndLogic) {
  EXPECT_EQ(Velocity("#if(1 == 1.0 && '1' == 1 && 2 >= 2 && 1 < 2 && !(1 > 2))ok#end"), "ok");
  EXPECT_EQ(Velocity("#if(1 eq 1 and 2 ne 3 and 1 lt 2 and 2 le 2 and 3 gt 2 and 3 ge 3)ok#end"),
            "ok");
  EXPECT_EQ(Velocity("#if(not false or $nope.x())ok#end"), "ok");
  EXPECT_EQ(Velocity("#if('a' < 'b')lt#{else}no#end"), "no");
  EXPECT_EQ(Velocity("#if($nope == $nope2)eq#end"), "eq");
}

TEST(VtlExpressionTest, Literals) {
  EXPECT_EQ(Velocity("#set($s = 'a$x')$s #set($t = \"b$x\")$t", R"({"x":1})"), "a$x b1");
  EXPECT_EQ(Velocity("#set($s = 'it''s')$s #set($t = \"say \"\"hi\"\"\")$t"), "it's say \"hi\"");
  EXPECT_EQ(Velocity("#set($l = [1, 'a', true, 2.5, [3], {'k': null}])$l"),
            "[1, a, true, 2.5, [3], {k=null}]");
  EXPECT_EQ(Velocity("#set($m = {'a': 1, \"b$x\": 2})$m", R"({"x":"X"})"), "{a=1, bX=2}");
}

TEST(VtlValueTest, JavaNumberFormatting) {
  EXPECT_EQ(JavaDouble(1.0), "1.0");
  EXPECT_EQ(JavaDouble(0.1), "0.1");
  EXPECT_EQ(JavaDouble(-2.5), "-2.5");
  EXPECT_EQ(JavaDouble(1234567.0), "1234567.0");
  EXPECT_EQ(JavaDouble(12345678.0), "1.2345678E7");
  EXPECT_EQ(JavaDouble(0.001), "0.001");
  EXPECT_EQ(JavaDouble(0.0001), "1.0E-4");
  EXPECT_EQ(JavaDouble(1e21), "1.0E21");
}

// ---- Methods

TEST(VtlMethodTest, Strings) {
  const char* vars = R"({"s":"  Hello World  ","e":"h\u00e9llo"})";
  EXPECT_EQ(Velocity("$s.trim().toLowerCase() $s.trim().toUpperCase() $s.length()", vars),
            "hello world HELLO WORLD 15");
  EXPECT_EQ(Velocity("$s.contains('World') $s.trim().startsWith('He') $s.endsWith('x')", vars),
            "true true false");
  EXPECT_EQ(
      Velocity("$s.indexOf('o') $s.lastIndexOf('o') $s.indexOf('o', 7) $s.indexOf('z')", vars),
      "6 9 9 -1");
  EXPECT_EQ(Velocity("$s.trim().substring(6) $s.trim().substring(0, 5) $e.length() "
                     "$e.substring(1, 2) $e.charAt(1)",
                     vars),
            "World Hello 5 \u00e9 \u00e9");
  EXPECT_EQ(Velocity("$s.trim().replace('o', '0') $s.trim().replaceAll('[aeiou]', '*') "
                     "$s.trim().replaceFirst('(\\w+) (\\w+)', '$2 $1')",
                     vars),
            "Hell0 W0rld H*ll* W*rld World Hello");
  EXPECT_EQ(Velocity("$s.trim().split(' ') $s.trim().split(' ').size() "
                     "#set($p = 'a,b,,c,,')$p.split(',').size()",
                     vars),
            "[Hello, World] 2 4");
  EXPECT_EQ(Velocity("$s.trim().matches('H.*d') $s.matches('H.*d') 'x'.equals('x') "
                     "#set($t = 'ABC')$t.equalsIgnoreCase('abc') $t.isEmpty() $t.empty",
                     vars),
            "true false 'x'.equals('x') true false false");
  EXPECT_EQ(Velocity("$s.substring(99)", vars).substr(0, 6), "ERROR:");
  EXPECT_EQ(Velocity("$s.replaceAll('(', 'x')", vars).substr(0, 6), "ERROR:");
  EXPECT_EQ(Velocity("$s.noSuchMethod() $s.contains(1)", vars), "$s.noSuchMethod() $s.contains(1)");
}

TEST(VtlMethodTest, ListsAndMaps) {
  EXPECT_EQ(Velocity("#set($l = [])$l.add(1) $l.isEmpty() #set($d = $l.add('b'))$l $l.size() "
                     "$l.get(1) $l.contains(1) $l.indexOf('b')"),
            "true false [1, b] 2 b true 1");
  EXPECT_EQ(Velocity("#set($l = [1, 2, 3])$l.remove(0) $l #set($d = $l.set(0, 9))$l "
                     "$l.subList(1, 2)"),
            "1 [2, 3] [9, 3] [3]");
  EXPECT_EQ(Velocity("$l.get(5)", R"({"l":[1]})").substr(0, 6), "ERROR:");
  EXPECT_EQ(Velocity("#set($m = {'a': 1})$m.put('b', 2) $m.put('a', 3) $m $m.keySet() "
                     "$m.values() $m.containsKey('a') $m.size() $m.remove('a') $m $m.isEmpty()"),
            "$m.put('b', 2) 1 {a=3, b=2} [a, b] [3, 2] true 2 3 {b=2} false");
  EXPECT_EQ(
      Velocity("$m.getName() $m.isReady() $m.get('name')", R"({"m":{"name":"N","ready":true}})"),
      "N true N");
  EXPECT_EQ(
      Velocity("$n.intValue() $d.intValue() $n.doubleValue() $n.toString()", R"({"n":3,"d":2.7})"),
      "3 2 3.0 3");
}

// ---- API Gateway: $input, $util, $context, $stageVariables

TEST(VtlApiGatewayTest, SeedRequestTemplate) {
  Bindings bindings;
  bindings.querystring = {{"status", "404"}};
  EXPECT_EQ(ApplyText("{\"failureStatus\" : $input.params('status')\n}", bindings),
            "{\"failureStatus\" : 404\n}");
}

constexpr std::string_view kLambdaError =
    R"({"errorMessage":"{\"errorType\":\"NotFound\",\"httpStatus\":404,\"requestId\":\"abc\",\"message\":\"no such thing\"}","errorType":"Error"})";

TEST(VtlApiGatewayTest, SeedResponseTemplate) {
  const char* source =
      "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n"
      "#set ($bodyObj = $util.parseJson($input.body))\n"
      "{\n"
      "  \"type\" : \"$errorMessageObj.errorType\",\n"
      "  \"message\" : \"$errorMessageObj.message\",\n"
      "  \"request-id\" : \"$errorMessageObj.requestId\"\n"
      "}";
  EXPECT_EQ(ApplyBody(source, kLambdaError),
            "{\n"
            "  \"type\" : \"NotFound\",\n"
            "  \"message\" : \"no such thing\",\n"
            "  \"request-id\" : \"abc\"\n"
            "}");
}

TEST(VtlApiGatewayTest, SeedSurvivalTemplateRendersIntegers) {
  const char* source =
      "#set ($errorMessageObj = $util.parseJson($input.path('$.errorMessage')))\n"
      "{\n"
      "  \"code\" : $errorMessageObj.httpStatus,\n"
      "  \"message\" : \"$errorMessageObj.message\"\n"
      "}";
  std::string body =
      R"({"errorMessage":"{\"httpStatus\":400,\"message\":\"bad\"}","errorType":"Error"})";
  EXPECT_EQ(ApplyBody(source, body), "{\n  \"code\" : 400,\n  \"message\" : \"bad\"\n}");
}

TEST(VtlApiGatewayTest, InputBodyPathAndJson) {
  const char* body = R"({"a":1,"s":"x","b":[{"c":5}],"n":null,"d":1.0})";
  EXPECT_EQ(ApplyBody("$input.body", ""), "{}");
  EXPECT_EQ(ApplyBody("$input.body", body), body);
  EXPECT_EQ(ApplyBody("$input.json('$.s') $input.json('$.a') $input.json('$.b') "
                      "$input.json('$.missing') $input.json('$.d')",
                      body),
            R"("x" 1 [{"c":5}] "" 1.0)");
  EXPECT_EQ(ApplyBody("$input.json('$')", body), body);
  EXPECT_EQ(ApplyBody("$input.path('$')", body), R"({a=1, s=x, b=[{"c":5}], n=null, d=1.0})");
  EXPECT_EQ(ApplyBody("$input.path('$.b') $input.path('$.b').size() $input.path('$.b')[0].c "
                      "$input.path('$.b').get(0).get('c') [$input.path('$.missing')]",
                      body),
            R"([{"c":5}] 1 5 5 [])");
  EXPECT_EQ(ApplyBody("#foreach($item in $input.path('$.b'))$item.c#end", body), "5");
  EXPECT_EQ(ApplyBody("[$input.path('$.x')] $input.json('$.x')", "not json"), "[] \"\"");
  EXPECT_EQ(ApplyBody("$input.path('bad')", body).substr(0, 6), "ERROR:");
}

TEST(VtlApiGatewayTest, InputParams) {
  Bindings bindings;
  bindings.path_params = {{"id", "p"}};
  bindings.querystring = {{"id", "q"}, {"q", "1"}};
  bindings.headers = {{"X-Trace", "h"}, {"id", "hid"}};
  EXPECT_EQ(ApplyText("$input.params('id') $input.params('q') $input.params('x-trace') "
                      "[$input.params('none')]",
                      bindings),
            "p 1 h []");
  EXPECT_EQ(ApplyText("$input.params().header.get('X-Trace') $input.params().path.id "
                      "$input.params().querystring",
                      bindings),
            "h p {id=q, q=1}");
  EXPECT_EQ(ApplyText("#foreach($name in $input.params().header.keySet())$name;#end", bindings),
            "X-Trace;id;");
}

TEST(VtlApiGatewayTest, Util) {
  Bindings bindings;
  EXPECT_EQ(ApplyText("$util.escapeJavaScript(\"it's \"\"q\"\" a/b\\n\")", bindings),
            "it\\'s \\\"q\\\" a\\/b\\\\n");
  EXPECT_EQ(EscapeJavaScript("l1\nl2\t\u00e9\x01"), "l1\\nl2\\t\\u00E9\\u0001");
  EXPECT_EQ(ApplyText("$util.urlEncode('a b&c=d/~*') $util.urlDecode('a+b%26c')", bindings),
            "a+b%26c%3Dd%2F%7E* a b&c");
  EXPECT_EQ(ApplyText("$util.base64Encode('hello') $util.base64Decode('aGVsbG8=')", bindings),
            "aGVsbG8= hello");
  EXPECT_EQ(ApplyText("#set($o = $util.parseJson('{\"a\":[1,2]}'))$o.a.size() $o.a", bindings),
            "2 [1,2]");
  absl::StatusOr<Rendered> bad = Apply("$util.parseJson('{nope')", bindings);
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(Apply("$util.base64Decode('!!!')", bindings).ok());
}

TEST(VtlApiGatewayTest, ContextStageVariablesAndOverrides) {
  Bindings bindings;
  bindings.context = json::parse(R"({"requestId":"r-1","stage":"prod",
      "identity":{"sourceIp":"1.2.3.4"},"authorizer":{"principalId":"me"}})")
                         .as_object();
  bindings.stage_variables = {{"table", "T"}, {"my-var", "M"}};
  absl::StatusOr<Rendered> out = Apply(
      "$context.requestId $context.stage $context.identity.sourceIp "
      "$context.authorizer.principalId $stageVariables.table $stageVariables['my-var'] "
      "[$context.nope] [$stageVariables.nope]\n"
      "#set($context.responseOverride.status = 400)\n"
      "#set($context.responseOverride.header.X-Error = 'yes')\n"
      "#set($context.requestOverride.querystring.q = \"v\")\n",
      bindings);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(out->text, "r-1 prod 1.2.3.4 me T M [] []\n");
  EXPECT_EQ(json::serialize(out->context.at("responseOverride")),
            R"({"status":400,"header":{"X-Error":"yes"}})");
  EXPECT_EQ(json::serialize(out->context.at("requestOverride")), R"({"querystring":{"q":"v"}})");
  EXPECT_EQ(out->context.at("requestId"), "r-1");
}

TEST(VtlApiGatewayTest, RenderIsConstAndRepeatable) {
  absl::StatusOr<Template> t = Template::Parse("#set($l = [])#set($d = $l.add(1))$l.size()");
  ASSERT_TRUE(t.ok());
  Template copy = *t;
  Bindings bindings;
  EXPECT_EQ(t->Render(bindings)->text, "1");
  EXPECT_EQ(copy.Render(bindings)->text, "1");
}

TEST(VtlJsonPathTest, Subset) {
  json::value doc = json::parse(R"({"a":{"b":[1,2,3],"n-x":{"name":"deep"}},"name":"top"})");
  auto eval = [&](std::string_view path) {
    absl::StatusOr<json::value> v = EvaluateJsonPath(doc, path);
    return v.ok() ? json::serialize(*v) : "ERROR";
  };
  EXPECT_EQ(eval("$.a.b[0]"), "1");
  EXPECT_EQ(eval("$['a']['n-x'].name"), "\"deep\"");
  EXPECT_EQ(eval("$.a.b[-1]"), "3");
  EXPECT_EQ(eval("$.a.b[*]"), "[1,2,3]");
  EXPECT_EQ(eval("$.a.b[1:]"), "[2,3]");
  EXPECT_EQ(eval("$.a.b[-2:]"), "[2,3]");
  EXPECT_EQ(eval("$.a.b[:1]"), "[1]");
  EXPECT_EQ(eval("$..name"), "[\"top\",\"deep\"]");
  EXPECT_EQ(eval("$.a.*"), "[[1,2,3],{\"name\":\"deep\"}]");
  EXPECT_EQ(eval("$.missing.x"), "null");
  EXPECT_EQ(eval("a.b"), "ERROR");
  EXPECT_EQ(eval("$.a["), "ERROR");
}

// ---- Limits and robustness

TEST(VtlLimitsTest, LoopsOutputStepsAndDepth) {
  json::object variables;
  Limits limits;
  limits.max_loop_iterations = 10;
  EXPECT_TRUE(RenderVelocity("#foreach($i in [1..10])x#end", variables, limits).ok());
  absl::StatusOr<std::string> out =
      RenderVelocity("#foreach($i in [1..11])x#end", variables, limits);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);

  limits = Limits();
  limits.max_output_bytes = 100;
  out = RenderVelocity("#foreach($i in [1..101])x#end", variables, limits);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  out = RenderVelocity("#set($s = 'xxxxxxxxxx')#foreach($i in [1..20])#set($s = \"$s$s\")#end",
                       variables, limits);
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);

  // Nested loops within the per-loop cap still run out of steps.
  out = RenderVelocity(
      "#foreach($a in [1..1000])#foreach($b in [1..1000])#foreach($c in [1..1000])#end#end#end");
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  out = RenderVelocity("#set($r = [1..999999999999])");
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  out = RenderVelocity("#define($d)$d#end$d");
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
  out = RenderVelocity(
      "#set($s = 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!')"
      "$s.matches('(a|aa)+$')");
  EXPECT_EQ(out.status().code(), absl::StatusCode::kResourceExhausted);
}

// Random and mutated templates must parse or fail cleanly, and render or fail cleanly.
TEST(VtlRobustnessTest, GarbageNeverCrashes) {
  const std::string alphabet = "$#!{}()[]'\".,:=<>+-*/%\\ \nabcxy019*#[[]]#ifsetendforeachin";
  const std::vector<std::string> seeds = {
      "#foreach($i in [1..3])#if($i > 1)$i#else x#end#end",
      "#set($m = {'a': [1, 2]})$m.a.get(0)${m.a}$!m.b",
      "#define($d)$d.length()#end$d\"$d\"",
      "$input.path('$..x')$util.parseJson($input.body).a[0]",
  };
  std::mt19937 random(12345);
  Bindings bindings;
  bindings.body = R"({"x":[1,{"x":2}],"a":[3]})";
  for (int round = 0; round < 3000; ++round) {
    std::string source;
    if (round % 2 == 0) {
      size_t length = random() % 60;
      for (size_t i = 0; i < length; ++i) source += alphabet[random() % alphabet.size()];
    } else {
      source = seeds[random() % seeds.size()];
      for (int edits = 1 + random() % 4; edits > 0; --edits) {
        size_t at = random() % (source.size() + 1);
        if (random() % 2 == 0 && at < source.size()) {
          source.erase(at, 1 + random() % 3);
        } else {
          source.insert(at, 1, alphabet[random() % alphabet.size()]);
        }
      }
    }
    absl::StatusOr<Template> t = Template::Parse(source);
    if (!t.ok()) {
      EXPECT_EQ(t.status().code(), absl::StatusCode::kInvalidArgument) << source;
      continue;
    }
    absl::StatusOr<Rendered> out = t->Render(bindings);
    if (!out.ok()) {
      EXPECT_NE(out.status().code(), absl::StatusCode::kInternal) << source;
    }
  }
}

}  // namespace
}  // namespace serval::apigateway::vtl
