#include "services/apigateway/vtl/evaluator.h"

#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "common/text.h"
#include "fmt/format.h"
#include "services/apigateway/vtl/methods.h"
#include "services/apigateway/vtl/operators.h"

namespace serval::apigateway::vtl {

namespace json = boost::json;

namespace {

// Where a reference chain's value is while it is being followed. While the chain only reads
// keys and indexes of a variable, the place is that path, walked again before each use: a
// method argument may reshape the variable (put, remove), so a pointer kept across it could
// dangle. From a method call or a host object on, the value is a copy the place owns. Methods
// therefore mutate a variable in place ($list.add(x)) but never a copy's source.
struct Place {
  struct Step {
    std::string key;  // when !is_index
    size_t index = 0;
    bool is_index = false;
  };
  bool in_variables = false;
  std::string root;
  std::vector<Step> steps;
  json::value owned;
};

json::value* Walk(json::object& variables, Place& place) {
  if (!place.in_variables) return &place.owned;
  json::value* at = variables.if_contains(place.root);
  for (const Place::Step& step : place.steps) {
    if (at == nullptr) return nullptr;
    if (step.is_index) {
      json::array* list = at->if_array();
      at = list != nullptr && step.index < list->size() ? &(*list)[step.index] : nullptr;
    } else {
      json::object* map = at->if_object();
      at = map != nullptr ? map->if_contains(step.key) : nullptr;
    }
  }
  return at;
}

// Moves to a member of the current value (`at`, which Walk just found).
void Descend(Place& place, json::value* at, Place::Step step) {
  if (place.in_variables) {
    place.steps.push_back(std::move(step));
    return;
  }
  json::value* next = nullptr;
  if (step.is_index) {
    next = &at->get_array()[step.index];
  } else {
    next = at->get_object().if_contains(step.key);
  }
  json::value member = next != nullptr ? std::move(*next) : json::value();
  place.owned = std::move(member);
}

class Evaluator {
 public:
  Evaluator(json::object& variables, const EvalOptions& options)
      : variables_(variables), options_(options) {}

  absl::Status Render(const Block& block, std::string& out) {
    for (const Node& node : block) {
      if (flow_ != Flow::kNormal) break;
      if (absl::Status s = RenderNode(node, out); !s.ok()) return s;
    }
    return absl::OkStatus();
  }

 private:
  enum class Flow { kNormal, kBreak, kStop };

  absl::Status RenderNode(const Node& node, std::string& out) {
    if (absl::Status s = Step(1); !s.ok()) return s;
    switch (node.kind) {
      case Node::Kind::kText:
        return Append(out, node.text);
      case Node::Kind::kReference:
        return RenderReference(node.reference, out);
      case Node::Kind::kSet:
        return Set(node);
      case Node::Kind::kIf:
        for (const Node::Branch& branch : node.branches) {
          if (branch.condition != nullptr) {
            absl::StatusOr<json::value> condition = Eval(*branch.condition);
            if (!condition.ok()) return condition.status();
            if (!IsTruthy(*condition)) continue;
          }
          return Render(branch.body, out);
        }
        return absl::OkStatus();
      case Node::Kind::kForeach:
        return Foreach(node, out);
      case Node::Kind::kDefine:
        defines_[node.variable] = &node.body;
        variables_.erase(node.variable);
        return absl::OkStatus();
      case Node::Kind::kBreak:
        flow_ = Flow::kBreak;
        return absl::OkStatus();
      case Node::Kind::kStop:
        flow_ = Flow::kStop;
        return absl::OkStatus();
    }
    return absl::OkStatus();
  }

  // Velocity's escapes: with a value, `\\` pairs print one backslash each and a last odd one
  // prints the reference's text instead of its value; without a value every backslash stays.
  absl::Status RenderReference(const Reference& reference, std::string& out) {
    absl::StatusOr<json::value> value = EvalReference(reference);
    if (!value.ok()) return value.status();
    size_t backslashes = reference.backslashes;
    std::string text;
    if (value->is_null()) {
      text.assign(backslashes, '\\');
      if (!reference.quiet && !options_.null_renders_empty) text += reference.text;
    } else {
      text.assign(backslashes / 2, '\\');
      if (backslashes % 2 == 1) {
        text += reference.text;
      } else {
        AppendText(*value, options_.lists, text);
      }
    }
    return Append(out, text);
  }

