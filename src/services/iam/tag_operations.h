#pragma once

#include <utility>
#include <vector>

#include "protocol/xml.h"
#include "services/iam/entity_kinds.h"
#include "services/iam/iam_xml.h"

namespace serval::iam_api {

// Tag{Role,User}, Untag{Role,User} and List{Role,User}Tags, written once over RoleKind and
// UserKind. Run only on the io thread.

template <typename Kind>
void Tag(iam::IdentityStore& store, const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<iam::Tags> tags = ReadTags(request);
  if (!tags.ok()) return reply(tags.status());
  typename Kind::Entity entity = **found;
  if (absl::Status status = MergeTags(*tags, entity.tags); !status.ok()) return reply(status);
  Kind::Put(store, std::move(entity), AnswerOnceStored(std::move(reply)));
}

template <typename Kind>
void Untag(iam::IdentityStore& store, const protocol::QueryRequest& request, Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  typename Kind::Entity entity = **found;
  for (const std::string& key : ReadTagKeys(request)) entity.tags.erase(key);
  Kind::Put(store, std::move(entity), AnswerOnceStored(std::move(reply)));
}

template <typename Kind>
void ListTags(const iam::IdentityStore& store, const protocol::QueryRequest& request,
              Reply reply) {
  absl::StatusOr<const typename Kind::Entity*> found = Named<Kind>(store, request);
  if (!found.ok()) return reply(found.status());
  absl::StatusOr<PageRequest> page = ReadPage(request);
  if (!page.ok()) return reply(page.status());
  using Tag = std::pair<std::string, std::string>;
  std::vector<Keyed<Tag>> tags;
  for (const auto& [key, value] : (*found)->tags) tags.push_back({key, {key, value}});
  protocol::XmlWriter xml;
  WritePage<Tag>(xml, "Tags", tags, *page, [](protocol::XmlWriter& out, const Tag& tag) {
    out.Element("Key", tag.first).Element("Value", tag.second);
  });
  reply(xml.Take());
}

}  // namespace serval::iam_api
