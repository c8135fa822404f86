#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "iam/policy.h"
#include "sandbox/invocation.h"
#include "services/lambda/function_config.h"
#include "storage/metadata_store.h"

namespace serval::lambda {

// All functions with their published versions and aliases, in memory for the invoke path and
// written through to the metadata store before any change is acknowledged (tables
// "lambda.functions" by name, "lambda.versions" by name "/" 10-digit number, "lambda.aliases" by
// name "/" alias; docs/formats.md). Runs only on the io thread.
class FunctionRegistry {
 public:
  // One version ($LATEST or published) and the snapshot environments run for it.
  struct Entry {
    std::shared_ptr<const FunctionConfig> config;
    std::shared_ptr<const sandbox::FunctionSpec> spec;
    // $LATEST only: the resource-based policies of config->policies, parsed once, by qualifier.
    std::shared_ptr<const std::map<std::string, iam::PolicyDocument, std::less<>>> policies;
  };
  struct Function {
    Entry latest;
    std::map<int, Entry> versions;  // published, by number
    std::map<std::string, AliasConfig, std::less<>> aliases;

    // $LATEST or a published version by its number; nullptr if there is none.
    const Entry* Version(std::string_view version) const;
    // The resource-based policy for `qualifier` ("" for the unqualified function), or null.
    const iam::PolicyDocument* Policy(std::string_view qualifier) const;
  };
  using SpecFactory =
      std::function<std::shared_ptr<const sandbox::FunctionSpec>(const FunctionConfig&)>;

  // Loads every stored function. `store` must outlive the registry.
  static absl::StatusOr<std::unique_ptr<FunctionRegistry>> Open(storage::MetadataStore* store,
                                                                SpecFactory make_spec);

  const Function* Find(std::string_view name) const;
  // Inserts or replaces a function's $LATEST, durably.
  absl::Status PutLatest(FunctionConfig config);
  // Removes the function with all its versions and aliases.
  absl::Status Remove(const std::string& name);
  // Snapshots $LATEST as the next version number (returned). Requires the function to exist.
  absl::StatusOr<int> Publish(const std::string& name, const std::string& description);
  absl::Status RemoveVersion(const std::string& name, int version);
  absl::Status PutAlias(const std::string& name, AliasConfig alias);
  absl::Status RemoveAlias(const std::string& name, const std::string& alias);

  // The function URL whose id is `url_id`, with the function and qualifier it invokes.
  struct Url {
    const Function* function;
    std::string_view qualifier;  // "" or an alias
    const FunctionUrlConfig* config;
  };
  std::optional<Url> FindUrl(std::string_view url_id) const;

  // Up to `max` functions in name order, starting after `after` (empty: from the start).
  std::vector<const Function*> List(std::string_view after, size_t max, bool* more) const;
  // Whether any version of any function runs this code package.
  bool UsesCode(std::string_view code_id) const;
  size_t size() const { return functions_.size(); }

 private:
  FunctionRegistry(storage::MetadataStore* store, SpecFactory make_spec)
      : store_(store), make_spec_(std::move(make_spec)) {}
  Entry MakeEntry(FunctionConfig config) const;
  absl::Status Load();
  // Keeps urls_ in step with the function URLs of `name`'s $LATEST, replaced by `now` (null: the
  // function is gone).
  void IndexUrls(const std::string& name, const FunctionConfig* now);

  storage::MetadataStore* store_;
  SpecFactory make_spec_;
  std::map<std::string, Function, std::less<>> functions_;
  // Function URL id -> (function name, qualifier), for the function URL front end.
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> urls_;
};

}  // namespace serval::lambda
