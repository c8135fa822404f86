#include "metrics/series.h"

#include <algorithm>

namespace serval::metrics {
namespace {

// Each string is written as its bytes and a 0x00 0x01 terminator, a 0x00 inside it escaped as
// 0x00 0xff: the encoding orders as the strings do, field by field.
void PutOrdered(std::string_view text, std::string* out) {
  for (char c : text) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->append("\0\1", 2);
}

bool GetOrdered(std::string_view* in, std::string* text) {
  text->clear();
  for (size_t i = 0; i + 1 < in->size(); ++i) {
    if ((*in)[i] != '\0') {
      text->push_back((*in)[i]);
      continue;
    }
    const char next = (*in)[++i];
    if (next == '\1') {
      in->remove_prefix(i + 1);
      return true;
    }
    if (next != '\xff') return false;
    text->push_back('\0');
  }
  return false;
}

}  // namespace

void SeriesKey::Normalize() { std::sort(dimensions.begin(), dimensions.end()); }

std::string SeriesKey::NamespacePrefix(std::string_view name_space) {
  std::string out;
  PutOrdered(name_space, &out);
  return out;
}

std::string SeriesKey::Encode() const {
  std::string out = EncodeWithoutUnit();
  PutOrdered(unit, &out);
  return out;
}

std::string SeriesKey::EncodeWithoutUnit() const {
  std::string out;
  PutOrdered(name_space, &out);
  PutOrdered(metric_name, &out);
  out.push_back(static_cast<char>(dimensions.size()));
  for (const Dimension& dimension : dimensions) {
    PutOrdered(dimension.name, &out);
    PutOrdered(dimension.value, &out);
  }
  return out;
}

std::optional<SeriesKey> SeriesKey::Decode(std::string_view bytes) {
  SeriesKey key;
  if (!GetOrdered(&bytes, &key.name_space) || !GetOrdered(&bytes, &key.metric_name) ||
      bytes.empty()) {
    return std::nullopt;
  }
  const auto count = static_cast<uint8_t>(bytes.front());
  bytes.remove_prefix(1);
  key.dimensions.resize(count);
  for (Dimension& dimension : key.dimensions) {
    if (!GetOrdered(&bytes, &dimension.name) || !GetOrdered(&bytes, &dimension.value)) {
      return std::nullopt;
    }
  }
  if (!GetOrdered(&bytes, &key.unit) || !bytes.empty()) return std::nullopt;
  return key;
}

}  // namespace serval::metrics
