#include "services/rds/rds_xml.h"

#include <fmt/format.h>

#include "absl/strings/escaping.h"
#include "common/crypto.h"
#include "common/time_format.h"

namespace serval::rds {
namespace {

std::string_view Bool(bool value) { return value ? "true" : "false"; }

// <name/> for a list Serval keeps nothing in (security groups, parameter groups, replicas).
void EmptyList(std::string_view name, protocol::XmlWriter& xml) { xml.Open(name).Close(name); }

// AWS's endpoint host: the identifier, a name unique to the account and region, the region.
std::string EndpointAddress(const DbInstance& instance, const AccountContext& account) {
  const std::string unique =
      "c" + absl::BytesToHexString(Sha256(account.account_id + "/" + account.region)).substr(0, 11);
  return fmt::format("{}.{}.{}.rds.amazonaws.com", instance.identifier, unique, account.region);
}

}  // namespace

std::string DbInstanceArn(const AccountContext& account, std::string_view identifier) {
  return fmt::format("arn:aws:rds:{}:{}:db:{}", account.region, account.account_id, identifier);
}

void WriteTagList(const std::map<std::string, std::string>& tags, protocol::XmlWriter& xml) {
  xml.Open("TagList");
  for (const auto& [key, value] : tags) {
    xml.Open("Tag").Element("Key", key).Element("Value", value).Close("Tag");
  }
  xml.Close("TagList");
}

void WriteDbInstance(const DbInstance& instance, Status status, const AccountContext& account,
                     protocol::XmlWriter& xml) {
  const bool created = status != Status::kCreating;
  xml.Open("DBInstance")
      .Element("DBInstanceIdentifier", instance.identifier)
      .Element("DBInstanceClass", instance.instance_class)
      .Element("Engine", instance.engine)
      .Element("DBInstanceStatus", StatusName(status))
      .Element("MasterUsername", instance.master_username);
  if (!instance.db_name.empty()) xml.Element("DBName", instance.db_name);
  if (created) {
    xml.Open("Endpoint")
        .Element("Address", EndpointAddress(instance, account))
        .Element("Port", std::to_string(instance.port))
        .Close("Endpoint");
  }
  xml.Element("AllocatedStorage", std::to_string(instance.allocated_storage));
  if (created) xml.Element("InstanceCreateTime", FormatIso8601Millis(instance.created_millis));
  xml.Element("PreferredBackupWindow", "03:00-03:30")
      .Element("BackupRetentionPeriod", std::to_string(instance.backup_retention_period));
  EmptyList("DBSecurityGroups", xml);
  EmptyList("VpcSecurityGroups", xml);
  EmptyList("DBParameterGroups", xml);
  xml.Element("AvailabilityZone", instance.availability_zone)
      .Element("PreferredMaintenanceWindow", "sun:05:00-sun:05:30");
  EmptyList("PendingModifiedValues", xml);
  xml.Element("MultiAZ", Bool(instance.multi_az))
      .Element("EngineVersion", instance.engine_version)
      .Element("AutoMinorVersionUpgrade", Bool(instance.auto_minor_version_upgrade));
  EmptyList("ReadReplicaDBInstanceIdentifiers", xml);
  xml.Element("LicenseModel", instance.license_model)
      .Element("PubliclyAccessible", Bool(instance.publicly_accessible))
      .Element("StorageType", instance.storage_type)
      .Element("DbInstancePort", "0")
      .Element("StorageEncrypted", Bool(instance.storage_encrypted))
      .Element("DbiResourceId", instance.resource_id)
      .Element("CACertificateIdentifier", "rds-ca-rsa2048-g1")
      .Element("CopyTagsToSnapshot", "false")
      .Element("DBInstanceArn", DbInstanceArn(account, instance.identifier))
      .Element("IAMDatabaseAuthenticationEnabled", "false")
      .Element("DeletionProtection", Bool(instance.deletion_protection));
  WriteTagList(instance.tags, xml);
  xml.Close("DBInstance");
}

}  // namespace serval::rds
