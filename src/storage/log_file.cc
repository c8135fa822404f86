#include "storage/log_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"
#include "common/percent_encoding.h"

namespace serval::storage::log_file {
namespace {

constexpr std::string_view kHeaderPrefix = "#serval-log ";
constexpr size_t kChunkBytes = 1 << 20;

// Closes the descriptor it holds.
class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::StatusOr<int> OpenForReading(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError("no log stream file " + path);
    return absl::InternalError(absl::StrCat("cannot open ", path, ": ", strerror(errno)));
  }
  return fd;
}

// Reads up to `size` bytes at `offset`; fewer only at the end of the file.
absl::StatusOr<size_t> ReadAt(int fd, char* out, size_t size, uint64_t offset) {
  size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pread(fd, out + done, size - done, static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return absl::InternalError(absl::StrCat("log read failed: ", strerror(errno)));
    if (n == 0) break;
    done += static_cast<size_t>(n);
  }
  return done;
}

bool ParseInt(std::string_view text, int64_t& value) {
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size();
}

void Unescape(std::string_view text, std::string& out) {
  out.clear();
  if (text.find('\\') == std::string_view::npos) {
    out.assign(text);
    return;
  }
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 1 < text.size()) {
      ++i;
      out.push_back(text[i] == 'n' ? '\n' : text[i]);
    } else {
      out.push_back(text[i]);
    }
  }
}

// Parses one event line (without its newline) of a file in `format`; false for a line that is
// not an event (damaged, or the header).
bool ParseEvent(std::string_view line, int format, LogEvent& event) {
  const size_t tab = line.find('\t');
  if (tab == std::string_view::npos || !ParseInt(line.substr(0, tab), event.timestamp_millis)) {
    return false;
  }
  std::string_view rest = line.substr(tab + 1);
  if (format >= 2) {
    const size_t second = rest.find('\t');
    if (second == std::string_view::npos ||
        !ParseInt(rest.substr(0, second), event.ingestion_millis)) {
      return false;
    }
    rest = rest.substr(second + 1);
  } else {
    event.ingestion_millis = event.timestamp_millis;
  }
  Unescape(rest, event.message);
  return true;
}

}  // namespace

std::string Header(int64_t creation_millis, std::string_view name) {
  return std::string(kHeaderPrefix) + "2 " + std::to_string(creation_millis) + " " +
         PercentEncode(name) + "\n";
}

void AppendEvent(std::string& out, int format, int64_t timestamp_millis, int64_t ingestion_millis,
                 std::string_view message) {
  absl::StrAppend(&out, timestamp_millis, "\t");
  if (format >= 2) absl::StrAppend(&out, ingestion_millis, "\t");
  // Runs of plain text at once; backslashes and newlines escaped.
  while (!message.empty()) {
    const size_t special = message.find_first_of("\\\n");
    out.append(message.substr(0, special));
    if (special == std::string_view::npos) break;
    out += message[special] == '\\' ? "\\\\" : "\\n";
    message.remove_prefix(special + 1);
  }
  out.push_back('\n');
}