  // Velocity 1.7: a null value leaves the target as it was. Maps are made along the target's
  // path where there are none, so `#set($context.responseOverride.status = 400)` works on a
  // $context without responseOverride.
  absl::Status Set(const Node& node) {
    absl::StatusOr<json::value> value = Eval(*node.value);
    if (!value.ok()) return value.status();
    if (value->is_null()) return absl::OkStatus();
    const Reference& target = node.reference;
    // The keys first: an index expression may call methods that reshape the variables.
    std::vector<json::value> keys;
    for (const Accessor& accessor : target.path) {
      if (accessor.kind != Accessor::Kind::kIndex) {
        keys.emplace_back(json::string(accessor.name));
        continue;
      }
      absl::StatusOr<json::value> key = Eval(*accessor.args[0]);
      if (!key.ok()) return key.status();
      keys.push_back(*std::move(key));
    }
    defines_.erase(target.name);
    json::value* at = &variables_[target.name];
    if (keys.empty()) {
      *at = *std::move(value);
      return absl::OkStatus();
    }
    if (!at->is_object() && !at->is_array()) *at = json::object();
    for (size_t i = 0; i < keys.size(); ++i) {
      bool last = i + 1 == keys.size();
      if (json::object* map = at->if_object()) {
        json::value& member = (*map)[ToText(keys[i], ListStyle::kJava)];
        if (last) {
          member = *std::move(value);
          return absl::OkStatus();
        }
        if (member.is_null()) member = json::object();
        at = &member;
      } else if (json::array* list = at->if_array()) {
        std::optional<int64_t> index = AsInteger(keys[i]);
        if (!index || *index < 0 || static_cast<size_t>(*index) >= list->size()) {
          return absl::OkStatus();
        }
        if (last) {
          (*list)[*index] = *std::move(value);
          return absl::OkStatus();
        }
        at = &(*list)[*index];
      } else {
        return absl::OkStatus();  // a scalar in the way: nothing to assign into
      }
    }
    return absl::OkStatus();
  }

  // Lists iterate their items, maps their values; anything else iterates nothing. The loop
  // variable, $foreach and $velocityCount are restored afterwards, as Velocity 1.7 does.
  absl::Status Foreach(const Node& node, std::string& out) {
    absl::StatusOr<json::value> iterable = Eval(*node.value);
    if (!iterable.ok()) return iterable.status();
    json::array items;
    if (json::array* list = iterable->if_array()) {
      items = std::move(*list);
    } else if (json::object* map = iterable->if_object()) {
      for (json::key_value_pair& member : *map) items.push_back(std::move(member.value()));
    }
    if (static_cast<int64_t>(items.size()) > options_.limits.max_loop_iterations) {
      return absl::ResourceExhaustedError(fmt::format("#foreach over {} items; the limit is {}",
                                                      items.size(),
                                                      options_.limits.max_loop_iterations));
    }
    const std::string* names[] = {&node.variable, &kForeach, &kVelocityCount};
    std::optional<json::value> saved[3];
    for (int i = 0; i < 3; ++i) {
      if (const json::value* old = variables_.if_contains(*names[i])) saved[i] = *old;
    }
    absl::Status status;
    for (size_t i = 0; i < items.size() && status.ok(); ++i) {
      status = Step(1);
      if (!status.ok()) break;
      if (items[i].is_null()) {
        variables_.erase(node.variable);
      } else {
        variables_[node.variable] = std::move(items[i]);
      }
      json::object loop{{"index", i},
                        {"count", i + 1},
                        {"hasNext", i + 1 < items.size()},
                        {"first", i == 0},
                        {"last", i + 1 == items.size()}};
      if (saved[1]) loop["parent"] = *saved[1];
      variables_[kForeach] = std::move(loop);
      variables_[kVelocityCount] = i + 1;
      status = Render(node.body, out);
      if (flow_ == Flow::kBreak) {
        flow_ = Flow::kNormal;
        break;
      }
      if (flow_ == Flow::kStop) break;
    }
    for (int i = 0; i < 3; ++i) {
      if (saved[i]) {
        variables_[*names[i]] = std::move(*saved[i]);
      } else {
        variables_.erase(*names[i]);
      }
    }
    return status;
  }

