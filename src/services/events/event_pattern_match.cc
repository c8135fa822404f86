// Matching events against compiled patterns.
//
// The event is walked once per Matches call, only along the pattern's dotted paths, collecting
// the leaves (scalars) at each field's path together with the array elements they sit in. A
// branch matches when every field has a leaf its conditions accept (or, for {"exists": false},
// none at all) and one such leaf can be chosen per field so that no two chosen leaves lie in
// different elements of the same array (array consistency). Most fields have no leaf inside an
// array of objects and need no search; the rest are chosen by backtracking, bounded.

#include <arpa/inet.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>

#include "common/text.h"
#include "services/events/event_pattern.h"

namespace serval::events {

namespace json = boost::json;
using Condition = EventPattern::Condition;
using Kind = Condition::Kind;

namespace {

constexpr size_t kSearchBudget = 100000;

// The arrays a leaf sits in, outermost first: (array, index of the element holding the leaf).
using Trail = std::vector<std::pair<const json::array*, size_t>>;

struct Leaf {
  const json::value* value;
  Trail trail;
};

bool Consistent(const Trail& a, const Trail& b) {
  for (const auto& outer : a) {
    for (const auto& inner : b) {
      if (outer.first == inner.first && outer.second != inner.second) return false;
    }
  }
  return true;
}

bool NumbersEqual(const json::value& a, const json::value& b) {
  if (a.is_int64() && b.is_int64()) return a.get_int64() == b.get_int64();
  if (a.is_uint64() && b.is_uint64()) return a.get_uint64() == b.get_uint64();
  return a.to_number<double>() == b.to_number<double>();
}

bool ScalarsEqual(const json::value& pattern, const json::value& value) {
  if (pattern.is_number()) return value.is_number() && NumbersEqual(pattern, value);
  return pattern == value;
}

// '*'-separated pieces (escapes already resolved): the first is a prefix, the last a suffix, the
// middle ones appear in order between them. Matching each middle piece at its leftmost place
// leaves the most room for the rest, so no backtracking is needed.
bool WildcardMatches(const std::vector<std::string>& pieces, std::string_view text) {
  if (pieces.size() == 1) return text == pieces[0];
  const std::string& first = pieces.front();
  const std::string& last = pieces.back();
  if (text.size() < first.size() + last.size() || !text.starts_with(first) ||
      !text.ends_with(last)) {
    return false;
  }
  std::string_view middle = text.substr(first.size(), text.size() - first.size() - last.size());
  for (size_t i = 1; i + 1 < pieces.size(); ++i) {
    const size_t at = middle.find(pieces[i]);
    if (at == std::string_view::npos) return false;
    middle.remove_prefix(at + pieces[i].size());
  }
  return true;
}

bool InNetwork(const Condition& condition, std::string_view text) {
  std::array<uint8_t, 16> address{};
  const std::string copy(text);
  const int family = condition.family == 4 ? AF_INET : AF_INET6;
  if (inet_pton(family, copy.c_str(), address.data()) != 1) return false;
  int bits = condition.mask_bits;
  for (size_t i = 0; bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((address[i] & mask) != (condition.network[i] & mask)) return false;
  }
  return true;
}

bool NumberInRange(const Condition& condition, double value) {
  if (condition.equal_set && value != condition.equal) return false;
  const Condition::Bound& low = condition.lower;
  if (low.set && (low.inclusive ? value < low.value : value <= low.value)) return false;
  const Condition::Bound& high = condition.upper;
  if (high.set && (high.inclusive ? value > high.value : value >= high.value)) return false;
  return true;
}

// The positive test of `condition` (not kExists) on one present value.
bool Accepts(const Condition& condition, const json::value& value) {
  if (condition.kind == Kind::kExact) {
    return std::any_of(condition.values.begin(), condition.values.end(),
                       [&value](const json::value& want) { return ScalarsEqual(want, value); });
  }
  if (condition.kind == Kind::kNumeric) {
    return value.is_number() && NumberInRange(condition, value.to_number<double>());
  }
  if (!value.is_string()) return false;
  const std::string_view text = value.get_string();
  if (condition.kind == Kind::kCidr) return InNetwork(condition, text);
  if (condition.kind == Kind::kWildcard) {
    return std::any_of(
        condition.wildcards.begin(), condition.wildcards.end(),
        [text](const std::vector<std::string>& pieces) { return WildcardMatches(pieces, text); });
  }
  const std::string lowered = condition.ignore_case || condition.kind == Kind::kEqualsIgnoreCase
                                  ? AsciiToLower(text)
                                  : std::string();
  const std::string_view subject = lowered.empty() ? text : std::string_view(lowered);
  return std::any_of(condition.values.begin(), condition.values.end(),
                     [&](const json::value& operand) {
                       const std::string_view want = operand.get_string();
                       switch (condition.kind) {
                         case Kind::kPrefix:
                           return subject.starts_with(want);
                         case Kind::kSuffix:
                           return subject.ends_with(want);
                         default:
                           return subject == want;
                       }
                     });
}

bool Test(const Condition& condition, const json::value& value) {
  return condition.negated ? !Accepts(condition, value) : Accepts(condition, value);
}

}  // namespace

class PatternMatcher {
 public:
  explicit PatternMatcher(const EventPattern& pattern)
      : pattern_(pattern), leaves_(pattern.paths_.size()) {}

