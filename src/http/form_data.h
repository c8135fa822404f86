#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "http/message.h"

namespace serval::http {

// A multipart/form-data body (RFC 7578, framed as RFC 2046 says) read as it arrives, for uploads
// from HTML forms: the fields before the file part are collected, then the file's bytes are
// handed on as a body source of their own, so a large file is never held in memory. Whatever
// follows the file part is read and ignored (S3's POST Object does the same).
//
// Errors: a body that is not well-formed multipart (no boundary where one must be, a part without
// Content-Disposition form-data, the end of the body inside a part) is InvalidArgument; fields
// before the file larger than the reader's limit are ResourceExhausted. Runs on the io thread,
// like the body source it reads.

struct FormField {
  std::string name;  // as sent
  std::string value;
};

struct FormFile {
  std::string field_name;  // as sent
  std::string filename;    // the part's filename parameter ("" when absent)
  std::string content_type;
};

// The boundary of a multipart/form-data Content-Type, or InvalidArgument when the type is not
// multipart/form-data or names no usable boundary.
absl::StatusOr<std::string> FormBoundaryOf(std::string_view content_type);

class FormDataReader : public std::enable_shared_from_this<FormDataReader> {
 public:
  // `file_field` names the file part (compared ignoring case); `max_field_bytes` bounds the
  // names and values of the fields before it.
  FormDataReader(BodySource source, std::string_view boundary, std::string file_field,
                 size_t max_field_bytes);

  // Reads the fields up to the file part's headers, or to the end of the body when it has no
  // file part; then `done`. Call once.
  void ReadFields(std::function<void(absl::Status)> done);
  const std::vector<FormField>& fields() const { return fields_; }
  // The file part, once ReadFields has succeeded; nullopt when the body had none.
  const std::optional<FormFile>& file() const { return file_; }

  // The file's content, piece by piece, ending with a `last` piece once the rest of the body has
  // been read. Only after ReadFields found a file part. Keeps the reader alive.
  BodySource FileSource();

 private:
  enum class State { kPreamble, kAfterDelimiter, kPartHeaders, kFieldValue, kFile, kDone };

  // Parses what is buffered; true when it stopped at the file part or the end (`status_` holds
  // the outcome), false when it needs more bytes.
  bool ParseFields();
  // Reads the next piece of the body into `buffer_`, then runs `next` (or fails `fail`).
  void Pull(std::function<void()> next, std::function<void(absl::Status)> fail);
  void ContinueFields(std::function<void(absl::Status)> done);
  void NextFilePiece(BodyChunkCallback callback);
  // After the file's closing delimiter: reads the body to its end, then gives `data` as the last
  // piece.
  void DrainThenFinish(std::string data, BodyChunkCallback callback);
  absl::Status ParsePartHeaders(std::string_view headers);

  BodySource source_;
  std::string delimiter_;  // "\r\n--" boundary
  std::string file_field_;
  size_t max_field_bytes_;
  size_t field_bytes_ = 0;
  State state_ = State::kPreamble;
  std::string buffer_;  // read and not yet parsed
  bool ended_ = false;  // the source gave its last piece
  std::string part_name_;
  std::vector<FormField> fields_;
  std::optional<FormFile> file_;
  absl::Status status_;
};

}  // namespace serval::http
