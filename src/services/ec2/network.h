#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/arn.h"

namespace serval::ec2 {

// Where instance records pretend to live: regions, availability zones, the account's default
// VPC with one default subnet per zone, and private addresses. No network exists; the values
// are shaped like AWS's so that clients and scripts that read them work. Thread-safe (pure).

// The regions DescribeRegions lists (AWS's regions that need no opt-in), Serval's own first.
std::vector<std::string> Regions(std::string_view own_region);
// "us-east-1" -> {"us-east-1a", "us-east-1b", "us-east-1c"}.
std::vector<std::string> ZonesOf(std::string_view region);
// "us-east-1b" -> "use1-az2".
std::string ZoneIdOf(std::string_view zone);
// The default VPC of the account in the region, and its default subnet in `zone`.
std::string DefaultVpc(const AccountContext& account);
std::string DefaultSubnet(const AccountContext& account, std::string_view zone);
// The private address of the instance launched `sequence`th: 172.31.0.0/16, as a default VPC's.
std::string PrivateIpOf(uint64_t sequence);
// "ip-172-31-0-5.ec2.internal" in us-east-1, "ip-172-31-0-5.eu-west-1.compute.internal"
// elsewhere.
std::string PrivateDnsNameOf(std::string_view ip, std::string_view region);

}  // namespace serval::ec2
