#pragma once

#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "services/ec2/instance.h"

namespace serval::ec2 {

// EC2's Filter.N.Name / Filter.N.Value.M request filters: a candidate passes when, for every
// filter, one of its values for the filter's field matches one of the filter's values (values
// OR'ed, filters AND'ed). Values may hold wildcards: * (any run), ? (any one character), a
// backslash making the next character literal. Thread-safe (immutable once parsed).

// What a filter name asks of a `Subject`: `any` calls `matches` with each value the subject has
// for the field (`name` is the filter's name as given, which "tag:KEY" reads its key from) and
// answers whether one matched.
template <typename Subject>
struct FilterField {
  std::string_view name;  // "instance-id"; "tag:" stands for every "tag:KEY"
  bool (*any)(const Subject& subject, std::string_view name,
              absl::FunctionRef<bool(std::string_view)> matches);
};

// The subjects of EC2's filters: an instance as it reads now, and one tag of one instance.
struct InstanceView {
  const Instance& instance;
  InstanceState state;
};
struct TagView {
  const Instance& instance;
  const std::string& key;
  const std::string& value;
};

// The fields DescribeInstances, DescribeInstanceStatus and DescribeTags filter on.
std::span<const FilterField<InstanceView>> InstanceFilterFields();
std::span<const FilterField<InstanceView>> InstanceStatusFilterFields();
std::span<const FilterField<TagView>> TagFilterFields();

// Whether `value` matches the filter value `pattern`.
bool FilterValueMatches(std::string_view pattern, std::string_view value);

// One Filter.N: its name and values.
struct FilterTerm {
  std::string name;
  std::vector<std::string> values;
};
// The Filter.N parameters of a request, in index order. InvalidParameterValue for a filter
// without a name.
absl::StatusOr<std::vector<FilterTerm>> ReadFilterTerms(
    const std::map<std::string, std::string>& parameters);

// The filters of a request compiled against the fields of one operation.
template <typename Subject>
class Filters {
 public:
  // InvalidParameterValue "The filter 'NAME' is invalid" for a name `fields` does not have.
  static absl::StatusOr<Filters> Compile(std::vector<FilterTerm> terms,
                                         std::span<const FilterField<Subject>> fields);

  bool empty() const { return terms_.empty(); }
  bool Matches(const Subject& subject) const {
    for (const Term& term : terms_) {
      const bool any = term.field->any(subject, term.filter.name, [&](std::string_view value) {
        for (const std::string& pattern : term.filter.values) {
          if (FilterValueMatches(pattern, value)) return true;
        }
        return false;
      });
      if (!any) return false;
    }
    return true;
  }

 private:
  struct Term {
    const FilterField<Subject>* field;
    FilterTerm filter;
  };
  std::vector<Term> terms_;
};

// The Filter.N parameters of `parameters` compiled against `fields`.
template <typename Subject>
absl::StatusOr<Filters<Subject>> RequestFilters(
    const std::map<std::string, std::string>& parameters,
    std::span<const FilterField<Subject>> fields) {
  absl::StatusOr<std::vector<FilterTerm>> terms = ReadFilterTerms(parameters);
  if (!terms.ok()) return terms.status();
  return Filters<Subject>::Compile(*std::move(terms), fields);
}

// The error of a filter name no field answers.
absl::Status InvalidFilter(std::string_view name);

template <typename Subject>
absl::StatusOr<Filters<Subject>> Filters<Subject>::Compile(
    std::vector<FilterTerm> terms, std::span<const FilterField<Subject>> fields) {
  Filters filters;
  for (FilterTerm& term : terms) {
    const FilterField<Subject>* found = nullptr;
    for (const FilterField<Subject>& field : fields) {
      const bool prefix = field.name.ends_with(':');
      if (prefix ? term.name.starts_with(field.name) && term.name.size() > field.name.size()
                 : term.name == field.name) {
        found = &field;
        break;
      }
    }
    if (found == nullptr) return InvalidFilter(term.name);
    filters.terms_.push_back(Term{found, std::move(term)});
  }
  return filters;
}

}  // namespace serval::ec2
