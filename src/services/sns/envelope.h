#pragma once

#include <string>

#include "services/sns/message.h"
#include "services/sns/topic_store.h"

namespace serval::sns {

// How a delivered message proves where it came from and how its subscriber leaves: the
// signature over the message (message_signer.h) and the URLs Serval serves for the certificate
// and for unsubscribing. Thread-compatible value type.
struct Stamp {
  std::string signature_version;  // "1" (SHA1withRSA) or "2" (SHA256withRSA)
  std::string signature;          // base64
  std::string signing_cert_url;
  std::string unsubscribe_url;
};

// The event a Lambda subscription's function receives: {"Records":[{"EventSource":"aws:sns",
// "EventVersion":"1.0","EventSubscriptionArn":..,"Sns":{..}}]} with AWS's member names
// (SigningCertUrl and UnsubscribeUrl, Subject null when there is none, MessageAttributes {} when
// there are none). Thread-safe.
std::string LambdaEvent(const Message& message, const Subscription& subscription,
                        const Stamp& stamp);

// The JSON document an HTTP/HTTPS subscription receives as a Notification (SigningCertURL and
// UnsubscribeURL; Subject and MessageAttributes only when there are any). Thread-safe.
std::string HttpNotification(const Message& message, const Subscription& subscription,
                             const Stamp& stamp);

}  // namespace serval::sns
