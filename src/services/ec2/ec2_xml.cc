#include "services/ec2/ec2_xml.h"

#include "common/time_format.h"
#include "protocol/protocol.h"
#include "services/ec2/network.h"

namespace serval::ec2 {
namespace {

constexpr std::string_view kNamespace = "http://ec2.amazonaws.com/doc/2016-11-15/";

}  // namespace

http::Response Ec2Response(std::string_view action, std::string_view body_xml,
                           std::string_view request_id) {
  const std::string response_tag = std::string(action) + "Response";
  protocol::XmlWriter xml;
  xml.Declaration().Open(response_tag, kNamespace).Element("requestId", request_id);
  std::string body = xml.Take();
  body += body_xml;
  body += "</" + response_tag + ">";
  http::Response response{.status = 200, .body = std::move(body)};
  response.SetHeader("Content-Type", "text/xml;charset=UTF-8");
  protocol::SetRequestId(protocol::Protocol::kEc2, request_id, response);
  return response;
}

void WriteState(protocol::XmlWriter& xml, std::string_view element, InstanceState state) {
  xml.Open(element)
      .Element("code", std::to_string(StateCode(state)))
      .Element("name", StateName(state))
      .Close(element);
}

void OpenReservation(protocol::XmlWriter& xml, std::string_view reservation_id,
                     std::string_view owner_id) {
  xml.Element("reservationId", reservation_id)
      .Element("ownerId", owner_id)
      .Element("groupSet", "")
      .Open("instancesSet");
}

void WriteTagSet(protocol::XmlWriter& xml, const std::map<std::string, std::string>& tags) {
  if (tags.empty()) return;
  xml.Open("tagSet");
  for (const auto& [key, value] : tags) {
    xml.Open("item").Element("key", key).Element("value", value).Close("item");
  }
  xml.Close("tagSet");
}

void WriteInstance(protocol::XmlWriter& xml, const Instance& instance, InstanceState state,
                   const AccountContext& account) {
  // Stopped and terminated instances have given their address back.
  const bool addressed = state != InstanceState::kTerminated;
  xml.Open("item").Element("instanceId", instance.id).Element("imageId", instance.image_id);
  WriteState(xml, "instanceState", state);
  xml.Element("privateDnsName",
              addressed ? PrivateDnsNameOf(instance.private_ip, account.region) : "")
      .Element("dnsName", "")
      .Element("reason", instance.transition_reason);
  if (!instance.key_name.empty()) xml.Element("keyName", instance.key_name);
  xml.Element("amiLaunchIndex", std::to_string(instance.launch_index))
      .Element("productCodes", "")
      .Element("instanceType", instance.instance_type)
      .Element("launchTime", FormatIso8601Millis(instance.launch_millis))
      .Open("placement")
      .Element("availabilityZone", instance.availability_zone)
      .Element("groupName", "")
      .Element("tenancy", "default")
      .Close("placement")
      .Open("monitoring")
      .Element("state", instance.monitoring ? "enabled" : "disabled")
      .Close("monitoring");
  if (addressed) {
    xml.Element("subnetId", instance.subnet_id)
        .Element("vpcId", instance.vpc_id)
        .Element("privateIpAddress", instance.private_ip);
  }
  xml.Element("sourceDestCheck", "true").Element("groupSet", "");
  if (state != InstanceState::kPending && state != InstanceState::kRunning) {
    xml.Open("stateReason")
        .Element("code", "Client.UserInitiatedShutdown")
        .Element("message", "Client.UserInitiatedShutdown: User initiated shutdown")
        .Close("stateReason");
  }
  xml.Element("architecture", "x86_64")
      .Element("rootDeviceType", "ebs")
      .Element("rootDeviceName", "/dev/xvda")
      .Element("blockDeviceMapping", "")
      .Element("virtualizationType", "hvm")
      .Element("clientToken", instance.client_token);
  WriteTagSet(xml, instance.tags);
  xml.Element("hypervisor", "xen")
      .Element("ebsOptimized", "false")
      .Element("enaSupport", "true")
      .Element("platformDetails", "Linux/UNIX")
      .Element("usageOperation", "RunInstances")
      .Element("currentInstanceBootMode", "legacy-bios")
      .Close("item");
}

}  // namespace serval::ec2