  absl::StatusOr<json::value> Eval(const Expr& expr) {
    switch (expr.kind) {
      case Expr::Kind::kLiteral:
        return expr.literal;
      case Expr::Kind::kString:
        return RenderToString(*expr.parts);
      case Expr::Kind::kList: {
        json::array list;
        for (const ExprPtr& operand : expr.operands) {
          absl::StatusOr<json::value> item = Eval(*operand);
          if (!item.ok()) return item;
          list.push_back(*std::move(item));
        }
        return list;
      }
      case Expr::Kind::kRange:
        return EvalRange(expr);
      case Expr::Kind::kMap: {
        json::object map;
        for (size_t i = 0; i + 1 < expr.operands.size(); i += 2) {
          absl::StatusOr<json::value> key = Eval(*expr.operands[i]);
          if (!key.ok()) return key;
          absl::StatusOr<json::value> value = Eval(*expr.operands[i + 1]);
          if (!value.ok()) return value;
          map[ToText(*key, ListStyle::kJava)] = *std::move(value);
        }
        return map;
      }
      case Expr::Kind::kReference:
        return EvalReference(expr.reference);
      case Expr::Kind::kNot: {
        absl::StatusOr<json::value> operand = Eval(*expr.operands[0]);
        if (!operand.ok()) return operand;
        return !IsTruthy(*operand);
      }
      case Expr::Kind::kNegate: {
        absl::StatusOr<json::value> operand = Eval(*expr.operands[0]);
        if (!operand.ok()) return operand;
        return Negate(*operand);
      }
      case Expr::Kind::kBinary:
        return EvalBinary(expr);
    }
    return nullptr;
  }

  absl::StatusOr<json::value> EvalBinary(const Expr& expr) {
    absl::StatusOr<json::value> left = Eval(*expr.operands[0]);
    if (!left.ok()) return left;
    if (expr.op == Expr::Op::kAnd || expr.op == Expr::Op::kOr) {
      bool truth = IsTruthy(*left);
      if (truth == (expr.op == Expr::Op::kOr)) return truth;
      absl::StatusOr<json::value> right = Eval(*expr.operands[1]);
      if (!right.ok()) return right;
      return IsTruthy(*right);
    }
    absl::StatusOr<json::value> right = Eval(*expr.operands[1]);
    if (!right.ok()) return right;
    return ApplyBinary(expr.op, *left, *right, options_.lists, options_.limits.max_output_bytes);
  }

  // [a..b], counting up or down; null unless both ends are integers.
  absl::StatusOr<json::value> EvalRange(const Expr& expr) {
    absl::StatusOr<json::value> first = Eval(*expr.operands[0]);
    if (!first.ok()) return first;
    absl::StatusOr<json::value> last = Eval(*expr.operands[1]);
    if (!last.ok()) return last;
    std::optional<int64_t> from = AsInteger(*first);
    std::optional<int64_t> to = AsInteger(*last);
    if (!from || !to) return nullptr;
    int64_t step = *from <= *to ? 1 : -1;
    // Charged before it is built, so that [1..999999999999] fails instead of filling memory.
    double length = std::abs(static_cast<double>(*to) - static_cast<double>(*from)) + 1;
    if (absl::Status s = Step(length > 1e15 ? int64_t{1} << 50 : static_cast<int64_t>(length));
        !s.ok()) {
      return s;
    }
    json::array list;
    for (int64_t i = *from;; i += step) {
      list.push_back(i);
      if (i == *to) break;
    }
    return list;
  }

  absl::StatusOr<json::value> EvalReference(const Reference& reference) {
    Place place;
    size_t first_accessor = 0;
    const HostObject* host = nullptr;
    if (options_.hosts != nullptr) {
      auto found = options_.hosts->find(reference.name);
      if (found != options_.hosts->end()) host = found->second;
    }
    if (host != nullptr) {
      if (reference.path.empty() || reference.path[0].kind == Accessor::Kind::kIndex) {
        return nullptr;
      }
      const Accessor& accessor = reference.path[0];
      absl::StatusOr<std::vector<json::value>> args = EvalArgs(accessor.args);
      if (!args.ok()) return args.status();
      absl::StatusOr<json::value> result = host->Call(accessor.name, *args);
      if (!result.ok()) return result;
      place.owned = *std::move(result);
      first_accessor = 1;
    } else if (variables_.contains(reference.name)) {
      place.in_variables = true;
      place.root = reference.name;
    } else if (auto define = defines_.find(reference.name); define != defines_.end()) {
      absl::StatusOr<json::value> text = RenderToString(*define->second);
      if (!text.ok()) return text;
      place.owned = *std::move(text);
    } else {
      return nullptr;
    }
    for (size_t i = first_accessor; i < reference.path.size(); ++i) {
      if (absl::Status s = Follow(reference.path[i], place); !s.ok()) return s;
    }
    if (!place.in_variables) return std::move(place.owned);
    json::value* at = Walk(variables_, place);
    return at != nullptr ? *at : json::value();  // a copy: the variable stays
  }

