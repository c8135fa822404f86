// CreateTags, DeleteTags and DescribeTags, over the tags of instances (the only resources
// Serval's EC2 keeps).

#include "common/text.h"
#include "fmt/format.h"
#include "protocol/xml.h"
#include "services/ec2/ec2_errors.h"
#include "services/ec2/ec2_request.h"
#include "services/ec2/ec2_service.h"
#include "services/ec2/filters.h"
#include "services/ec2/tags.h"

namespace serval::ec2 {
namespace {

// DescribeTags' position: "<sequence>/<key>" of the next tag to list.
std::string TagPosition(uint64_t sequence, std::string_view key) {
  return fmt::format("{}/{}", sequence, key);
}

// ResourceId.N, required; ids that are not instance ids are InvalidID (Serval keeps no other
// resources), malformed instance ids InvalidInstanceID.Malformed.
absl::StatusOr<std::vector<std::string>> ResourceIds(const protocol::QueryRequest& request) {
  std::vector<std::string> ids = ReadList(request, "ResourceId");
  if (ids.empty()) return MissingParameter("ResourceId");
  for (const std::string& id : ids) {
    if (!id.starts_with("i-")) {
      return ClientError("InvalidID", fmt::format("The ID '{}' is not valid", id));
    }
  }
  return ids;
}

}  // namespace

void Ec2Service::CreateTags(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<std::vector<std::string>> ids = ResourceIds(request);
  if (!ids.ok()) return reply(ids.status());
  absl::StatusOr<std::map<std::string, std::string>> tags = ReadTags(request.parameters, "");
  if (!tags.ok()) return reply(tags.status());
  if (tags->empty()) return reply(MissingParameter("Tag"));
  absl::StatusOr<std::vector<const Instance*>> instances = FindInstances(*ids);
  if (!instances.ok()) return reply(instances.status());
  std::vector<Instance> changed;
  for (const Instance* instance : *instances) {
    Instance next = *instance;
    for (const auto& [key, value] : *tags) next.tags[key] = value;
    if (absl::Status counted = CheckTagCount(next.tags.size()); !counted.ok()) {
      return reply(counted);
    }
    changed.push_back(std::move(next));
  }
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);
  protocol::XmlWriter xml;
  Commit(std::move(changed), xml.Element("return", "true").Take(), std::move(reply));
}

void Ec2Service::DeleteTags(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<std::vector<std::string>> ids = ResourceIds(request);
  if (!ids.ok()) return reply(ids.status());
  absl::StatusOr<std::map<std::string, std::optional<std::string>>> keys =
      ReadTagKeys(request.parameters);
  if (!keys.ok()) return reply(keys.status());
  absl::StatusOr<std::vector<const Instance*>> instances = FindInstances(*ids);
  if (!instances.ok()) return reply(instances.status());
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);
  std::vector<Instance> changed;
  for (const Instance* instance : *instances) {
    Instance next = *instance;
    if (keys->empty()) next.tags.clear();  // no Tag.N: every tag goes
    for (const auto& [key, value] : *keys) {
      auto tag = next.tags.find(key);
      // With a Value, the tag goes only if it has that value.
      if (tag != next.tags.end() && (!value || *value == tag->second)) next.tags.erase(tag);
    }
    changed.push_back(std::move(next));
  }
  protocol::XmlWriter xml;
  Commit(std::move(changed), xml.Element("return", "true").Take(), std::move(reply));
}

void Ec2Service::DescribeTags(const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<Page> page = ReadPage(request, false, "");
  if (!page.ok()) return reply(page.status());
  absl::StatusOr<Filters<TagView>> filters =
      RequestFilters<TagView>(request.parameters, TagFilterFields());
  if (!filters.ok()) return reply(filters.status());
  uint64_t first_sequence = 0;
  std::string first_key;
  if (page->next_token) {
    absl::StatusOr<std::string> position = DecodeNextToken(*page->next_token);
    if (!position.ok()) return reply(position.status());
    const size_t slash = position->find('/');
    if (slash == std::string::npos ||
        !ParseDecimal(std::string_view(*position).substr(0, slash), &first_sequence)) {
      return reply(DecodeNextToken("").status());
    }
    first_key = position->substr(slash + 1);
  }
  if (absl::Status dry_run = DryRun(request); !dry_run.ok()) return reply(dry_run);

  const int64_t now = Now();
  protocol::XmlWriter xml;
  xml.Open("tagSet");
  size_t count = 0;
  std::optional<std::string> next;
  const InstanceStore::Instances& all = instances_->instances();
  for (auto it = all.lower_bound(first_sequence); it != all.end() && !next; ++it) {
    const Instance& instance = it->second;
    if (Expired(instance, now)) continue;
    auto tag = instance.sequence == first_sequence ? instance.tags.lower_bound(first_key)
                                                   : instance.tags.begin();
    for (; tag != instance.tags.end(); ++tag) {
      if (!filters->Matches(TagView{instance, tag->first, tag->second})) continue;
      if (page->max_results && count == static_cast<size_t>(*page->max_results)) {
        next = TagPosition(instance.sequence, tag->first);
        break;
      }
      ++count;
      xml.Open("item")
          .Element("resourceId", instance.id)
          .Element("resourceType", "instance")
          .Element("key", tag->first)
          .Element("value", tag->second)
          .Close("item");
    }
  }
  xml.Close("tagSet");
  if (next) xml.Element("nextToken", EncodeNextToken(*next));
  reply(xml.Take());
}

}  // namespace serval::ec2
