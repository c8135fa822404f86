// SNS's topic operations: create, delete, list, attributes and tags.

#include <algorithm>
#include <cctype>

#include "protocol/xml.h"
#include "services/sns/attributes.h"
#include "services/sns/query_xml.h"
#include "services/sns/sns_errors.h"
#include "services/sns/sns_service.h"

namespace serval::sns {
namespace {

using protocol::Caller;
using protocol::QueryRequest;

constexpr size_t kListPage = 100;
constexpr size_t kMaxTags = 50;

constexpr std::string_view kFifoNameRule =
    "Fifo Topic names must end with .fifo and must be made up of only uppercase and lowercase "
    "ASCII letters, numbers, underscores, and hyphens, and must be between 1 and 256 characters "
    "long.";

bool IsTopicNameCharacter(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// A topic name SNS accepts: 1 to 256 letters, digits, hyphens and underscores; a FIFO topic's
// ends in ".fifo" (which counts towards the 256), and only a FIFO topic's does.
absl::Status CheckTopicName(std::string_view name, bool fifo) {
  const bool fifo_suffix = name.ends_with(".fifo");
  const std::string_view stem = fifo_suffix ? name.substr(0, name.size() - 5) : name;
  const bool well_formed = !stem.empty() && name.size() <= 256 &&
                           std::all_of(stem.begin(), stem.end(), IsTopicNameCharacter);
  if (fifo || fifo_suffix) {
    if (!well_formed || fifo != fifo_suffix) return InvalidParameter(kFifoNameRule);
    return absl::OkStatus();
  }
  if (!well_formed) return InvalidParameter("Topic Name");
  return absl::OkStatus();
}

std::string TopicArnXml(const std::string& arn) {
  return protocol::XmlWriter().Element("TopicArn", arn).Take();
}

}  // namespace

void SnsService::CreateTopic(const QueryRequest& request, const Caller&, Reply reply) {
  const std::string name = request.Get("Name").value_or("");
  const std::map<std::string, std::string> attributes =
      ReadAttributeMap(request.parameters, "Attributes");
  auto fifo_attribute = attributes.find("FifoTopic");
  const bool fifo = fifo_attribute != attributes.end() && fifo_attribute->second == "true";
  if (absl::Status status = CheckTopicName(name, fifo); !status.ok()) return reply(status);
  for (const auto& [key, value] : attributes) {
    if (absl::Status status = CheckTopicAttribute(key, value, /*creating=*/true, fifo);
        !status.ok()) {
      return reply(status);
    }
  }
  absl::StatusOr<std::map<std::string, std::string>> tags = ReadTags(request.parameters);
  if (!tags.ok()) return reply(tags.status());
  if (tags->size() > kMaxTags) {
    return reply(ClientError("TagLimitExceeded",
                             "Could not complete request: tag quota of per resource exceeded"));
  }
  const std::string arn = TopicArn(name);
  // CreateTopic is idempotent: the same name answers the existing topic, unless what the
  // request asks for differs from it.
  if (const Topic* existing = topics_->FindTopic(arn)) {
    for (const auto& [key, value] : attributes) {
      auto found = existing->attributes.find(key);
      const bool same =
          found != existing->attributes.end()
              ? found->second == value
              : (key == "FifoTopic" && value == (existing->fifo() ? "true" : "false"));
      if (!same) {
        return reply(
            InvalidParameter("Attributes Reason: Topic already exists with different attributes"));
      }
    }
    for (const auto& [key, value] : *tags) {
      auto found = existing->tags.find(key);
      if (found == existing->tags.end() || found->second != value) {
        return reply(InvalidParameter("Tags Reason: Topic already exists with different tags"));
      }
    }
    return reply(TopicArnXml(arn));
  }
  topics_->PutTopic(Topic{.name = name, .arn = arn, .attributes = attributes, .tags = *tags},
                    AnswerOnceStored(std::move(reply), TopicArnXml(arn)));
}

void SnsService::DeleteTopic(const QueryRequest& request, const Caller&, Reply reply) {
  absl::StatusOr<const Topic*> topic = TopicNamed(request, "TopicArn");
  // Deleting a topic that does not exist is not an error.
  if (!topic.ok() && absl::IsNotFound(topic.status())) return reply(std::string());
  if (!topic.ok()) return reply(topic.status());
  for (const Subscription* subscription : topics_->SubscriptionsOf((*topic)->arn)) {
    filters_.erase(subscription->arn);
  }
  topics_->RemoveTopic((*topic)->arn, AnswerOnceStored(std::move(reply)));
}

void SnsService::ListTopics(const QueryRequest& request, const Caller&, Reply reply) {
  const std::string after = request.Get("NextToken").value_or("");
  protocol::XmlWriter xml;
  xml.Open("Topics");
  size_t listed = 0;
  std::string next;
  const auto& topics = topics_->topics();
  for (auto it = after.empty() ? topics.begin() : topics.upper_bound(after); it != topics.end();
       ++it) {
    if (listed == kListPage) {
      next = std::prev(it)->first;
      break;
    }
    xml.Open("member").Element("TopicArn", it->first).Close("member");
    ++listed;
  }
  xml.Close("Topics");
  if (!next.empty()) xml.Element("NextToken", next);
  reply(xml.Take());
}

void SnsService::GetTopicAttributes(const QueryRequest& request, const Caller&, Reply reply) {
  absl::StatusOr<const Topic*> topic = TopicNamed(request, "TopicArn");
  if (!topic.ok()) return reply(topic.status());
  reply(AttributesXml("Attributes", TopicAttributesView(**topic, *topics_, deps_.account)));
}

void SnsService::SetTopicAttributes(const QueryRequest& request, const Caller&, Reply reply) {
  absl::StatusOr<const Topic*> topic = TopicNamed(request, "TopicArn");
  if (!topic.ok()) return reply(topic.status());
  const std::string name = request.Get("AttributeName").value_or("");
  const std::string value = request.Get("AttributeValue").value_or("");
  if (absl::Status status = CheckTopicAttribute(name, value, /*creating=*/false, (*topic)->fifo());
      !status.ok()) {
    return reply(status);
  }
  Topic changed = **topic;
  if (value.empty() && name != "DisplayName") {
    changed.attributes.erase(name);  // an empty value restores the default
  } else {
    changed.attributes[name] = value;
  }
  topics_->PutTopic(std::move(changed), AnswerOnceStored(std::move(reply)));
}

void SnsService::TagResource(const QueryRequest& request, const Caller&, Reply reply) {
  const Topic* topic = topics_->FindTopic(request.Get("ResourceArn").value_or(""));
  if (topic == nullptr) return reply(ResourceNotFound());
  absl::StatusOr<std::map<std::string, std::string>> tags = ReadTags(request.parameters);
  if (!tags.ok()) return reply(tags.status());
  Topic changed = *topic;
  for (const auto& [key, value] : *tags) changed.tags[key] = value;
  if (changed.tags.size() > kMaxTags) {
    return reply(ClientError("TagLimitExceeded",
                             "Could not complete request: tag quota of per resource exceeded"));
  }
  topics_->PutTopic(std::move(changed), AnswerOnceStored(std::move(reply)));
}

void SnsService::UntagResource(const QueryRequest& request, const Caller&, Reply reply) {
  const Topic* topic = topics_->FindTopic(request.Get("ResourceArn").value_or(""));
  if (topic == nullptr) return reply(ResourceNotFound());
  Topic changed = *topic;
  for (auto& [index, fields] : protocol::QueryMembers(request.parameters, "TagKeys.member")) {
    changed.tags.erase(fields[""]);
  }
  topics_->PutTopic(std::move(changed), AnswerOnceStored(std::move(reply)));
}

void SnsService::ListTagsForResource(const QueryRequest& request, const Caller&, Reply reply) {
  const Topic* topic = topics_->FindTopic(request.Get("ResourceArn").value_or(""));
  if (topic == nullptr) return reply(ResourceNotFound());
  reply(TagsXml(topic->tags));
}

}  // namespace serval::sns
