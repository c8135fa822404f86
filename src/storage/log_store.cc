#include "storage/log_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/percent_encoding.h"

namespace serval::storage {
namespace {

constexpr size_t kFlushThreshold = 64 * 1024;

void AppendEscaped(std::string& out, std::string_view message) {
  for (char c : message) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

std::string Unescape(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      ++i;
      out.push_back(text[i] == 'n' ? '\n' : text[i]);
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

}  // namespace

LogStreamWriter::LogStreamWriter(int fd, std::string group, std::string stream)
    : fd_(fd), group_(std::move(group)), stream_(std::move(stream)) {}

LogStreamWriter::~LogStreamWriter() {
  Flush();
  ::close(fd_);
}

void LogStreamWriter::Append(int64_t timestamp_millis, std::string_view message) {
  pending_ += std::to_string(timestamp_millis);
  pending_.push_back('\t');
  AppendEscaped(pending_, message);
  pending_.push_back('\n');
  if (pending_.size() >= kFlushThreshold) Flush();
}

void LogStreamWriter::Flush() {
  size_t written = 0;
  while (written < pending_.size()) {
    const ssize_t n = ::write(fd_, pending_.data() + written, pending_.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // disk full or similar: the log is best effort, invocations go on
    written += static_cast<size_t>(n);
  }
  pending_.clear();
}

std::filesystem::path LogStore::GroupDir(std::string_view group) const {
  return root_ / PercentEncode(group);
}

absl::StatusOr<std::unique_ptr<LogStreamWriter>> LogStore::OpenStream(std::string_view group,
                                                                      std::string_view stream) {
  std::error_code ec;
  const auto dir = GroupDir(group);
  std::filesystem::create_directories(dir, ec);
  if (ec) return absl::InternalError("cannot create log dir " + dir.string() + ": " + ec.message());
  const auto path = dir / (PercentEncode(stream) + ".log");
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return absl::InternalError("cannot open " + path.string() + ": " + strerror(errno));
  return std::make_unique<LogStreamWriter>(fd, std::string(group), std::string(stream));
}

std::vector<std::string> LogStore::ListStreams(std::string_view group) const {
  std::vector<std::string> streams;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(GroupDir(group), ec)) {
    const std::string file = entry.path().filename().string();
    if (file.size() > 4 && file.ends_with(".log")) {
      streams.push_back(PercentDecode(file.substr(0, file.size() - 4)));
    }
  }
  std::sort(streams.begin(), streams.end());
  return streams;
}

absl::StatusOr<uint64_t> LogStore::ReadStream(
    std::string_view group, std::string_view stream, uint64_t offset,
    const std::function<void(const LogEvent&)>& on_event) const {
  const auto path = GroupDir(group) / (PercentEncode(stream) + ".log");
  std::ifstream file(path, std::ios::binary);
  if (!file) return absl::NotFoundError("no log stream " + std::string(stream));
  file.seekg(static_cast<std::streamoff>(offset));
  std::string line;
  while (std::getline(file, line)) {
    if (file.eof()) break;  // a partial line still being written: read it next time
    offset += line.size() + 1;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) continue;
    LogEvent event;
    event.timestamp_millis = std::strtoll(line.c_str(), nullptr, 10);
    event.message = Unescape(std::string_view(line).substr(tab + 1));
    on_event(event);
  }
  return offset;
}

}  // namespace serval::storage
