#pragma once

#include <memory>
#include <vector>

#include "absl/status/statusor.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::services {

// Creates every AWS front end Serval has, in the order registry.cc lists them (which does not
// affect routing). Fails if any of them cannot load its state.
absl::StatusOr<std::vector<std::unique_ptr<Service>>> CreateServices(const Platform& platform);

}  // namespace serval::services
