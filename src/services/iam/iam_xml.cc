#include "services/iam/iam_xml.h"

#include "common/percent_encoding.h"
#include "common/time_format.h"

namespace serval::iam_api {
namespace {

void WriteBoundary(protocol::XmlWriter& xml, const std::string& arn) {
  if (arn.empty()) return;
  xml.Open("PermissionsBoundary")
      .Element("PermissionsBoundaryType", "Policy")
      .Element("PermissionsBoundaryArn", arn)
      .Close("PermissionsBoundary");
}

}  // namespace

std::string IamDate(int64_t epoch_millis) { return FormatIso8601Seconds(epoch_millis / 1000); }

std::string EncodedDocument(const iam::PolicyDocument& document) {
  return PercentEncode(document.text());
}

void WriteTags(protocol::XmlWriter& xml, const iam::Tags& tags) {
  xml.Open("Tags");
  for (const auto& [key, value] : tags) {
    xml.Open("member").Element("Key", key).Element("Value", value).Close("member");
  }
  xml.Close("Tags");
}

void WriteRole(protocol::XmlWriter& xml, const iam::Role& role, bool full) {
  xml.Element("Path", role.path)
      .Element("RoleName", role.name)
      .Element("RoleId", role.role_id)
      .Element("Arn", role.arn)
      .Element("CreateDate", IamDate(role.create_millis))
      .Element("AssumeRolePolicyDocument", EncodedDocument(role.trust_policy));
  if (!role.description.empty()) xml.Element("Description", role.description);
  xml.Element("MaxSessionDuration", std::to_string(role.max_session_duration));
  if (!full) return;
  WriteBoundary(xml, role.permissions_boundary);
  if (!role.tags.empty()) WriteTags(xml, role.tags);
  xml.Open("RoleLastUsed").Close("RoleLastUsed");
}

void WriteUser(protocol::XmlWriter& xml, const iam::User& user, bool full) {
  xml.Element("Path", user.path)
      .Element("UserName", user.name)
      .Element("UserId", user.user_id)
      .Element("Arn", user.arn)
      .Element("CreateDate", IamDate(user.create_millis));
  if (!full) return;
  WriteBoundary(xml, user.permissions_boundary);
  if (!user.tags.empty()) WriteTags(xml, user.tags);
}

void WritePolicy(protocol::XmlWriter& xml, const iam::ManagedPolicy& policy,
                 int attachment_count, bool full) {
  xml.Element("PolicyName", policy.name)
      .Element("DefaultVersionId", policy.default_version)
      .Element("PolicyId", policy.policy_id)
      .Element("Path", policy.path)
      .Element("Arn", policy.arn)
      .Element("AttachmentCount", std::to_string(attachment_count))
      .Element("PermissionsBoundaryUsageCount", "0")
      .Element("IsAttachable", "true");
  if (full && !policy.description.empty()) xml.Element("Description", policy.description);
  xml.Element("CreateDate", IamDate(policy.create_millis))
      .Element("UpdateDate", IamDate(policy.update_millis));
  if (full && !policy.tags.empty()) WriteTags(xml, policy.tags);
}

void WriteVersion(protocol::XmlWriter& xml, const iam::ManagedPolicy& policy,
                  const iam::PolicyVersion& version, bool document) {
  if (document) xml.Element("Document", EncodedDocument(version.document));
  xml.Element("VersionId", version.id)
      .Element("IsDefaultVersion", version.id == policy.default_version ? "true" : "false")
      .Element("CreateDate", IamDate(version.create_millis));
}

void WriteAccessKey(protocol::XmlWriter& xml, const iam::AccessKey& key, bool secret) {
  xml.Element("UserName", key.user_name)
      .Element("AccessKeyId", key.id)
      .Element("Status", key.active ? "Active" : "Inactive");
  if (secret) xml.Element("SecretAccessKey", key.secret);
  xml.Element("CreateDate", IamDate(key.create_millis));
}

}  // namespace serval::iam_api
