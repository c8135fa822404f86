#include <utility>
#include <vector>

#include "iam/entity_ids.h"
#include "protocol/validation.h"
#include "protocol/xml.h"
#include "services/iam/iam_service.h"
#include "services/iam/iam_xml.h"

namespace serval::iam_api {
namespace {

using protocol::XmlWriter;

absl::Status NoSuchKey(std::string_view id) {
  return NoSuchEntity("The Access Key with id " + std::string(id) + " cannot be found.");
}

}  // namespace

void IamService::CreateAccessKey(const protocol::QueryRequest& request,
                                 const protocol::Caller& caller, Reply reply) {
  absl::StatusOr<const iam::User*> user = UserOrCaller(request, caller);
  if (!user.ok()) return reply(user.status());
  if (*user == nullptr) {
    return reply(InvalidInput(
        "The account root's keys are Serval's operator keys (DATA_DIR/credentials): name a "
        "UserName."));
  }
  if (identities_->AccessKeysOf((*user)->name).size() >= iam::kMaxAccessKeysPerUser) {
    return reply(LimitExceeded("Cannot exceed quota for AccessKeysPerUser: 2"));
  }
  iam::AccessKey key{.id = iam::NewAccessKeyId(),
                     .secret = iam::NewSecretAccessKey(),
                     .user_name = (*user)->name,
                     .create_millis = clock_->NowMillis()};
  XmlWriter xml;
  xml.Open("AccessKey");
  WriteAccessKey(xml, key, /*secret=*/true);
  xml.Close("AccessKey");
  std::string id = key.id;
  // Accepted by the edge only once it is on disk: a key the client never saw must not work.
  identities_->PutAccessKey(std::move(key),
                            SyncOnceStored(std::move(id), std::move(reply), xml.Take()));
}

void IamService::DeleteAccessKey(const protocol::QueryRequest& request,
                                 const protocol::Caller& caller, Reply reply) {
  absl::StatusOr<std::string> id = RequiredString(request, "AccessKeyId", kAccessKeyId);
  if (!id.ok()) return reply(id.status());
  absl::StatusOr<const iam::User*> user = UserOrCaller(request, caller);
  if (!user.ok()) return reply(user.status());
  const iam::AccessKey* key = identities_->FindAccessKey(*id);
  if (key == nullptr || (*user != nullptr && key->user_name != (*user)->name)) {
    return reply(NoSuchKey(*id));
  }
  identities_->RemoveAccessKey(*id, SyncOnceStored(*id, std::move(reply)));
  SyncKey(*id);  // refused from now on, not only once the removal is on disk
}

void IamService::UpdateAccessKey(const protocol::QueryRequest& request,
                                 const protocol::Caller& caller, Reply reply) {
  absl::StatusOr<std::string> id = RequiredString(request, "AccessKeyId", kAccessKeyId);
  if (!id.ok()) return reply(id.status());
  const std::optional<std::string> status = request.Get("Status");
  if (!status || (*status != "Active" && *status != "Inactive")) {
    protocol::ValidationErrors errors;
    if (status) {
      errors.Add(*status, "status", "Member must satisfy enum value set: [Active, Inactive]");
    } else {
      errors.AddMissing("status");
    }
    return reply(errors.ToStatus("ValidationError"));
  }
  absl::StatusOr<const iam::User*> user = UserOrCaller(request, caller);
  if (!user.ok()) return reply(user.status());
  const iam::AccessKey* found = identities_->FindAccessKey(*id);
  if (found == nullptr || (*user != nullptr && found->user_name != (*user)->name)) {
    return reply(NoSuchKey(*id));
  }
  iam::AccessKey key = *found;
  key.active = *status == "Active";
  identities_->PutAccessKey(std::move(key), SyncOnceStored(*id, std::move(reply)));
  if (*status == "Inactive") SyncKey(*id);  // refused at once
}

void IamService::ListAccessKeys(const protocol::QueryRequest& request,
                                const protocol::Caller& caller, Reply reply) {
  absl::StatusOr<const iam::User*> user = UserOrCaller(request, caller);
  if (!user.ok()) return reply(user.status());
  absl::StatusOr<PageRequest> page = ReadPage(request);
  if (!page.ok()) return reply(page.status());
  std::vector<Keyed<const iam::AccessKey*>> keys;
  if (*user != nullptr) {
    for (const iam::AccessKey* key : identities_->AccessKeysOf((*user)->name)) {
      keys.push_back({key->id, key});
    }
  }
  XmlWriter xml;
  WritePage<const iam::AccessKey*>(xml, "AccessKeyMetadata", keys, *page,
                                   [](XmlWriter& out, const iam::AccessKey* key) {
                                     WriteAccessKey(out, *key, /*secret=*/false);
                                   });
  if (*user != nullptr) xml.Element("UserName", (*user)->name);
  reply(xml.Take());
}

void IamService::GetAccessKeyLastUsed(const protocol::QueryRequest& request,
                                      const protocol::Caller& caller, Reply reply) {
  (void)caller;
  absl::StatusOr<std::string> id = RequiredString(request, "AccessKeyId", kAccessKeyId);
  if (!id.ok()) return reply(id.status());
  const iam::AccessKey* key = identities_->FindAccessKey(*id);
  if (key == nullptr) return reply(NoSuchKey(*id));
  // Serval does not record when a key was last used: AWS's answer for a key never used.
  XmlWriter xml;
  xml.Element("UserName", key->user_name)
      .Open("AccessKeyLastUsed")
      .Element("ServiceName", "N/A")
      .Element("Region", "N/A")
      .Close("AccessKeyLastUsed");
  reply(xml.Take());
}

}  // namespace serval::iam_api