  // One accessor of a reference chain; a null value along the way makes the whole chain null.
  absl::Status Follow(const Accessor& accessor, Place& place) {
    std::vector<json::value> args;
    if (accessor.kind == Accessor::Kind::kMethod) {
      absl::StatusOr<std::vector<json::value>> evaluated = EvalArgs(accessor.args);
      if (!evaluated.ok()) return evaluated.status();
      args = *std::move(evaluated);
    } else if (accessor.kind == Accessor::Kind::kIndex) {
      absl::StatusOr<json::value> index = Eval(*accessor.args[0]);
      if (!index.ok()) return index.status();
      args.push_back(*std::move(index));
    }
    json::value* at = Walk(variables_, place);
    if (at == nullptr || at->is_null()) {
      place = Place();
      return absl::OkStatus();
    }
    if (accessor.kind == Accessor::Kind::kIndex) {
      const json::value& index = args[0];
      std::optional<int64_t> i = AsInteger(index);
      if (at->is_array() && i && *i >= 0 && static_cast<size_t>(*i) < at->get_array().size()) {
        Descend(place, at, Place::Step{"", static_cast<size_t>(*i), true});
      } else if (at->is_object() && index.is_string()) {
        Descend(place, at, Place::Step{std::string(index.get_string()), 0, false});
      } else {
        place = Place();
      }
      return absl::OkStatus();
    }
    if (accessor.kind == Accessor::Kind::kProperty && at->is_object()) {
      Descend(place, at, Place::Step{accessor.name, 0, false});
      return absl::OkStatus();
    }
    if (absl::Status s = Step(1); !s.ok()) return s;
    absl::StatusOr<json::value> result;
    if (accessor.kind == Accessor::Kind::kMethod) {
      result = CallMethod(*at, accessor.name, args, method_context());
    } else {  // a JavaBean property of a non-map: $s.empty is $s.isEmpty()
      std::string capitalised = accessor.name;
      capitalised[0] = AsciiUpper(capitalised[0]);
      result = CallMethod(*at, "get" + capitalised, {}, method_context());
      if (result.ok() && result->is_null()) {
        result = CallMethod(*at, "is" + capitalised, {}, method_context());
      }
    }
    if (!result.ok()) return result.status();
    place = Place();
    place.owned = *std::move(result);
    return absl::OkStatus();
  }

  absl::StatusOr<std::vector<json::value>> EvalArgs(const std::vector<ExprPtr>& exprs) {
    std::vector<json::value> args;
    for (const ExprPtr& expr : exprs) {
      absl::StatusOr<json::value> arg = Eval(*expr);
      if (!arg.ok()) return arg.status();
      args.push_back(*std::move(arg));
    }
    return args;
  }

  // A nested template (#define body, "double-quoted string") rendered to a string value.
  absl::StatusOr<json::value> RenderToString(const Block& block) {
    if (depth_ >= options_.limits.max_depth) {
      return absl::ResourceExhaustedError(fmt::format(
          "#define and string templates nest deeper than {}", options_.limits.max_depth));
    }
    ++depth_;
    std::string text;
    absl::Status status = Render(block, text);
    --depth_;
    if (!status.ok()) return status;
    return json::string(text);
  }

  absl::Status Step(int64_t count) {
    steps_ += count;
    if (steps_ > options_.limits.max_steps) {
      return absl::ResourceExhaustedError(
          fmt::format("template rendering took more than {} steps", options_.limits.max_steps));
    }
    return absl::OkStatus();
  }

  absl::Status Append(std::string& out, std::string_view text) {
    if (out.size() + text.size() > options_.limits.max_output_bytes) {
      return absl::ResourceExhaustedError(
          fmt::format("rendered template exceeds {} bytes", options_.limits.max_output_bytes));
    }
    out.append(text);
    return absl::OkStatus();
  }

  MethodContext method_context() const {
    return MethodContext{options_.lists, options_.limits.max_output_bytes};
  }

  static inline const std::string kForeach = "foreach";
  static inline const std::string kVelocityCount = "velocityCount";

  json::object& variables_;
  const EvalOptions& options_;
  absl::flat_hash_map<std::string, const Block*> defines_;
  Flow flow_ = Flow::kNormal;
  int64_t steps_ = 0;
  int depth_ = 0;
};

}  // namespace

absl::StatusOr<std::string> Evaluate(const Block& block, json::object& variables,
                                     const EvalOptions& options) {
  Evaluator evaluator(variables, options);
  std::string out;
  if (absl::Status s = evaluator.Render(block, out); !s.ok()) return s;
  return out;
}

}  // namespace serval::apigateway::vtl
