// Target input shaping.
//
// What AWS documents and what was recorded against it (EventBridge user guide "Amazon
// EventBridge input transformation", API reference InputTransformer / Target, and the AWS
// recordings summarised in reference/aws-wire-contracts.md §4.4), in our words:
//
//  * Input is sent instead of the event, exactly as given. PutTargets refuses more than one of
//    Input, InputPath and InputTransformer ("Only one of Input, InputPath, or InputTransformer
//    must be provided for target <id>.", recorded).
//  * InputPath sends the selected part of the event as JSON; a path ending at a string sends the
//    string with its quotes ("baz"), recorded.
//  * InputTransformer: up to 100 variables, each a JSONPath into the event, used in the template
//    as <name>. Five reserved variables need no path and cannot be redefined: aws.events.rule-arn,
//    aws.events.rule-name, aws.events.event.ingestion-time, aws.events.event (the event without
//    its detail) and aws.events.event.json (the whole event). The last two are JSON and are meant
//    to be used as field values. A template naming an undefined variable is refused at PutTargets
//    ("InputTemplate for target <id> contains invalid placeholder <name>.", recorded).
//  * A JSON template is filled in by context. Outside quotes a placeholder becomes the value's
//    JSON ({"id": <user>} -> {"id":"0a78"}; objects and arrays as JSON). Inside a JSON string it
//    becomes the value's text without quotes ("users/<user>" -> "users/0a78"); an object there
//    reads {acc_id:0a78,sf_id:baz} and an array [ACTIVE,INACTIVE] (recorded). The result is
//    delivered compact (recorded: {"id":"0a78"}, {"x":["HIGH"]}). The placeholder may not be an
//    object key (API reference).
//  * A template that is one quoted string is a JSON string: the target receives the quotes too
//    ("Event of <detail-type> type" -> "Event of X type", recorded).
//  * A path that matches nothing gives an empty value: "" outside quotes in a JSON template,
//    nothing inside a string or a text template (recorded: "command": "" and "... detail ").
//
// Where we differ on purpose, or had to choose:
//  * AWS says it does not escape values it puts inside a JSON string, so a value containing a
//    quote or a newline yields invalid JSON, which a Lambda target cannot accept anyway. We
//    escape such values, so the target gets valid JSON whose string holds the exact value.
//  * Templates that do not parse as JSON once filled in ("<instance> is in state <state>") are
//    filled in textually: strings as their raw text, other values as JSON, missing as nothing.
//    A template starting with '{' must be JSON; we refuse it at validation otherwise.
//  * <name> is a placeholder only when name is one or more of [A-Za-z0-9_.-]; any other '<' is
//    literal text.
//  * A wildcard path yields an array of its matches, [] when none (Jayway JsonPath's rule;
//    EventBridge's own answer was not recorded). An InputPath that selects nothing sends an
//    empty payload (not recorded either).
//  * Numbers are re-serialised from their parsed value (1.50 -> 1.5; integers exactly).
//  * aws.events.event lists id, account, detailType (renamed from detail-type), time, source,
//    region, resources, version in that order, as recorded; its time is the ingestion time.
//    The ingestion time is written like event times (whole seconds); its exact AWS format was
//    not recorded.
//  * The API reference asks for dot notation in InputPathsMap; we accept the bracket forms
//    there too rather than refuse paths AWS might take.
//  * The user guide's CloudWatch Logs example (a timestamp inserted without quotes) is specific
//    to log-group targets; Lambda targets get the rules above.

#include "services/events/target_input.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <ctime>
#include <vector>

#include "common/ids.h"
#include "common/json_validate.h"

