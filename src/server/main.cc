// serval: a self-hosted serverless platform speaking the AWS wire protocols.
//   serval up [--host H] [--port P] [--data-dir D] ...   run the server
//   serval logs NAME [--follow] [--data-dir D]            print a function's logs
//   serval schedule next 'cron(...)' [--count N]          check a schedule expression
//   serval deploy blueprints/NAME [--endpoint-url U] [--parameter N=V ...]  deploy a blueprint

#include <malloc.h>

#include <CLI/CLI.hpp>

#include "server/config.h"
#include "server/deploy_command.h"
#include "server/logs_command.h"
#include "server/schedule_command.h"

int main(int argc, char** argv) {
  // Streamed bodies move through buffers of 256 KiB to 1 MiB. With glibc's defaults those are
  // mmapped, or the heap is trimmed under them, and every MiB of a large upload is page-faulted
  // and zeroed again (a 1 GiB PUT's io thread spent 2 of its 4 CPU-seconds there). Fixed limits
  // keep such buffers in the heap for reuse; larger blocks are still mapped and given back.
  mallopt(M_MMAP_THRESHOLD, 4 << 20);
  mallopt(M_TRIM_THRESHOLD, 16 << 20);
  CLI::App app{"Serval: AWS Lambda and friends on your own machine, one binary, one port"};
  app.require_subcommand(1);

  serval::server::ServeConfig serve;
  double keep_alive_seconds = 300;
  double shutdown_grace_seconds = 3;
  CLI::App* up = app.add_subcommand("up", "Start Serval in the foreground");
  up->add_option("--host", serve.host, "Address to listen on")->capture_default_str();
  up->add_option("--port", serve.port, "Port to listen on")->capture_default_str();
  up->add_option("--data-dir", serve.data_dir, "Where functions, code and logs are kept")
      ->capture_default_str();
  up->add_option("--region", serve.account.region, "Region reported in ARNs")
      ->capture_default_str();
  up->add_option("--account-id", serve.account.account_id, "Account id reported in ARNs")
      ->capture_default_str()
      ->check([](const std::string& value) {
        return value.size() == 12 && value.find_first_not_of("0123456789") == std::string::npos
                   ? std::string()
                   : std::string("must be 12 digits");
      });
  up->add_option("--keep-alive-seconds", keep_alive_seconds,
                 "Idle execution environments are stopped after this long")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--concurrency-limit", serve.concurrency_limit,
                 "Concurrent executions across all functions (the account limit)")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--shutdown-grace-seconds", shutdown_grace_seconds,
                 "On SIGINT/SIGTERM, how long running invocations may take to finish")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  double log_quota_mb = 64;
  up->add_option("--log-quota-mb", log_quota_mb,
                 "A function's own output kept per log stream (one per environment); beyond it "
                 "output is dropped and the drop is marked in the log")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--async-queue-limit", serve.async_queue_limit,
                 "Async (Event) invocations that may wait in the queue; beyond it they get 429")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--async-queue-function-limit", serve.async_queue_function_limit,
                 "Async (Event) invocations of one function that may wait in the queue")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--metrics-retention-days", serve.metrics_retention_days,
                 "Days of metrics kept (CloudWatch's AWS/Lambda and custom namespaces); older "
                 "figures are deleted in the background")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--runtimes-dir", serve.runtimes_dir,
                 "Serval's runtimes directory itself (the one holding python/ and node/; default: "
                 "$SERVAL_RUNTIMES_DIR, else runtimes/ of the install or source tree)");
  up->add_option("--python", serve.python_path,
                 "Interpreter for every python3.x runtime (default: the python3 first on PATH)")
      ->check(CLI::ExistingFile);
  up->add_option("--node", serve.node_path,
                 "Interpreter for every nodejs runtime (default: the node first on PATH)")
      ->check(CLI::ExistingFile);
  up->add_flag("--no-auth", serve.no_auth,
               "Accept requests without checking their signatures (trusted networks, benchmarks)");
  up->add_flag("--simulated-clock", serve.simulated_clock,
               "Testing: time (retry delays, event age) moves only via POST "
               "/_serval/clock/advance?seconds=N");
  up->add_option("--simulated-clock-start", serve.simulated_clock_start_millis,
                 "Testing: start the simulated clock at this time (epoch milliseconds)")
      ->check(CLI::PositiveNumber);
  int64_t header_timeout_seconds = serve.request_header_timeout.count();
  int64_t transfer_timeout_seconds = serve.transfer_timeout.count();
  up->add_option("--request-header-timeout-seconds", header_timeout_seconds,
                 "A request header must arrive within this long of its first byte")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--transfer-timeout-seconds", transfer_timeout_seconds,
                 "A request body or response that makes no progress for this long, or falls this "
                 "far behind 1 KB/s, is cut off")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--max-connections", serve.max_connections,
                 "Client connections beyond this many are answered 429 and closed")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  up->add_option("--credentials-file", serve.credentials_file,
                 "Access keys accepted in request signatures, one 'ACCESS_KEY SECRET' per line "
                 "(default: DATA_DIR/credentials if present, else test/test). These are the "
                 "account root's keys: IAM policies never restrict them");
  std::string iam_mode = "warn";
  up->add_option("--iam", iam_mode,
                 "IAM policies of users, role sessions and functions: off (not evaluated), warn "
                 "(what AWS would deny succeeds and is reported once on stderr and "
                 "/_serval/stats), enforce (refused with the service's AccessDenied)")
      ->capture_default_str()
      ->check(CLI::IsMember({"off", "warn", "enforce"}));

  up->add_option("--instance-transition-ms", serve.instance_transition_millis,
                 "EC2 and RDS instance records stay this long in a transitional state (pending, "
                 "stopping, starting...) on Serval's clock; 0: the next read sees the new state")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);

  up->add_option("--min-available-memory-mb", serve.min_available_memory_mb,
                 "Memory the host keeps available (MemAvailable) as execution environments start: "
                 "below it, idle environments are stopped, least recently used first, and a cold "
                 "start they cannot make room for is refused with 429; 0: not watched")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);

  up->add_option("--meminfo-file", serve.meminfo_path,
                 "Testing: read the host's available memory (MemAvailable) from this file instead "
                 "of /proc/meminfo")
      ->check(CLI::ExistingFile);

  up->add_flag("--no-spare-environments", serve.no_spare_environments,
               "Start every execution environment from scratch: no spare Python or Node "
               "environment is kept ready for the next cold start of its runtime");

  std::string logs_function;
  std::string logs_data_dir = ".serval";
  bool follow = false;
  CLI::App* logs = app.add_subcommand("logs", "Print a function's logs");
  logs->add_option("function", logs_function, "Function name")->required();
  logs->add_option("--data-dir", logs_data_dir, "Serval's data dir")->capture_default_str();
  logs->add_flag("-f,--follow", follow, "Keep printing new log events");

  std::string expression;
  int count = 5;
  CLI::App* schedule = app.add_subcommand("schedule", "Check EventBridge schedule expressions");
  schedule->require_subcommand(1);
  CLI::App* next = schedule->add_subcommand("next", "Print the next fire times of an expression");
  next->add_option("expression", expression, "rate(...) or cron(...)")->required();
  next->add_option("--count", count, "How many fire times")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));

  serval::server::DeployOptions deploy_options;
  CLI::App* deploy = app.add_subcommand(
      "deploy", "Deploy a blueprint (its serval-blueprint.json) to a running Serval");
  deploy
      ->add_option("blueprint", deploy_options.blueprint_dir,
                   "Blueprint directory, e.g. blueprints/replication")
      ->required()
      ->check(CLI::ExistingDirectory);
  deploy->add_option("--endpoint-url", deploy_options.endpoint_url, "Serval to deploy to")
      ->capture_default_str();
  deploy
      ->add_option("--parameter", deploy_options.parameters,
                   "NAME=VALUE for one of the blueprint's Parameters (a list: comma-separated); "
                   "repeat for more")
      ->allow_extra_args(false)
      ->take_all();

  CLI11_PARSE(app, argc, argv);

  if (*deploy) return serval::server::Deploy(deploy_options);

  if (*next) return serval::server::PrintNextFireTimes(expression, count);

  if (*up) {
    if (serve.simulated_clock_start_millis > 0) serve.simulated_clock = true;
    serve.keep_alive = std::chrono::milliseconds(static_cast<int64_t>(keep_alive_seconds * 1000));
    serve.iam_mode = iam_mode == "off"    ? serval::iam::Mode::kOff
                     : iam_mode == "warn" ? serval::iam::Mode::kWarn
                                          : serval::iam::Mode::kEnforce;
    serve.shutdown_grace =
        std::chrono::milliseconds(static_cast<int64_t>(shutdown_grace_seconds * 1000));
    serve.log_quota_bytes = static_cast<uint64_t>(log_quota_mb * (1 << 20));
    serve.request_header_timeout = std::chrono::seconds(header_timeout_seconds);
    serve.transfer_timeout = std::chrono::seconds(transfer_timeout_seconds);
    return serval::server::Serve(serve);
  }
  return serval::server::PrintLogs(logs_data_dir, logs_function, follow);
}
