#include "common/json_validate.h"

#include <boost/json/basic_parser_impl.hpp>

namespace serval {
namespace {

// A basic_parser handler that accepts every event: the parser itself does the validation.
struct NullHandler {
  constexpr static std::size_t max_object_size = std::size_t(-1);
  constexpr static std::size_t max_array_size = std::size_t(-1);
  constexpr static std::size_t max_key_size = std::size_t(-1);
  constexpr static std::size_t max_string_size = std::size_t(-1);

  using ec = boost::json::error_code;
  bool on_document_begin(ec&) { return true; }
  bool on_document_end(ec&) { return true; }
  bool on_object_begin(ec&) { return true; }
  bool on_object_end(std::size_t, ec&) { return true; }
  bool on_array_begin(ec&) { return true; }
  bool on_array_end(std::size_t, ec&) { return true; }
  bool on_key_part(boost::json::string_view, std::size_t, ec&) { return true; }
  bool on_key(boost::json::string_view, std::size_t, ec&) { return true; }
  bool on_string_part(boost::json::string_view, std::size_t, ec&) { return true; }
  bool on_string(boost::json::string_view, std::size_t, ec&) { return true; }
  bool on_number_part(boost::json::string_view, ec&) { return true; }
  bool on_int64(std::int64_t, boost::json::string_view, ec&) { return true; }
  bool on_uint64(std::uint64_t, boost::json::string_view, ec&) { return true; }
  bool on_double(double, boost::json::string_view, ec&) { return true; }
  bool on_bool(bool, ec&) { return true; }
  bool on_null(ec&) { return true; }
  bool on_comment_part(boost::json::string_view, ec&) { return true; }
  bool on_comment(boost::json::string_view, ec&) { return true; }
};

}  // namespace

bool IsValidJson(std::string_view text, std::string* error) {
  boost::json::basic_parser<NullHandler> parser{boost::json::parse_options{}};
  boost::json::error_code ec;
  const std::size_t consumed = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && consumed < text.size()) ec = boost::json::error::extra_data;
  if (ec && error) *error = ec.message();
  return !ec;
}

}  // namespace serval
