#include "services/ec2/network.h"

#include <algorithm>
#include <array>

#include "common/crypto.h"
#include "fmt/format.h"

namespace serval::ec2 {
namespace {

constexpr std::array<std::string_view, 17> kRegions{
    "us-east-1",      "us-east-2",      "us-west-1",      "us-west-2",  "ca-central-1",
    "eu-central-1",   "eu-west-1",      "eu-west-2",      "eu-west-3",  "eu-north-1",
    "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-southeast-1",
    "ap-southeast-2", "sa-east-1"};

// The short forms of a region's direction in zone ids ("southeast" -> "se").
constexpr std::array<std::pair<std::string_view, std::string_view>, 9> kDirections{{
    {"northeast", "ne"},
    {"northwest", "nw"},
    {"southeast", "se"},
    {"southwest", "sw"},
    {"north", "n"},
    {"south", "s"},
    {"east", "e"},
    {"west", "w"},
    {"central", "c"},
}};

constexpr int kZonesPerRegion = 3;

// A stable id "<prefix>" + 17 hex digits derived from `seed`.
std::string DerivedId(std::string_view prefix, std::string_view seed) {
  std::string id(prefix);
  for (unsigned char byte : Sha256(seed).substr(0, 9)) id += fmt::format("{:02x}", byte);
  id.pop_back();
  return id;
}

}  // namespace

std::vector<std::string> Regions(std::string_view own_region) {
  std::vector<std::string> regions{std::string(own_region)};
  for (std::string_view region : kRegions) {
    if (region != own_region) regions.emplace_back(region);
  }
  return regions;
}

std::vector<std::string> ZonesOf(std::string_view region) {
  std::vector<std::string> zones;
  for (int i = 0; i < kZonesPerRegion; ++i) {
    zones.push_back(std::string(region) + static_cast<char>('a' + i));
  }
  return zones;
}

std::string ZoneIdOf(std::string_view zone) {
  // "us-east-1b": area "us", direction "east", number "1", letter "b".
  const std::string_view region = zone.substr(0, zone.size() - 1);
  const size_t first = region.find('-');
  const size_t last = region.rfind('-');
  std::string_view direction = region.substr(first + 1, last - first - 1);
  for (const auto& [name, short_name] : kDirections) {
    if (direction == name) direction = short_name;
  }
  return fmt::format("{}{}{}-az{}", region.substr(0, first), direction, region.substr(last + 1),
                     zone.back() - 'a' + 1);
}

std::string DefaultVpc(const AccountContext& account) {
  return DerivedId("vpc-", "vpc/" + account.account_id + "/" + account.region);
}

std::string DefaultSubnet(const AccountContext& account, std::string_view zone) {
  return DerivedId("subnet-", "subnet/" + account.account_id + "/" + std::string(zone));
}

std::string PrivateIpOf(uint64_t sequence) {
  // Hosts .4 to .253 of each /24 (AWS reserves the first four addresses and the last).
  return fmt::format("172.31.{}.{}", (sequence / 250) % 256, sequence % 250 + 4);
}

std::string PrivateDnsNameOf(std::string_view ip, std::string_view region) {
  std::string dashed(ip);
  std::replace(dashed.begin(), dashed.end(), '.', '-');
  if (region == "us-east-1") return fmt::format("ip-{}.ec2.internal", dashed);
  return fmt::format("ip-{}.{}.compute.internal", dashed, region);
}

}  // namespace serval::ec2
