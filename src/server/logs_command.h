#pragma once

#include <string>

namespace serval::server {

// `serval logs NAME [--follow]`: prints the function's log group, stream by stream in time
// order, each event as "<ISO timestamp> <message>". With follow, keeps printing new events.
int PrintLogs(const std::string& data_dir, const std::string& function_name, bool follow);

}  // namespace serval::server
