#include "http/form_data.h"

#include <gtest/gtest.h>

#include <string>

namespace serval::http {
namespace {

// A body source giving `body` in pieces of `piece` bytes, synchronously.
BodySource PiecesOf(std::string body, size_t piece) {
  auto state = std::make_shared<std::pair<std::string, size_t>>(std::move(body), 0);
  return [state, piece](BodyChunkCallback callback) {
    auto& [text, at] = *state;
    const size_t size = std::min(piece, text.size() - at);
    BodyChunk chunk{text.substr(at, size), at + size == text.size()};
    at += size;
    callback(std::move(chunk));
  };
}

struct Outcome {
  absl::Status fields_status = absl::UnknownError("not run");
  std::vector<FormField> fields;
  std::optional<FormFile> file;
  absl::Status file_status = absl::UnknownError("not read");
  std::string content;
};

Outcome Read(const std::string& body, size_t piece, size_t max_field_bytes = 20 * 1024) {
  Outcome outcome;
  auto reader = std::make_shared<FormDataReader>(PiecesOf(body, piece), "XyZ", "file",
                                                 max_field_bytes);
  reader->ReadFields([&](absl::Status status) { outcome.fields_status = status; });
  outcome.fields = reader->fields();
  outcome.file = reader->file();
  if (!outcome.fields_status.ok() || !outcome.file) return outcome;
  BodySource file = reader->FileSource();
  bool last = false;
  while (!last) {
    bool called = false;
    file([&](absl::StatusOr<BodyChunk> chunk) {
      called = true;
      if (!chunk.ok()) {
        outcome.file_status = chunk.status();
        last = true;
        return;
      }
      outcome.content += chunk->data;
      last = chunk->last;
      if (last) outcome.file_status = absl::OkStatus();
    });
    EXPECT_TRUE(called);
  }
  return outcome;
}

// What a browser sends: a preamble-free body, fields, the file (with bytes that look like the
// start of a boundary), and a field after the file that S3 ignores.
const std::string kBrowserBody =
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"key\"\r\n\r\n"
    "uploads/${filename}\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"Content-Type\"\r\n\r\n"
    "text/plain\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
    "\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"File\"; filename=\"C:\\dir\\a %22b%22.txt\"\r\n"
    "Content-Type: text/plain\r\n\r\n"
    "line one\r\n--XyX\r\n--Xy\r\nend\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"after\"\r\n\r\n"
    "ignored\r\n"
    "--XyZ--\r\n";

TEST(FormDataReaderTest, FieldsThenTheFileInEveryPieceSize) {
  for (size_t piece : {1, 2, 3, 7, 11, 64, 100000}) {
    SCOPED_TRACE(piece);
    Outcome outcome = Read(kBrowserBody, piece);
    ASSERT_TRUE(outcome.fields_status.ok()) << outcome.fields_status;
    ASSERT_EQ(outcome.fields.size(), 3u);
    EXPECT_EQ(outcome.fields[0].name, "key");
    EXPECT_EQ(outcome.fields[0].value, "uploads/${filename}");
    EXPECT_EQ(outcome.fields[1].name, "Content-Type");
    EXPECT_EQ(outcome.fields[1].value, "text/plain");
    EXPECT_EQ(outcome.fields[2].value, "");
    ASSERT_TRUE(outcome.file.has_value());
    EXPECT_EQ(outcome.file->field_name, "File");
    EXPECT_EQ(outcome.file->filename, "C:\\dir\\a %22b%22.txt");
    EXPECT_EQ(outcome.file->content_type, "text/plain");
    ASSERT_TRUE(outcome.file_status.ok()) << outcome.file_status;
    EXPECT_EQ(outcome.content, "line one\r\n--XyX\r\n--Xy\r\nend");
  }
}

TEST(FormDataReaderTest, PreambleAndPaddingAreSkipped) {
  Outcome outcome = Read(
      "some preamble\r\n--XyZ  \r\nContent-Disposition: form-data; name=file\r\n\r\n"
      "data\r\n--XyZ--",
      5);
  ASSERT_TRUE(outcome.fields_status.ok()) << outcome.fields_status;
  ASSERT_TRUE(outcome.file.has_value());
  EXPECT_EQ(outcome.file->filename, "");
  EXPECT_EQ(outcome.content, "data");
}

TEST(FormDataReaderTest, NoFilePart) {
  Outcome outcome = Read(
      "--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nk\r\n--XyZ--\r\n", 4);
  ASSERT_TRUE(outcome.fields_status.ok()) << outcome.fields_status;
  EXPECT_FALSE(outcome.file.has_value());
  ASSERT_EQ(outcome.fields.size(), 1u);
}

TEST(FormDataReaderTest, MalformedBodies) {
  const char* bodies[] = {
      "no boundary at all",
      "--XyZ\r\nContent-Disposition: form-data; name=\"key\"\r\n\r\nnever closed",
      "--XyZ\r\nContent-Disposition: attachment; name=\"key\"\r\n\r\nv\r\n--XyZ--",
      "--XyZ\r\nContent-Type: text/plain\r\n\r\nv\r\n--XyZ--",
      "--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nends inside the file",
      "--XyZgarbage\r\n",
  };
  for (const char* body : bodies) {
    SCOPED_TRACE(body);
    Outcome outcome = Read(body, 3);
    absl::Status status = outcome.fields_status.ok() ? outcome.file_status : outcome.fields_status;
    if (!outcome.fields_status.ok() || outcome.file) {
      EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
    } else {
      ADD_FAILURE() << "accepted";
    }
  }
}

TEST(FormDataReaderTest, FieldsBeyondTheLimitAreRefused) {
  std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"x-amz-meta-big\"\r\n\r\n" +
                     std::string(300, 'v') +
                     "\r\n--XyZ\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nf\r\n"
                     "--XyZ--";
  EXPECT_TRUE(absl::IsResourceExhausted(Read(body, 16, 200).fields_status));
  EXPECT_TRUE(Read(body, 16, 400).fields_status.ok());
  // A value that never ends is refused once it passes the limit, without reading on.
  EXPECT_TRUE(absl::IsResourceExhausted(
      Read("--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n" + std::string(5000, 'v'),
           64, 200)
          .fields_status));
}

TEST(FormDataReaderTest, Boundaries) {
  EXPECT_EQ(*FormBoundaryOf("multipart/form-data; boundary=----WebKitFormBoundaryQ"),
            "----WebKitFormBoundaryQ");
  EXPECT_EQ(*FormBoundaryOf("Multipart/Form-Data;boundary=\"a b\""), "a b");
  EXPECT_FALSE(FormBoundaryOf("application/x-www-form-urlencoded").ok());
  EXPECT_FALSE(FormBoundaryOf("multipart/form-data").ok());
  EXPECT_FALSE(FormBoundaryOf("multipart/form-data; boundary=").ok());
  EXPECT_FALSE(FormBoundaryOf("multipart/form-data; boundary=" + std::string(71, 'b')).ok());
}

}  // namespace
}  // namespace serval::http