namespace serval::events {
namespace {

namespace json = boost::json;

constexpr size_t kMaxInputLength = 8192;
constexpr size_t kMaxPathLength = 256;
constexpr size_t kMaxPaths = 100;
constexpr size_t kMaxNameLength = 256;
constexpr size_t kMaxTemplateLength = 8192;

constexpr std::string_view kRuleArnVar = "aws.events.rule-arn";
constexpr std::string_view kRuleNameVar = "aws.events.rule-name";
constexpr std::string_view kIngestionTimeVar = "aws.events.event.ingestion-time";
constexpr std::string_view kEventVar = "aws.events.event";
constexpr std::string_view kEventJsonVar = "aws.events.event.json";

bool IsReservedVariable(std::string_view name) {
  return name == kRuleArnVar || name == kRuleNameVar || name == kIngestionTimeVar ||
         name == kEventVar || name == kEventJsonVar;
}

absl::Status Invalid(std::string message) { return absl::InvalidArgumentError(std::move(message)); }

// " for target <id>" as AWS words its PutTargets errors, or nothing without an id.
std::string ForTarget(std::string_view target_id) {
  return target_id.empty() ? std::string() : fmt::format(" for target {}", target_id);
}

// ---------------------------------------------------------------------------------------------
// JSON output.

// Appends `text` escaped for the inside of a JSON string (no surrounding quotes). Non-ASCII
// UTF-8 passes through unchanged.
void AppendEscaped(std::string_view text, std::string& out) {
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned char>(c));
        } else {
          out += c;
        }
    }
  }
}

void AppendQuoted(std::string_view text, std::string& out) {
  out += '"';
  AppendEscaped(text, out);
  out += '"';
}

void AppendDouble(double d, std::string& out) {
  if (!std::isfinite(d)) {  // JSON has no such numbers
    out += "null";
    return;
  }
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), d);
  out.append(buffer, result.ptr);
}

// Compact JSON, keys in document order. (Boost's serializer writes 1.5 as 1.5E0.)
void AppendCompactJson(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += value.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      out += std::to_string(value.get_int64());
      break;
    case json::kind::uint64:
      out += std::to_string(value.get_uint64());
      break;
    case json::kind::double_:
      AppendDouble(value.get_double(), out);
      break;
    case json::kind::string:
      AppendQuoted(value.get_string(), out);
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendCompactJson(item, out);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendQuoted(key, out);
        out += ':';
        AppendCompactJson(item, out);
      }
      out += '}';
      break;
    }
  }
}

std::string CompactJson(const json::value& value) {
  std::string out;
  AppendCompactJson(value, out);
  return out;
}

// The text a value has inside a JSON string of a template: strings without quotes, objects
// and arrays with their keys and strings unquoted ({acc_id:0a78,sf_id:baz}, [ACTIVE,INACTIVE]),
// anything else as JSON. Not yet escaped.
void AppendRawText(const json::value& value, std::string& out) {
  switch (value.kind()) {
    case json::kind::string:
      out.append(value.get_string().data(), value.get_string().size());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const json::value& item : value.get_array()) {
        if (!first) out += ',';
        first = false;
        AppendRawText(item, out);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.get_object()) {
        if (!first) out += ',';
        first = false;
        out.append(key.data(), key.size());
        out += ':';
        AppendRawText(item, out);
      }
      out += '}';
      break;
    }
    default:
      AppendCompactJson(value, out);
  }
}

// ---------------------------------------------------------------------------------------------
// JSONPath.

struct PathStep {
  enum class Kind { kMember, kIndex, kWildcard };
  Kind kind;
  std::string name;    // kMember
  uint64_t index = 0;  // kIndex
};

