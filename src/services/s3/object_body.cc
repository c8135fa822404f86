#include "services/s3/object_body.h"

#include <algorithm>

#include "common/checksums.h"
#include "common/crypto.h"
#include "services/s3/catalog.h"
#include "services/s3/s3_errors.h"
#include "storage/aligned_buffer.h"

namespace serval::s3 {
namespace {

// The digests every body gets, whatever else the client asked for: the MD5 (the ETag) and the
// CRC64NVME (S3's default checksum). Fed on one thread at a time.
class BodyDigests {
 public:
  void Update(std::string_view bytes) {
    md5_->Update(bytes);
    crc64nvme_->Update(bytes);
  }
  // Sets the body's md5 and crc64nvme.
  void Finish(ReceivedBody& body) const {
    body.md5 = md5_->Digest();
    body.crc64nvme = crc64nvme_->Base64();
  }

 private:
  std::unique_ptr<Checksum> md5_ = Checksum::Md5();
  std::unique_ptr<Checksum> crc64nvme_ = Checksum::Create(ChecksumAlgorithm::kCrc64Nvme);
};

// Bytes handed to the blob worker at once, and how many such pieces may wait for the disk
// before the connection is read further: one upload holds at most one more (being filled).
constexpr size_t kPieceBytes = 1 << 20;
constexpr int kPiecesAhead = 2;
// Bytes a GET reads from a blob per piece of the response.
constexpr size_t kReadPieceBytes = 256 * 1024;

using Piece = std::shared_ptr<storage::AlignedBuffer>;

// One body being received. The io thread owns everything but `digests_`, `writer_`, `worker_error_`
// and the updates of `options_.checksum`, which the worker owns from the first piece handed to
// it (the worker's queue orders the hand-over).
// A blob's bytes are copied once, on the io thread, into aligned pieces that the blob store can
// write without another copy (FileBlobStore writes large blobs with direct I/O); the pieces go
// back and forth between the io thread and the worker rather than being allocated per MiB.
class Receiver : public std::enable_shared_from_this<Receiver> {
 public:
  Receiver(http::BodySource source, ReceiveOptions options,
           std::function<void(absl::StatusOr<ReceivedBody>)> done)
      : source_(std::move(source)), options_(std::move(options)), done_(std::move(done)) {}

  void ReadNext() {
    source_([self = shared_from_this()](absl::StatusOr<http::BodyChunk> chunk) {
      self->OnChunk(std::move(chunk));
    });
  }

 private:
  void OnChunk(absl::StatusOr<http::BodyChunk> chunk) {
    if (finished_) return;
    if (!chunk.ok()) return Fail(chunk.status());
    size_ += chunk->data.size();
    if (size_ > options_.max_bytes) return Fail(EntityTooLarge(size_, options_.max_bytes));
    source_done_ = chunk->last;
    if (!blob_.has_value() && options_.allow_inline && size_ <= kInlineBodyBytes) {
      head_ += chunk->data;
      if (!source_done_) return ReadNext();
      ReceivedBody body;
      body.size = size_;
      BodyDigests digests;
      digests.Update(head_);
      digests.Finish(body);
      if (options_.checksum) options_.checksum->Update(head_);
      body.inline_bytes = std::move(head_);
      finished_ = true;
      return done_(std::move(body));
    }
    if (!blob_.has_value()) {
      StartBlob();
      Feed(head_);  // what was kept while the body could still stay inline
      head_ = std::string();
    }
    Feed(chunk->data);
    if (source_done_ || (piece_ && piece_->full())) HandToWorker(source_done_);
    if (!source_done_ && pieces_in_flight_ < kPiecesAhead) ReadNext();
  }

  void StartBlob() {
    blob_ = Segment{NewBlobKey(), 0};
    options_.worker->Post([self = shared_from_this(), key = blob_->blob] {
      auto writer = self->options_.blobs->NewWriter(key);
      if (writer.ok()) {
        self->writer_ = *std::move(writer);
      } else {
        self->worker_error_ = writer.status();
      }
    });
  }

