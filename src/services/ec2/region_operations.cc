// DescribeRegions and DescribeAvailabilityZones.

#include <algorithm>
#include <array>

#include "fmt/format.h"
#include "protocol/xml.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_request.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/filters.h"
#include "services/ec2/network.h"

namespace serval::ec2 {
namespace {

using Matches = absl::FunctionRef<bool(std::string_view)>;

// Every region and zone Serval lists needs no opt-in and is available.
constexpr std::string_view kOptIn = "opt-in-not-required";
constexpr std::string_view kAvailable = "available";

struct RegionView {
  std::string_view name;
  std::string endpoint;
};

struct ZoneView {
  std::string_view name;
  std::string id;
  std::string_view region;
};

constexpr std::array<FilterField<RegionView>, 3> kRegionFields{{
    {"region-name", [](const RegionView& r, std::string_view, Matches m) { return m(r.name); }},
    {"endpoint", [](const RegionView& r, std::string_view, Matches m) { return m(r.endpoint); }},
    {"opt-in-status", [](const RegionView&, std::string_view, Matches m) { return m(kOptIn); }},
}};

constexpr std::array<FilterField<ZoneView>, 7> kZoneFields{{
    {"zone-name", [](const ZoneView& z, std::string_view, Matches m) { return m(z.name); }},
    {"zone-id", [](const ZoneView& z, std::string_view, Matches m) { return m(z.id); }},
    {"region-name", [](const ZoneView& z, std::string_view, Matches m) { return m(z.region); }},
    {"group-name", [](const ZoneView& z, std::string_view, Matches m) { return m(z.region); }},
    {"state", [](const ZoneView&, std::string_view, Matches m) { return m(kAvailable); }},
    {"zone-type",
     [](const ZoneView&, std::string_view, Matches m) { return m("availability-zone"); }},
    {"opt-in-status", [](const ZoneView&, std::string_view, Matches m) { return m(kOptIn); }},
}};

bool Contains(const std::vector<std::string>& list, std::string_view value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

}  // namespace

void Ec2Service::DescribeRegions(const protocol::QueryRequest& request, Reply reply) {
  const std::vector<std::string> regions = Regions(platform_.account.region);
  const std::vector<std::string> names = ReadList(request, "RegionName");
  for (const std::string& name : names) {
    if (!Contains(regions, name)) {
      return reply(InvalidParameterValue(fmt::format("Invalid region: {}", name)));
    }
  }
  absl::StatusOr<bool> all = ReadBool(request, "AllRegions");
  if (!all.ok()) return reply(all.status());
  absl::StatusOr<Filters<RegionView>> filters =
      RequestFilters<RegionView>(request.parameters, kRegionFields);
  if (!filters.ok()) return reply(filters.status());
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);
  protocol::XmlWriter xml;
  xml.Open("regionInfo");
  for (const std::string& region : regions) {
    const RegionView view{region, fmt::format("ec2.{}.amazonaws.com", region)};
    if ((!names.empty() && !Contains(names, region)) || !filters->Matches(view)) continue;
    xml.Open("item")
        .Element("regionName", region)
        .Element("regionEndpoint", view.endpoint)
        .Element("optInStatus", kOptIn)
        .Close("item");
  }
  reply(xml.Close("regionInfo").Take());
}

void Ec2Service::DescribeAvailabilityZones(const protocol::QueryRequest& request, Reply reply) {
  const std::string& region = platform_.account.region;
  const std::vector<std::string> zones = ZonesOf(region);
  const std::vector<std::string> names = ReadList(request, "ZoneName");
  const std::vector<std::string> ids = ReadList(request, "ZoneId");
  for (const std::string& name : names) {
    if (!Contains(zones, name)) {
      return reply(InvalidParameterValue(fmt::format("Invalid availability zone: [{}]", name)));
    }
  }
  absl::StatusOr<bool> all = ReadBool(request, "AllAvailabilityZones");
  if (!all.ok()) return reply(all.status());
  absl::StatusOr<Filters<ZoneView>> filters =
      RequestFilters<ZoneView>(request.parameters, kZoneFields);
  if (!filters.ok()) return reply(filters.status());
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);
  protocol::XmlWriter xml;
  xml.Open("availabilityZoneInfo");
  for (const std::string& zone : zones) {
    const ZoneView view{zone, ZoneIdOf(zone), region};
    if ((!names.empty() && !Contains(names, zone)) || (!ids.empty() && !Contains(ids, view.id)) ||
        !filters->Matches(view)) {
      continue;
    }
    xml.Open("item")
        .Element("optInStatus", kOptIn)
        .Element("messageSet", "")
        .Element("regionName", region)
        .Element("zoneName", zone)
        .Element("zoneId", view.id)
        .Element("groupName", region)
        .Element("networkBorderGroup", region)
        .Element("zoneType", "availability-zone")
        .Element("zoneState", kAvailable)
        .Close("item");
  }
  reply(xml.Close("availabilityZoneInfo").Take());
}

}  // namespace serval::ec2