struct JsonPath {
  std::vector<PathStep> steps;
  bool has_wildcard = false;
};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Parses the subset described in the header. Errors say what is wrong, without the path.
absl::StatusOr<JsonPath> ParseJsonPath(std::string_view path) {
  if (path.empty() || path[0] != '$') return Invalid("it must start with $");
  JsonPath parsed;
  size_t i = 1;
  while (i < path.size()) {
    const char c = path[i];
    if (c == '.') {
      ++i;
      if (i < path.size() && path[i] == '.')
        return Invalid("recursive descent (..) is not supported");
      const size_t start = i;
      while (i < path.size() && path[i] != '.' && path[i] != '[') {
        const unsigned char u = static_cast<unsigned char>(path[i]);
        if (u < 0x20 || path[i] == ']') {
          return Invalid(fmt::format("unexpected character at offset {}", i));
        }
        ++i;
      }
      const std::string_view name = path.substr(start, i - start);
      if (name.empty()) return Invalid("a member name is missing after '.'");
      if (name == "*") {
        parsed.steps.push_back({PathStep::Kind::kWildcard, {}, 0});
        parsed.has_wildcard = true;
      } else if (name.ends_with("()")) {
        return Invalid("functions are not supported");
      } else {
        parsed.steps.push_back({PathStep::Kind::kMember, std::string(name), 0});
      }
    } else if (c == '[') {
      ++i;
      if (i >= path.size()) return Invalid("unterminated [");
      const char open = path[i];
      if (open == '\'' || open == '"') {
        std::string name;
        ++i;
        bool closed = false;
        while (i < path.size()) {
          if (path[i] == '\\' && i + 1 < path.size() &&
              (path[i + 1] == open || path[i + 1] == '\\')) {
            name += path[i + 1];
            i += 2;
          } else if (path[i] == open) {
            closed = true;
            ++i;
            break;
          } else {
            name += path[i++];
          }
        }
        if (!closed) return Invalid("unterminated quoted member name");
        if (i >= path.size()) return Invalid("unterminated [");
        if (path[i] != ']') {
          return Invalid("a bracketed member must hold exactly one quoted name");
        }
        ++i;
        parsed.steps.push_back({PathStep::Kind::kMember, std::move(name), 0});
      } else if (open == '*') {
        if (i + 1 >= path.size() || path[i + 1] != ']') return Invalid("expected ] after [*");
        i += 2;
        parsed.steps.push_back({PathStep::Kind::kWildcard, {}, 0});
        parsed.has_wildcard = true;
      } else if (IsDigit(open)) {
        const size_t start = i;
        while (i < path.size() && IsDigit(path[i])) ++i;
        if (i >= path.size()) return Invalid("unterminated [");
        if (path[i] == ':') return Invalid("array slices are not supported");
        if (path[i] == ',') return Invalid("unions are not supported");
        if (path[i] != ']') return Invalid("an array index must be digits only");
        uint64_t index = 0;
        const auto result = std::from_chars(path.data() + start, path.data() + i, index);
        if (result.ec != std::errc()) return Invalid("array index out of range");
        ++i;
        parsed.steps.push_back({PathStep::Kind::kIndex, {}, index});
      } else if (open == '-') {
        return Invalid("negative array indexes are not supported");
      } else if (open == '?') {
        return Invalid("filter expressions are not supported");
      } else if (open == ':') {
        return Invalid("array slices are not supported");
      } else {
        return Invalid(fmt::format("unexpected character at offset {}", i));
      }
    } else {
      return Invalid(fmt::format("unexpected character at offset {}", i));
    }
  }
  return parsed;
}

void Collect(const JsonPath& path, size_t step, const json::value& node,
             std::vector<const json::value*>& matches) {
  if (step == path.steps.size()) {
    matches.push_back(&node);
    return;
  }
  const PathStep& s = path.steps[step];
  switch (s.kind) {
    case PathStep::Kind::kMember:
      if (const json::object* object = node.if_object()) {
        if (const json::value* child = object->if_contains(s.name)) {
          Collect(path, step + 1, *child, matches);
        }
      }
      break;
    case PathStep::Kind::kIndex:
      if (const json::array* array = node.if_array(); array && s.index < array->size()) {
        Collect(path, step + 1, (*array)[s.index], matches);
      }
      break;
    case PathStep::Kind::kWildcard:
      if (const json::object* object = node.if_object()) {
        for (const auto& [key, child] : *object) Collect(path, step + 1, child, matches);
      } else if (const json::array* array = node.if_array()) {
        for (const json::value& child : *array) Collect(path, step + 1, child, matches);
      }
      break;
  }
}

// The value `path` selects, nullopt when it selects nothing. A wildcard path always yields an
// array of its matches.
std::optional<json::value> Select(const JsonPath& path, const json::value& root) {
  std::vector<const json::value*> matches;
  Collect(path, 0, root, matches);
  if (path.has_wildcard) {
    json::array all;
    for (const json::value* match : matches) all.push_back(*match);
    return json::value(std::move(all));
  }
  if (matches.empty()) return std::nullopt;
  return *matches.front();
}

