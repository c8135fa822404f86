#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "common/worker.h"
#include "http/credential_store.h"
#include "server/dashboard/sessions.h"
#include "services/platform.h"
#include "services/service.h"

namespace serval::dashboard {

// The usage and cost dashboard at /_serval/ (docs/dashboard.md): the page and its files
// (compiled in from dashboard/), and the JSON views it draws: /_serval/api/overview, function,
// logs, queue. Everything but the login page is refused anonymously: a request needs a session
// cookie from POST /_serval/login (an operator's access key and secret), or a SigV4 signature
// or Basic auth, which the edge router checks (AccessFor says kSignedOrBasic when the request
// carries either); with --no-auth it is open. Log searches and the dropped-events listing run on
// its worker. Runs only on the io thread, apart from that worker.
class DashboardService : public services::Service {
 public:
  // `platform` lends the metric store, functions, logs, invoker and schedules; `credentials`
  // (null: --no-auth) checks logins; `session_clock` judges session expiry (real time). All
  // outlive the service.
  DashboardService(const services::Platform& platform, const http::CredentialStore* credentials,
                   const Clock* session_clock);
  ~DashboardService() override;

  const services::ServiceInfo& info() const override;
  services::Access AccessFor(const http::Request& headers) const override;
  void Handle(protocol::RequestContext context, http::Responder respond) override;

 private:
  struct Call;
  using Route = void (DashboardService::*)(Call&);

  void ServeLoginPage(Call& call);
  void Login(Call& call);
  void Logout(Call& call);
  void ServeAsset(Call& call);
  void Overview(Call& call);
  void FunctionView(Call& call);
  void Logs(Call& call);
  void Queue(Call& call);
  // What IAM policies would deny (or denied): the authorizer's list.
  void Access(Call& call);
  // Whether the caller is signed, Basic-authenticated, in a session or everything is open.
  bool Authenticated(const protocol::RequestContext& context) const;

  services::Platform platform_;
  const http::CredentialStore* credentials_;
  SessionStore sessions_;
  Worker worker_{"dashboard"};  // last: joined before what its jobs use goes
};

}  // namespace serval::dashboard
