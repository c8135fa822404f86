#pragma once

#include <boost/json.hpp>
#include <string>

#include "services/s3/object_record.h"

// Pairs as JSON arrays of [name, value]: how the S3 records store metadata, tags and checksums.
// For the S3 record codecs only (catalog.cc, object_record.cc).
namespace serval::s3 {

inline boost::json::array PairsToJson(const Pairs& pairs) {
  boost::json::array out;
  for (const auto& [name, value] : pairs) {
    out.push_back(boost::json::array{boost::json::string(name), boost::json::string(value)});
  }
  return out;
}

// Throws (boost::json) on a value of another shape; the record decoders catch it.
inline Pairs PairsFromJson(const boost::json::value* value) {
  Pairs pairs;
  if (value == nullptr) return pairs;
  for (const boost::json::value& pair : value->as_array()) {
    const boost::json::array& two = pair.as_array();
    pairs.emplace_back(std::string(two.at(0).as_string()), std::string(two.at(1).as_string()));
  }
  return pairs;
}

}  // namespace serval::s3