absl::Status CheckPath(std::string_view what, std::string_view path, std::string_view target_id) {
  if (path.size() > kMaxPathLength) {
    return Invalid(fmt::format("{}{} is longer than {} characters.", what, ForTarget(target_id),
                               kMaxPathLength));
  }
  if (auto parsed = ParseJsonPath(path); !parsed.ok()) {
    return Invalid(fmt::format("{}{} is not a valid JSON path: {} in '{}'.", what,
                               ForTarget(target_id), std::string(parsed.status().message()), path));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------------------------
// Templates.

// Where a placeholder sits in a template read as JSON.
enum class Where {
  kLiteral,      // not a placeholder: template text
  kOutside,      // a value position outside quotes
  kInString,     // inside a string value
  kObjectKey,    // outside quotes where an object key belongs
  kInKeyString,  // inside a string that is an object key
};

struct Segment {
  Where where;
  std::string_view text;  // the literal text, or the placeholder's variable name
};

struct ScannedTemplate {
  std::vector<Segment> segments;
  bool is_json = false;  // JSON once its placeholders are filled in
};

bool IsPlaceholderChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || IsDigit(c) || c == '_' || c == '-' ||
         c == '.';
}

// Splits a template into literal text and placeholders, noting for each placeholder where it
// sits if the template is read as JSON, and whether it is JSON (with every placeholder outside
// quotes standing for a value and every placeholder inside quotes for some text).
ScannedTemplate ScanTemplate(std::string_view text) {
  ScannedTemplate scanned;
  std::vector<char> containers;  // '{' or '['
  bool in_string = false;
  bool string_is_key = false;
  bool expect_key = false;  // in an object, before the ':' of a member
  size_t literal_start = 0;
  size_t i = 0;
  auto flush = [&](size_t end) {
    if (end > literal_start) {
      scanned.segments.push_back(
          {Where::kLiteral, text.substr(literal_start, end - literal_start)});
    }
  };
  while (i < text.size()) {
    const char c = text[i];
    if (c == '<') {
      size_t end = i + 1;
      while (end < text.size() && IsPlaceholderChar(text[end])) ++end;
      if (end > i + 1 && end < text.size() && text[end] == '>') {
        flush(i);
        const bool key_position = !containers.empty() && containers.back() == '{' && expect_key;
        const Where where = in_string ? (string_is_key ? Where::kInKeyString : Where::kInString)
                                      : (key_position ? Where::kObjectKey : Where::kOutside);
        scanned.segments.push_back({where, text.substr(i + 1, end - i - 1)});
        i = end + 1;
        literal_start = i;
        continue;
      }
    }
    if (in_string) {
      if (c == '\\') {
        i += 2;
        continue;
      }
      if (c == '"') in_string = false;
    } else {
      switch (c) {
        case '"':
          in_string = true;
          string_is_key = !containers.empty() && containers.back() == '{' && expect_key;
          break;
        case '{':
          containers.push_back('{');
          expect_key = true;
          break;
        case '[':
          containers.push_back('[');
          expect_key = false;
          break;
        case '}':
        case ']':
          if (!containers.empty()) containers.pop_back();
          expect_key = false;
          break;
        case ',':
          expect_key = !containers.empty() && containers.back() == '{';
          break;
        case ':':
          expect_key = false;
          break;
        default:
          break;
      }
    }
    ++i;
  }
  flush(std::min(i, text.size()));

  std::string probe;
  probe.reserve(text.size());
  for (const Segment& segment : scanned.segments) {
    switch (segment.where) {
      case Where::kLiteral:
        probe += segment.text;
        break;
      case Where::kOutside:
      case Where::kObjectKey:
        probe += "null";
        break;
      case Where::kInString:
      case Where::kInKeyString:
        break;
    }
  }
  scanned.is_json = IsValidJson(probe);
  return scanned;
}

// "aws." in any case: the namespace of the reserved variables.
bool StartsWithAwsDot(std::string_view name) {
  return name.size() >= 4 && (name[0] | 0x20) == 'a' && (name[1] | 0x20) == 'w' &&
         (name[2] | 0x20) == 's' && name[3] == '.';
}

bool StartsWithBrace(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r\n");
  return first != std::string_view::npos && text[first] == '{';
}

absl::Status CheckTransformer(const InputTransformer& transformer, std::string_view target_id) {
  if (transformer.input_paths_map.size() > kMaxPaths) {
    return Invalid(fmt::format("InputPathsMap{} has {} entries; at most {} are allowed.",
                               ForTarget(target_id), transformer.input_paths_map.size(),
                               kMaxPaths));
  }
  for (const auto& [name, path] : transformer.input_paths_map) {
    if (StartsWithAwsDot(name)) {
      return Invalid(
          fmt::format("InputPathsMap{} uses the reserved name {}.", ForTarget(target_id), name));
    }
    if (name.empty() || name.size() > kMaxNameLength ||
        !std::all_of(name.begin(), name.end(),
                     [](char c) { return IsPlaceholderChar(c) && c != '.'; })) {
      return Invalid(fmt::format(
          "InputPathsMap{} has an invalid name '{}': names must be 1 to {} of A-Z, a-z, 0-9, _ "
          "and -.",
          ForTarget(target_id), name, kMaxNameLength));
    }
    if (auto s = CheckPath(fmt::format("InputPathsMap value for {}", name), path, target_id);
        !s.ok()) {
      return s;
    }
  }
  const std::string& input_template = transformer.input_template;
  if (input_template.empty() || input_template.size() > kMaxTemplateLength) {
    return Invalid(fmt::format("InputTemplate{} must be 1 to {} characters long.",
                               ForTarget(target_id), kMaxTemplateLength));
  }
  const ScannedTemplate scanned = ScanTemplate(input_template);
  for (const Segment& segment : scanned.segments) {
    if (segment.where == Where::kLiteral) continue;
    const std::string name(segment.text);
    if (!IsReservedVariable(name) && !transformer.input_paths_map.contains(name)) {
      return Invalid(fmt::format("InputTemplate{} contains invalid placeholder {}.",
                                 ForTarget(target_id), name));
    }
  }
  if (StartsWithBrace(input_template)) {
    for (const Segment& segment : scanned.segments) {
      if (segment.where == Where::kObjectKey || segment.where == Where::kInKeyString) {
        return Invalid(fmt::format("InputTemplate{} uses placeholder {} as an object key.",
                                   ForTarget(target_id), segment.text));
      }
    }
    if (!scanned.is_json) {
      return Invalid(fmt::format("InputTemplate{} is not valid JSON.", ForTarget(target_id)));
    }
  }
  return absl::OkStatus();
}

// aws.events.event: the event without its detail, keys as AWS lists them.
json::value EventWithoutDetail(const json::object& event, const std::optional<std::string>& time) {
  json::object out;
  auto copy = [&](std::string_view from, std::string_view to) {
    if (const json::value* v = event.if_contains(from)) out[to] = *v;
  };
  copy("id", "id");
  copy("account", "account");
  copy("detail-type", "detailType");
  if (time) {
    out["time"] = *time;
  } else {
    copy("time", "time");
  }
  copy("source", "source");
  copy("region", "region");
  copy("resources", "resources");
  copy("version", "version");
  for (const auto& [key, value] : event) {
    if (key == "detail" || key == "detail-type" || out.contains(key)) continue;
    out[key] = value;
  }
  return out;
}

absl::StatusOr<std::string> Transform(const InputTransformer& transformer, const json::value& event,
                                      const TargetInputContext& context) {
  const ScannedTemplate scanned = ScanTemplate(transformer.input_template);

  std::optional<std::string> ingestion_time;
  if (context.ingestion_time_millis) {
    ingestion_time = FormatEventTime(*context.ingestion_time_millis);
  }

  // The value of each variable the template uses; nullopt when its path matched nothing.
  std::map<std::string_view, std::optional<json::value>> values;
  for (const Segment& segment : scanned.segments) {
    if (segment.where == Where::kLiteral || values.contains(segment.text)) continue;
    std::optional<json::value> value;
    if (segment.text == kRuleArnVar) {
      value = json::string(context.rule_arn);
    } else if (segment.text == kRuleNameVar) {
      value = json::string(context.rule_name);
    } else if (segment.text == kIngestionTimeVar) {
      if (ingestion_time) {
        value = json::string(*ingestion_time);
      } else if (const json::object* object = event.if_object()) {
        if (const json::value* time = object->if_contains("time")) value = *time;
      }
    } else if (segment.text == kEventVar) {
      if (const json::object* object = event.if_object()) {
        value = EventWithoutDetail(*object, ingestion_time);
      } else {
        value = event;
      }
    } else if (segment.text == kEventJsonVar) {
      value = event;
    } else {
      const auto found = transformer.input_paths_map.find(std::string(segment.text));
      if (found == transformer.input_paths_map.end()) continue;  // left as literal text below
      auto path = ParseJsonPath(found->second);
      if (!path.ok()) {
        return Invalid(fmt::format("InputPathsMap value for {} is not a valid JSON path: {}",
                                   found->first, std::string(path.status().message())));
      }
      value = Select(*path, event);
    }
    values.emplace(segment.text, std::move(value));
  }

  std::string out;
  out.reserve(transformer.input_template.size() + 64);
  for (const Segment& segment : scanned.segments) {
    if (segment.where == Where::kLiteral) {
      out += segment.text;
      continue;
    }
    const auto found = values.find(segment.text);
    if (found == values.end()) {  // undefined: ValidateTargetInputSpec refuses these
      out += '<';
      out += segment.text;
      out += '>';
      continue;
    }
    const std::optional<json::value>& value = found->second;
    if (!scanned.is_json) {
      if (!value) continue;
      if (const json::string* s = value->if_string()) {
        out.append(s->data(), s->size());
      } else {
        AppendCompactJson(*value, out);
      }
    } else if (segment.where == Where::kOutside || segment.where == Where::kObjectKey) {
      if (value) {
        AppendCompactJson(*value, out);
      } else {
        out += "\"\"";
      }
    } else if (value) {
      std::string raw;
      AppendRawText(*value, raw);
      AppendEscaped(raw, out);
    }
  }
  if (!scanned.is_json) return out;
  json::error_code ec;
  const json::value filled = json::parse(out, ec);
  if (ec) return out;  // cannot happen for a scanned JSON template; deliver what we have
  return CompactJson(filled);
}

}  // namespace

