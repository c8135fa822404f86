#pragma once

#include <string>

namespace serval::server {

// `serval schedule next EXPRESSION [--count N]`: prints the next N fire times (UTC, ISO 8601) of
// an EventBridge schedule expression after now, or says what is wrong with it (exit code 2).
int PrintNextFireTimes(const std::string& expression, int count);

}  // namespace serval::server
