#include <utility>
#include <vector>

#include "iam/entity_ids.h"
#include "protocol/xml.h"
#include "services/iam/iam_service.h"
#include "services/iam/iam_xml.h"
#include "services/iam/tag_operations.h"

namespace serval::iam_api {

using protocol::XmlWriter;

void IamService::CreateUser(const protocol::QueryRequest& request, const protocol::Caller& caller,
                            Reply reply) {
  (void)caller;
  absl::StatusOr<std::string> name = RequiredString(request, "UserName", kUserName);
  if (!name.ok()) return reply(name.status());
  absl::StatusOr<std::optional<std::string>> path = OptionalString(request, "Path", kPath);
  if (!path.ok()) return reply(path.status());
  absl::StatusOr<std::optional<std::string>> boundary =
      OptionalString(request, "PermissionsBoundary", kArn);
  if (!boundary.ok()) return reply(boundary.status());
  absl::StatusOr<iam::Tags> tags = ReadTags(request);
  if (!tags.ok()) return reply(tags.status());
  if (identities_->FindUser(*name) != nullptr) {
    return reply(EntityAlreadyExists("User with name " + *name + " already exists."));
  }
  if (*boundary && identities_->FindPolicy(**boundary) == nullptr) {
    return reply(
        NoSuchEntity("Scope ARN: " + **boundary + " does not exist or is not attachable."));
  }
  iam::User user{.name = *name,
                 .path = path->value_or("/"),
                 .user_id = iam::NewUniqueId("AIDA"),
                 .create_millis = clock_->NowMillis(),
                 .permissions_boundary = boundary->value_or(""),
                 .tags = *std::move(tags)};
  user.arn = Arn("user", user.path, user.name);
  XmlWriter xml;
  xml.Open("User");
  WriteUser(xml, user, /*full=*/true);
  xml.Close("User");
  identities_->PutUser(std::move(user), AnswerOnceStored(std::move(reply), xml.Take()));
}

void IamService::GetUser(const protocol::QueryRequest& request, const protocol::Caller& caller,
                         Reply reply) {
  absl::StatusOr<const iam::User*> user = UserOrCaller(request, caller);
  if (!user.ok()) return reply(user.status());
  XmlWriter xml;
  xml.Open("User");
  if (*user != nullptr) {
    WriteUser(xml, **user, /*full=*/true);
  } else {
    // The operator's keys are the account root, as AWS answers for it.
    xml.Element("UserId", identities_->account_id())
        .Element("Arn", "arn:aws:iam::" + identities_->account_id() + ":root")
        .Element("CreateDate", IamDate(0));
  }
  xml.Close("User");
  reply(xml.Take());
}

void IamService::DeleteUser(const protocol::QueryRequest& request, const protocol::Caller& caller,
                            Reply reply) {
  (void)caller;
  absl::StatusOr<const iam::User*> user = Named<UserKind>(*identities_, request);
  if (!user.ok()) return reply(user.status());
  if (!identities_->AccessKeysOf((*user)->name).empty()) {
    return reply(DeleteConflict("Cannot delete entity, must delete access keys first."));
  }
  if (absl::Status blocked = PoliciesBlockDeletion(**user); !blocked.ok()) return reply(blocked);
  identities_->RemoveUser((*user)->name, AnswerOnceStored(std::move(reply)));
}

void IamService::ListUsers(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply) {
  (void)caller;
  reply(ListByPath<UserKind>(*identities_, request));
}

void IamService::TagUser(const protocol::QueryRequest& request, const protocol::Caller& caller,
                         Reply reply) {
  (void)caller;
  Tag<UserKind>(*identities_, request, std::move(reply));
}

void IamService::UntagUser(const protocol::QueryRequest& request, const protocol::Caller& caller,
                           Reply reply) {
  (void)caller;
  Untag<UserKind>(*identities_, request, std::move(reply));
}

void IamService::ListUserTags(const protocol::QueryRequest& request, const protocol::Caller& caller,
                              Reply reply) {
  (void)caller;
  ListTags<UserKind>(*identities_, request, std::move(reply));
}

}  // namespace serval::iam_api