std::string FormatEventTime(int64_t epoch_millis) {
  int64_t seconds = epoch_millis / 1000;
  if (epoch_millis % 1000 < 0) --seconds;  // floor, for times before 1970
  const std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string EventsRuleArn(std::string_view region, std::string_view account,
                          std::string_view rule_name) {
  return fmt::format("arn:aws:events:{}:{}:rule/{}", region, account, rule_name);
}

std::string ScheduledEventJson(const ScheduledEventFields& fields) {
  std::string out;
  out.reserve(256 + fields.rule_arn.size());
  out += R"({"version":"0","id":)";
  AppendQuoted(fields.id.empty() ? NewUuid() : fields.id, out);
  out += R"(,"detail-type":"Scheduled Event","source":"aws.events","account":)";
  AppendQuoted(fields.account, out);
  out += R"(,"time":")";
  out += FormatEventTime(fields.time_millis);
  out += R"(","region":)";
  AppendQuoted(fields.region, out);
  out += R"(,"resources":[)";
  AppendQuoted(fields.rule_arn, out);
  out += R"(],"detail":{}})";
  return out;
}

absl::Status ValidateTargetInputSpec(const TargetInputSpec& spec, std::string_view target_id) {
  const int modes =
      (spec.input ? 1 : 0) + (spec.input_path ? 1 : 0) + (spec.input_transformer ? 1 : 0);
  if (modes > 1) {
    return Invalid(
        fmt::format("Only one of Input, InputPath, or InputTransformer must be provided{}.",
                    ForTarget(target_id)));
  }
  if (spec.input) {
    if (spec.input->size() > kMaxInputLength) {
      return Invalid(fmt::format("Input{} is longer than {} characters.", ForTarget(target_id),
                                 kMaxInputLength));
    }
    std::string why;
    if (!IsValidJson(*spec.input, &why)) {
      return Invalid(fmt::format("Input{} is not valid JSON text: {}.", ForTarget(target_id), why));
    }
  }
  if (spec.input_path) {
    if (auto s = CheckPath("InputPath", *spec.input_path, target_id); !s.ok()) return s;
  }
  if (spec.input_transformer) {
    if (auto s = CheckTransformer(*spec.input_transformer, target_id); !s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::StatusOr<std::string> ShapeTargetInput(const TargetInputSpec& spec,
                                             std::string_view event_json,
                                             const TargetInputContext& context) {
  if (spec.input) return *spec.input;
  if (!spec.input_path && !spec.input_transformer) return std::string(event_json);

  json::error_code ec;
  const json::value event = json::parse(event_json, ec);
  if (ec) return Invalid(fmt::format("The event is not valid JSON: {}", ec.message()));

  if (spec.input_path) {
    auto path = ParseJsonPath(*spec.input_path);
    if (!path.ok()) {
      return Invalid(fmt::format("InputPath {} is not a valid JSON path: {}", *spec.input_path,
                                 std::string(path.status().message())));
    }
    const std::optional<json::value> selected = Select(*path, event);
    return selected ? CompactJson(*selected) : std::string();
  }
  return Transform(*spec.input_transformer, event, context);
}

}  // namespace serval::events
