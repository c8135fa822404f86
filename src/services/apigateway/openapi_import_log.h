#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "absl/status/status.h"

namespace serval::apigateway {

// The method a finding is about, as messages name it: 'GET' on resource at path '/pets/{id}'
// (the path as the API has it, base path included).
struct OperationPlace {
  std::string method;
  std::string path;
};

// What an import found wrong, in API Gateway's two grades: errors fail the import whatever the
// caller asked; warnings fail it only with failonwarnings=true and are otherwise returned in the
// RestApi's `warnings`. Thread-compatible.
class ImportLog {
 public:
  void Error(std::string message) { errors_.push_back(std::move(message)); }
  void Warn(std::string message) { warnings_.push_back(std::move(message)); }
  // A warning of the document parser, which AWS lists before the importer's own.
  void ParseIssue(std::string message) {
    warnings_.insert(warnings_.begin() + static_cast<ptrdiff_t>(parse_issues_++),
                     std::move(message));
  }

  // OK, or the BadRequestException AWS answers with, listing one finding per "\n\t" line:
  // "Errors found during import:\n\t...[\nAdditionally, these warnings were found:\n\t...]" or,
  // with `fail_on_warnings` and warnings alone, "Warnings found during import:\n\t...".
  absl::Status Outcome(bool fail_on_warnings) const;

  std::vector<std::string> TakeWarnings() { return std::move(warnings_); }

 private:
  std::vector<std::string> errors_;
  std::vector<std::string> warnings_;
  size_t parse_issues_ = 0;  // the first warnings, in order
};

}  // namespace serval::apigateway