  bool Matches(const json::value& event) {
    if (!event.is_object()) return false;
    Trail trail;
    Walk(event, "", trail);
    return std::any_of(
        pattern_.branches_.begin(), pattern_.branches_.end(),
        [this](const EventPattern::Branch& branch) { return BranchMatches(branch); });
  }

 private:
  bool Wanted(const std::vector<std::string>& sorted, const std::string& path) const {
    return std::binary_search(sorted.begin(), sorted.end(), path);
  }

  void Walk(const json::value& value, const std::string& path, Trail& trail) {
    if (const json::object* object = value.if_object()) {
      for (const auto& member : *object) {
        std::string child =
            path.empty() ? std::string(member.key()) : path + "." + std::string(member.key());
        if (Wanted(pattern_.prefixes_, child)) Walk(member.value(), child, trail);
      }
    } else if (const json::array* array = value.if_array()) {
      for (size_t i = 0; i < array->size(); ++i) {
        trail.emplace_back(array, i);
        Walk((*array)[i], path, trail);
        trail.pop_back();
      }
    } else {
      auto found = std::lower_bound(pattern_.paths_.begin(), pattern_.paths_.end(), path);
      if (found != pattern_.paths_.end() && *found == path) {
        leaves_[found - pattern_.paths_.begin()].push_back(Leaf{&value, trail});
      }
    }
  }

  bool BranchMatches(const EventPattern::Branch& branch) {
    // The fields whose candidate leaves lie in arrays, with those candidates.
    std::vector<std::vector<const Leaf*>> constrained;
    for (const EventPattern::Field& field : branch) {
      const std::vector<Leaf>& leaves = leaves_[field.path];
      std::vector<bool> accepted(leaves.size(), false);
      bool satisfied = false;
      for (const Condition& condition : field.conditions) {
        if (condition.kind == Kind::kExists) {
          if (!condition.exists && leaves.empty()) satisfied = true;
          if (condition.exists) std::fill(accepted.begin(), accepted.end(), true);
          continue;
        }
        for (size_t i = 0; i < leaves.size(); ++i) {
          if (!accepted[i] && Test(condition, *leaves[i].value)) accepted[i] = true;
        }
      }
      if (satisfied) continue;
      std::vector<const Leaf*> candidates;
      bool free_candidate = false;
      for (size_t i = 0; i < leaves.size(); ++i) {
        if (!accepted[i]) continue;
        candidates.push_back(&leaves[i]);
        free_candidate = free_candidate || leaves[i].trail.empty();
      }
      if (candidates.empty()) return false;
      if (!free_candidate) constrained.push_back(std::move(candidates));
    }
    if (constrained.size() < 2) return true;
    std::sort(constrained.begin(), constrained.end(),
              [](const auto& a, const auto& b) { return a.size() < b.size(); });
    std::vector<const Leaf*> chosen;
    size_t budget = kSearchBudget;
    const bool found = Choose(constrained, chosen, budget);
    return found || budget == 0;
  }

  bool Choose(const std::vector<std::vector<const Leaf*>>& fields, std::vector<const Leaf*>& chosen,
              size_t& budget) {
    if (chosen.size() == fields.size()) return true;
    for (const Leaf* candidate : fields[chosen.size()]) {
      if (budget == 0) return false;
      --budget;
      const bool fits = std::all_of(chosen.begin(), chosen.end(), [candidate](const Leaf* other) {
        return Consistent(candidate->trail, other->trail);
      });
      if (!fits) continue;
      chosen.push_back(candidate);
      if (Choose(fields, chosen, budget)) return true;
      chosen.pop_back();
    }
    return false;
  }

  const EventPattern& pattern_;
  std::vector<std::vector<Leaf>> leaves_;  // by path index
};

bool EventPattern::Matches(const json::value& event) const {
  return PatternMatcher(*this).Matches(event);
}

}  // namespace serval::events