  // Copies `bytes` into pieces, handing each full one to the worker while more bytes follow
  // (the caller decides about the last one).
  void Feed(std::string_view bytes) {
    while (!bytes.empty()) {
      if (piece_ && piece_->full()) HandToWorker(false);
      if (!piece_) piece_ = SparePiece();
      bytes.remove_prefix(piece_->Fill(bytes));
    }
  }

  Piece SparePiece() {
    if (spare_pieces_.empty()) return std::make_shared<storage::AlignedBuffer>(kPieceBytes);
    Piece piece = std::move(spare_pieces_.back());
    spare_pieces_.pop_back();
    return piece;
  }

  void HandToWorker(bool last) {
    ++pieces_in_flight_;
    options_.worker->Post([self = shared_from_this(), piece = std::move(piece_), last] {
      absl::Status status = self->worker_error_;
      const std::string_view bytes = piece ? piece->view() : std::string_view();
      if (status.ok()) {
        self->digests_.Update(bytes);
        if (self->options_.checksum) self->options_.checksum->Update(bytes);
        status = self->writer_->Append(bytes);
      }
      ReceivedBody body;  // the digests, once the last piece is in
      if (status.ok() && last) {
        self->digests_.Finish(body);
        status = self->writer_->Commit();
      }
      if (!status.ok()) {
        self->worker_error_ = status;
        if (self->writer_) self->writer_->Abort();
      }
      self->options_.post_to_io([self, status, last, body = std::move(body), piece]() mutable {
        self->OnPieceWritten(status, last, std::move(body), piece);
      });
    });
  }

  void OnPieceWritten(const absl::Status& status, bool last, ReceivedBody body,
                      const Piece& piece) {
    --pieces_in_flight_;
    if (piece && spare_pieces_.size() < kPiecesAhead) {
      piece->Clear();
      spare_pieces_.push_back(piece);
    }
    if (finished_) return;
    if (!status.ok()) return Fail(status);
    if (last) {
      finished_ = true;
      body.size = size_;
      blob_->size = size_;
      body.blob = *blob_;
      return done_(std::move(body));
    }
    if (!source_done_ && pieces_in_flight_ == kPiecesAhead - 1) ReadNext();
  }

  void Fail(const absl::Status& status) {
    if (finished_) return;
    finished_ = true;
    if (blob_.has_value()) {
      options_.worker->Post([self = shared_from_this()] {
        if (self->writer_) self->writer_->Abort();
      });
    }
    done_(status);
  }

