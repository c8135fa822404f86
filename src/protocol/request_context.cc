#include "protocol/request_context.h"

#include "common/text.h"

namespace serval::protocol {

std::string ReportedClientIp(const RequestContext& context) {
  const std::string_view forwarded = context.request.Header("X-Forwarded-For");
  const std::string_view first_hop = TrimBlanks(forwarded.substr(0, forwarded.find(',')));
  return first_hop.empty() ? context.caller.source_ip : std::string(first_hop);
}

}  // namespace serval::protocol