absl::StatusOr<Summary> Summarize(const std::string& path) {
  auto fd_or = OpenForReading(path);
  if (!fd_or.ok()) return fd_or.status();
  FileDescriptor fd(*fd_or);
  Summary summary;
  const off_t size = ::lseek(fd.get(), 0, SEEK_END);
  if (size < 0) return absl::InternalError(absl::StrCat("cannot size ", path));
  summary.size = static_cast<uint64_t>(size);
  std::string head(std::min<uint64_t>(summary.size, 4096), '\0');
  auto got = ReadAt(fd.get(), head.data(), head.size(), 0);
  if (!got.ok()) return got.status();
  head.resize(*got);
  if (std::string_view(head).starts_with(kHeaderPrefix)) {
    const size_t newline = head.find('\n');
    if (newline == std::string::npos) return absl::DataLossError("damaged log header in " + path);
    std::string_view fields =
        std::string_view(head).substr(kHeaderPrefix.size(), newline - kHeaderPrefix.size());
    const size_t space = fields.find(' ');
    const size_t name_space = space == std::string_view::npos ? space : fields.find(' ', space + 1);
    int64_t format = 0;
    int64_t creation = 0;
    if (space == std::string_view::npos || !ParseInt(fields.substr(0, space), format) ||
        !ParseInt(fields.substr(space + 1, name_space - space - 1), creation)) {
      return absl::DataLossError("damaged log header in " + path);
    }
    if (name_space != std::string_view::npos) {
      summary.name = PercentDecode(fields.substr(name_space + 1));
    }
    summary.format = static_cast<int>(format);
    summary.creation_millis = creation;
    summary.first_event_offset = newline + 1;
  } else {
    summary.format = 1;
  }
  // The first event: the first line after the header.
  auto first =
      ReadEvents(path, summary.format, summary.first_event_offset, 0, [&](const LogEvent& event) {
        summary.first_event_millis = event.timestamp_millis;
        return false;
      });
  if (!first.ok()) return first.status();
  // The last event: the last complete line, found backwards from the end.
  if (summary.size > summary.first_event_offset) {
    uint64_t window = 4096;
    while (true) {
      const uint64_t start = std::max<uint64_t>(summary.first_event_offset,
                                                summary.size > window ? summary.size - window : 0);
      std::string tail(summary.size - start, '\0');
      auto read = ReadAt(fd.get(), tail.data(), tail.size(), start);
      if (!read.ok()) return read.status();
      tail.resize(*read);
      // Skip a partial last line (no newline yet), then find the line before.
      const size_t last_newline = tail.rfind('\n');
      if (last_newline == std::string::npos) {
        if (start == summary.first_event_offset) break;
        window *= 4;
        continue;
      }
      const size_t previous =
          last_newline == 0 ? std::string::npos : tail.rfind('\n', last_newline - 1);
      if (previous == std::string::npos && start != summary.first_event_offset) {
        window *= 4;
        continue;
      }
      const size_t line_start = previous == std::string::npos ? 0 : previous + 1;
      LogEvent event;
      if (ParseEvent(std::string_view(tail).substr(line_start, last_newline - line_start),
                     summary.format, event)) {
        summary.last_event_millis = event.timestamp_millis;
        summary.last_ingestion_millis = event.ingestion_millis;
      }
      break;
    }
  }
  return summary;
}

absl::StatusOr<uint64_t> ReadEvents(const std::string& path, int format, uint64_t offset,
                                    uint64_t end_offset,
                                    const std::function<bool(const LogEvent&)>& on_event) {
  auto fd_or = OpenForReading(path);
  if (!fd_or.ok()) return fd_or.status();
  FileDescriptor fd(*fd_or);
  std::string buffer;
  LogEvent event;  // reused, so that reading allocates only when a message outgrows it
  uint64_t position = offset;
  while (end_offset == 0 || position < end_offset) {
    const size_t kept = buffer.size();
    size_t want = kChunkBytes;
    if (end_offset != 0) want = std::min<uint64_t>(want, end_offset - (position + kept));
    if (want == 0) break;
    buffer.resize(kept + want);
    auto got = ReadAt(fd.get(), buffer.data() + kept, want, position + kept);
    if (!got.ok()) return got.status();
    buffer.resize(kept + *got);
    if (*got == 0) break;  // the end of the file; what is left is a partial line
    size_t line_start = 0;
    while (true) {
      const void* found = std::memchr(buffer.data() + line_start, '\n', buffer.size() - line_start);
      if (found == nullptr) break;
      const size_t newline = static_cast<const char*>(found) - buffer.data();
      event.offset = position + line_start;
      const bool parsed = ParseEvent(
          std::string_view(buffer.data() + line_start, newline - line_start), format, event);
      line_start = newline + 1;
      if (parsed && !on_event(event)) return position + line_start;
    }
    position += line_start;
    buffer.erase(0, line_start);
  }
  return position;
}

bool StartsLine(const std::string& path, uint64_t offset) {
  auto fd_or = OpenForReading(path);
  if (!fd_or.ok()) return false;
  FileDescriptor fd(*fd_or);
  if (offset == 0) return true;
  char before = 0;
  auto got = ReadAt(fd.get(), &before, 1, offset - 1);
  return got.ok() && *got == 1 && before == '\n';
}

}  // namespace serval::storage::log_file