  http::BodySource source_;
  ReceiveOptions options_;
  std::function<void(absl::StatusOr<ReceivedBody>)> done_;
  uint64_t size_ = 0;
  std::string head_;  // the bytes before it is known whether the body stays inline
  Piece piece_;       // being filled
  std::vector<Piece> spare_pieces_;
  bool source_done_ = false;
  bool finished_ = false;
  int pieces_in_flight_ = 0;
  std::optional<Segment> blob_;
  // The worker's.
  BodyDigests digests_;
  std::unique_ptr<storage::BlobWriter> writer_;
  absl::Status worker_error_;
};

}  // namespace

http::BodySource BodySourceOf(http::Request& request) {
  if (request.body_source) return request.body_source;
  auto body = std::make_shared<std::string>(std::move(request.body));
  return [body](http::BodyChunkCallback callback) {
    callback(http::BodyChunk{std::move(*body), true});
  };
}

absl::StatusOr<std::string> DeclaredContentMd5(const http::Request& request) {
  const std::string_view header = request.Header("Content-MD5");
  if (header.empty()) return std::string();
  auto digest = Base64Decode(header);
  if (!digest.ok() || digest->size() != 16) return InvalidDigest();
  return *std::move(digest);
}

void ReceiveBody(http::BodySource source, ReceiveOptions options,
                 std::function<void(absl::StatusOr<ReceivedBody>)> done) {
  std::make_shared<Receiver>(std::move(source), std::move(options), std::move(done))->ReadNext();
}

absl::StatusOr<ReceivedBody> CopyIntoBlob(storage::BlobStore& blobs,
                                          const std::vector<Segment>& segments, uint64_t offset,
                                          uint64_t length, Checksum* checksum) {
  auto source = OpenObject::Open(blobs, segments);
  if (!source.ok()) return source.status();
  ReceivedBody body;
  body.blob = Segment{NewBlobKey(), length};
  auto writer = blobs.NewWriter(body.blob->blob);
  if (!writer.ok()) return writer.status();
  BodyDigests digests;
  for (uint64_t done = 0; done < length;) {
    auto piece = (*source)->Read(offset + done, std::min<uint64_t>(kPieceBytes, length - done));
    if (!piece.ok()) return piece.status();
    if (piece->empty()) return absl::DataLossError("object shorter than its record");
    digests.Update(*piece);
    if (checksum != nullptr) checksum->Update(*piece);
    if (auto status = (*writer)->Append(*piece); !status.ok()) return status;
    done += piece->size();
  }
  if (auto status = (*writer)->Commit(); !status.ok()) return status;
  body.size = length;
  digests.Finish(body);
  return body;
}

absl::StatusOr<ReceivedBody> WriteBlob(storage::BlobStore& blobs, std::string_view bytes,
                                       Checksum* checksum) {
  if (checksum != nullptr) checksum->Update(bytes);
  ReceivedBody body{.size = bytes.size(), .blob = Segment{NewBlobKey(), bytes.size()}};
  BodyDigests digests;
  digests.Update(bytes);
  digests.Finish(body);
  auto writer = blobs.NewWriter(body.blob->blob);
  if (!writer.ok()) return writer.status();
  if (auto status = (*writer)->Append(bytes); !status.ok()) return status;
  if (auto status = (*writer)->Commit(); !status.ok()) return status;
  return body;
}

absl::StatusOr<std::shared_ptr<OpenObject>> OpenObject::Open(const storage::BlobStore& blobs,
                                                             const std::vector<Segment>& segments) {
  auto object = std::make_shared<OpenObject>();
  object->readers_.reserve(segments.size());
  for (const Segment& segment : segments) {
    auto reader = blobs.NewReader(segment.blob);
    if (!reader.ok()) return reader.status();
    object->readers_.push_back(*std::move(reader));
  }
  return object;
}

absl::StatusOr<std::string> OpenObject::Read(uint64_t offset, size_t length) const {
  std::string out;
  for (const auto& reader : readers_) {
    if (out.size() >= length) break;
    if (offset >= reader->size()) {
      offset -= reader->size();
      continue;
    }
    auto piece = reader->Read(offset, length - out.size());
    if (!piece.ok()) return piece.status();
    out += *piece;
    offset = 0;
  }
  return out;
}

http::BodySource OpenObject::Source(ByteRange range, Worker* worker, storage::PostToIo post_to_io) {
  auto next = std::make_shared<uint64_t>(range.first);
  return [self = shared_from_this(), next, end = range.last + 1, worker,
          post_to_io](http::BodyChunkCallback callback) {
    const uint64_t offset = *next;
    const size_t length = static_cast<size_t>(std::min<uint64_t>(kReadPieceBytes, end - offset));
    worker->Post([self, offset, length, post_to_io, callback = std::move(callback), next, end] {
      auto piece = self->Read(offset, length);
      post_to_io([piece = std::move(piece), callback, next, end, offset]() mutable {
        if (!piece.ok()) return callback(piece.status());
        if (piece->empty()) return callback(absl::DataLossError("object shorter than its record"));
        *next = offset + piece->size();
        callback(http::BodyChunk{*std::move(piece), *next >= end});
      });
    });
  };
}

void RemoveBlobsLater(storage::BlobStore& blobs, Worker& worker, std::vector<std::string> keys) {
  if (keys.empty()) return;
  worker.Post([&blobs, keys = std::move(keys)] {
    for (const std::string& key : keys) blobs.Remove(key).IgnoreError();
  });
}

}  // namespace serval::s3
