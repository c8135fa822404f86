#include "http/form_data.h"

#include <utility>

#include "common/text.h"

namespace serval::http {
namespace {

// A part's header block (Content-Disposition, Content-Type) larger than this is not a form's.
constexpr size_t kMaxPartHeaderBytes = 16 * 1024;
// Transport padding allowed after a boundary before its line ends (RFC 2046 allows blanks).
constexpr size_t kMaxBoundaryPadding = 256;

absl::Status Malformed(std::string_view what) {
  return absl::InvalidArgumentError(std::string(what));
}

// The parameters of a header value such as `form-data; name="key"; filename="a b.txt"`: names
// lower-cased, quoted values unquoted. The leading token comes
// back under the name "".
std::vector<std::pair<std::string, std::string>> HeaderParameters(std::string_view value) {
  std::vector<std::pair<std::string, std::string>> parameters;
  size_t at = 0;
  bool first = true;
  while (at <= value.size()) {
    std::string name;
    if (!first) {
      const size_t equals = value.find_first_of("=;", at);
      if (equals == std::string_view::npos || value[equals] == ';') {
        // A parameter without a value: skip it.
        at = equals == std::string_view::npos ? value.size() + 1 : equals + 1;
        continue;
      }
      name = AsciiToLower(TrimBlanks(value.substr(at, equals - at)));
      at = equals + 1;
      while (at < value.size() && (value[at] == ' ' || value[at] == '\t')) ++at;
    }
    std::string text;
    if (!first && at < value.size() && value[at] == '"') {
      // Browsers write a '"' in a file name as %22 and a backslash as itself (HTML's form
      // encoding), so a quoted value ends at the next '"'.
      for (++at; at < value.size() && value[at] != '"'; ++at) text.push_back(value[at]);
      at = value.find(';', at);
    } else {
      const size_t end = value.find(';', at);
      text = std::string(TrimBlanks(value.substr(at, end == std::string_view::npos
                                                         ? std::string_view::npos
                                                         : end - at)));
      at = end;
    }
    parameters.emplace_back(std::move(name), std::move(text));
    first = false;
    if (at == std::string_view::npos) break;
    ++at;
  }
  return parameters;
}

}  // namespace

absl::StatusOr<std::string> FormBoundaryOf(std::string_view content_type) {
  auto parameters = HeaderParameters(content_type);
  if (parameters.empty() || !EqualsIgnoreCase(parameters[0].second, "multipart/form-data")) {
    return Malformed("the body is not multipart/form-data");
  }
  for (auto& [name, value] : parameters) {
    if (name != "boundary") continue;
    // RFC 2046: 1 to 70 characters, not ending in a blank.
    if (value.empty() || value.size() > 70 || value.back() == ' ') break;
    return std::move(value);
  }
  return Malformed("the multipart/form-data Content-Type names no valid boundary");
}

FormDataReader::FormDataReader(BodySource source, std::string_view boundary,
                               std::string file_field, size_t max_field_bytes)
    : source_(std::move(source)),
      delimiter_("\r\n--" + std::string(boundary)),
      file_field_(std::move(file_field)),
      max_field_bytes_(max_field_bytes),
      // The first delimiter may open the body without the line break before it: one in front
      // lets every delimiter be found the same way.
      buffer_("\r\n") {}

void FormDataReader::ReadFields(std::function<void(absl::Status)> done) {
  ContinueFields(std::move(done));
}

void FormDataReader::ContinueFields(std::function<void(absl::Status)> done) {
  if (ParseFields()) return done(status_);
  if (ended_) return done(Malformed("the multipart/form-data body ends inside a part"));
  Pull([self = shared_from_this(), done] { self->ContinueFields(done); }, done);
}

void FormDataReader::Pull(std::function<void()> next, std::function<void(absl::Status)> fail) {
  source_([self = shared_from_this(), next = std::move(next),
           fail = std::move(fail)](absl::StatusOr<BodyChunk> chunk) {
    if (!chunk.ok()) return fail(chunk.status());
    self->buffer_.append(chunk->data);
    if (chunk->last) self->ended_ = true;
    next();
  });
}

bool FormDataReader::ParseFields() {
  while (true) {
    switch (state_) {
      case State::kPreamble:
      case State::kFieldValue: {
        const size_t found = buffer_.find(delimiter_);
        if (found == std::string::npos) {
          const size_t budget =
              state_ == State::kPreamble ? kMaxPartHeaderBytes : max_field_bytes_ - field_bytes_;
          if (buffer_.size() > budget + delimiter_.size()) {
            status_ = state_ == State::kPreamble
                          ? Malformed("the multipart/form-data body opens with no boundary")
                          : absl::ResourceExhaustedError("the form's fields are too large");
            return true;
          }
          return false;
        }
        if (state_ == State::kFieldValue) {
          field_bytes_ += found;
          if (field_bytes_ > max_field_bytes_) {
            status_ = absl::ResourceExhaustedError("the form's fields are too large");
            return true;
          }
          fields_.push_back({std::move(part_name_), buffer_.substr(0, found)});
          part_name_.clear();
        }
        buffer_.erase(0, found + delimiter_.size());
        state_ = State::kAfterDelimiter;
        break;
      }
      case State::kAfterDelimiter: {
        if (buffer_.size() < 2) return false;
        if (buffer_.starts_with("--")) {
          state_ = State::kDone;  // the close delimiter: no file part
          return true;
        }
        size_t at = 0;
        while (at < buffer_.size() && (buffer_[at] == ' ' || buffer_[at] == '\t')) ++at;
        if (buffer_.size() - at < 2) {
          if (at > kMaxBoundaryPadding) {
            status_ = Malformed("a multipart boundary is not followed by a line break");
            return true;
          }
          return false;
        }
        if (buffer_.compare(at, 2, "\r\n") != 0) {
          status_ = Malformed("a multipart boundary is not followed by a line break");
          return true;
        }
        buffer_.erase(0, at + 2);
        state_ = State::kPartHeaders;
        break;
      }
      case State::kPartHeaders: {
        size_t end = 0;
        size_t skip = 2;
        if (!buffer_.starts_with("\r\n")) {
          end = buffer_.find("\r\n\r\n");
          skip = 4;
        }
        if (end == std::string::npos) {
          if (buffer_.size() > kMaxPartHeaderBytes) {
            status_ = Malformed("a multipart part's headers are too large");
            return true;
          }
          return false;
        }
        status_ = ParsePartHeaders(std::string_view(buffer_).substr(0, end));
        buffer_.erase(0, end + skip);
        if (!status_.ok()) return true;
        if (file_.has_value()) {
          state_ = State::kFile;
          return true;
        }
        field_bytes_ += part_name_.size();
        if (field_bytes_ > max_field_bytes_) {
          status_ = absl::ResourceExhaustedError("the form's fields are too large");
          return true;
        }
        state_ = State::kFieldValue;
        break;
      }
      case State::kFile:
      case State::kDone:
        return true;
    }
  }
}

absl::Status FormDataReader::ParsePartHeaders(std::string_view headers) {
  std::optional<std::string> name;
  std::optional<std::string> filename;
  std::string content_type;
  for (std::string_view line : SplitOn(headers, '\n')) {
    if (line.ends_with('\r')) line.remove_suffix(1);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    const std::string_view header = TrimBlanks(line.substr(0, colon));
    const std::string_view value = TrimBlanks(line.substr(colon + 1));
    if (EqualsIgnoreCase(header, "Content-Type")) content_type = std::string(value);
    if (!EqualsIgnoreCase(header, "Content-Disposition")) continue;
    auto parameters = HeaderParameters(value);
    if (parameters.empty() || !EqualsIgnoreCase(parameters[0].second, "form-data")) {
      return Malformed("a multipart part is not form-data");
    }
    for (auto& [parameter, text] : parameters) {
      if (parameter == "name") name = std::move(text);
      if (parameter == "filename") filename = std::move(text);
    }
  }
  if (!name.has_value()) return Malformed("a multipart part has no form-data name");
  if (EqualsIgnoreCase(*name, file_field_)) {
    file_ = FormFile{.field_name = std::move(*name),
                     .filename = filename.value_or(""),
                     .content_type = std::move(content_type)};
    return absl::OkStatus();
  }
  part_name_ = std::move(*name);
  return absl::OkStatus();
}

BodySource FormDataReader::FileSource() {
  return [self = shared_from_this()](BodyChunkCallback callback) {
    self->NextFilePiece(std::move(callback));
  };
}

void FormDataReader::NextFilePiece(BodyChunkCallback callback) {
  if (state_ != State::kFile) {
    return callback(absl::FailedPreconditionError("the form's file has been read"));
  }
  const size_t found = buffer_.find(delimiter_);
  if (found != std::string::npos) {
    std::string data = std::move(buffer_);
    buffer_ = data.substr(found + delimiter_.size());
    data.resize(found);
    state_ = State::kDone;
    return DrainThenFinish(std::move(data), std::move(callback));
  }
  if (ended_) return callback(Malformed("the multipart/form-data body ends inside the file"));
  // All but the bytes that could begin a delimiter split across pieces.
  const size_t keep = delimiter_.size() - 1;
  if (buffer_.size() <= keep) {
    return Pull([self = shared_from_this(), callback] { self->NextFilePiece(callback); },
                [callback](absl::Status status) { callback(std::move(status)); });
  }
  std::string data = std::move(buffer_);
  buffer_ = data.substr(data.size() - keep);
  data.resize(data.size() - keep);
  callback(BodyChunk{std::move(data), false});
}

void FormDataReader::DrainThenFinish(std::string data, BodyChunkCallback callback) {
  buffer_.clear();
  if (ended_) return callback(BodyChunk{std::move(data), true});
  Pull(
      [self = shared_from_this(), data = std::move(data), callback]() mutable {
        self->DrainThenFinish(std::move(data), std::move(callback));
      },
      [callback](absl::Status status) { callback(std::move(status)); });
}

}  // namespace serval::http
