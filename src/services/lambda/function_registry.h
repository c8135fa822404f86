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
#include "storage/view_writer.h"

namespace serval::lambda {

// All functions with their published versions and aliases, in memory for the invoke path and
// written through to the metadata store before any change is acknowledged (tables
// "lambda.functions" by name, "lambda.versions" by name "/" 10-digit number, "lambda.aliases" by
// name "/" alias; docs/formats.md): a change is answered for only once it is durable. Runs only
// on the io thread, which it never blocks on a write.
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

  // The changes below take effect in memory at once (what every later call sees) and are written
  // with the store's group commit; `done` runs on the io thread once the change is durable. When
  // a write fails, the functions it and the writes in flight with it touched are read back from
  // the store (storage::ViewWriter), so memory again matches the disk.
  using Done = std::function<void(absl::Status)>;
  // Inserts or replaces a function's $LATEST.
  void PutLatest(FunctionConfig config, Done done);
  // Removes the function with all its versions and aliases.
  // The key by value: a caller may pass one held by the entry this erases.
  void Remove(std::string name, Done done);
  // Snapshots $LATEST as the next version number, which `done` gets. Requires the function to
  // exist.
  void Publish(std::string name, const std::string& description,
               std::function<void(absl::StatusOr<int>)> done);
  void RemoveVersion(const std::string& name, int version, Done done);
  void PutAlias(const std::string& name, AliasConfig alias, Done done);
  void RemoveAlias(const std::string& name, const std::string& alias, Done done);
  // Runs `then` once no change is being written: what the registry holds is then durable.
  void WhenSettled(std::function<void()> then) { writer_.WhenSettled(std::move(then)); }

  // The function URL whose id is `url_id`, with the function and qualifier it invokes.
  struct Url {
    const Function* function;
    std::string_view qualifier;  // "" or an alias
    const FunctionUrlConfig* config;
  };
  std::optional<Url> FindUrl(std::string_view url_id) const;

  // Up to `max` functions in name order, starting after `after` (empty: from the start).
  std::vector<const Function*> List(std::string_view after, size_t max, bool* more) const;
  // Calls `visit` for every function, in name order (account-wide sums and start-up).
  void ForEach(const std::function<void(const Function&)>& visit) const;
  // Whether any version of any function runs this code package.
  bool UsesCode(std::string_view code_id) const;
  size_t size() const { return functions_.size(); }

 private:
  FunctionRegistry(storage::MetadataStore* store, SpecFactory make_spec)
      : store_(store), make_spec_(std::move(make_spec)) {}
  Entry MakeEntry(FunctionConfig config) const;
  absl::Status Load();
  // Writes `batch` (a change to function `name` already made in memory) and runs `done` once it
  // is durable; the function is reloaded from the store when the write fails (ViewWriter).
  void Commit(storage::WriteBatch batch, const std::string& name, Done done);
  // Replaces what memory holds of function `name` with what the store holds.
  absl::Status Reload(const std::string& name);
  // Adds the stored version or alias `record` to its function, if that function is loaded.
  absl::Status AddVersion(const storage::Record& record);
  absl::Status AddAlias(const storage::Record& record);
  // Keeps urls_ in step with the function URLs of `name`'s $LATEST, replaced by `now` (null: the
  // function is gone).
  void IndexUrls(const std::string& name, const FunctionConfig* now);

  storage::MetadataStore* store_;
  storage::ViewWriter writer_{store_};
  SpecFactory make_spec_;
  std::map<std::string, Function, std::less<>> functions_;
  // Function URL id -> (function name, qualifier), for the function URL front end.
  std::map<std::string, std::pair<std::string, std::string>, std::less<>> urls_;
};

}  // namespace serval::lambda
