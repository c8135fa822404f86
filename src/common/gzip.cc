#include "common/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cstdlib>

namespace serval {

std::string GzipCompress(std::string_view data) {
  z_stream stream{};
  // 15 window bits + 16: a gzip header and trailer rather than zlib's.
  if (deflateInit2(&stream, Z_BEST_SPEED, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::abort();  // only out of memory
  }
  std::string out(deflateBound(&stream, data.size()) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) std::abort();  // the bound above leaves room for everything
  return out;
}

absl::StatusOr<std::string> GzipDecompress(std::string_view data, size_t max_bytes) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 16) != Z_OK) std::abort();  // only out of memory
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int result = Z_OK;
  while (result == Z_OK) {
    const size_t had = out.size();
    if (had >= max_bytes) {
      inflateEnd(&stream);
      return absl::ResourceExhaustedError("the body decompresses to more than " +
                                          std::to_string(max_bytes) + " bytes");
    }
    out.resize(std::min(max_bytes, std::max<size_t>(had * 2, 64 * 1024)));
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + had);
    stream.avail_out = static_cast<uInt>(out.size() - had);
    result = inflate(&stream, Z_NO_FLUSH);
    out.resize(out.size() - stream.avail_out);
    if (result == Z_BUF_ERROR && stream.avail_out != 0) break;  // the input ended early
    if (result == Z_BUF_ERROR) result = Z_OK;                   // only the output was full
  }
  const bool whole = result == Z_STREAM_END && stream.avail_in == 0;
  inflateEnd(&stream);
  if (!whole) return absl::InvalidArgumentError("the body is not valid gzip");
  return out;
}

}  // namespace serval
