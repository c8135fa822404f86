#!/usr/bin/env bash
# One-stop setup for a Debian 12 machine (run as root):
#   scripts/setup.sh up     install what is missing, build, start Serval on 127.0.0.1:4566 in the
#                           background with its data in ./.serval, the demo function `hello` and
#                           the blueprints survival (function and API), replication (3
#                           destinations), error-handling (the post's API), video-metadata
#                           (bucket, table, function) and log-analytics (forwarder, demo
#                           function, subscription; its collector runs in the background too)
#   scripts/setup.sh test   install what is missing, build, run every test: unit and end-to-end
#                           tests on build/, the unit tests again under ASan + UBSan (build-asan/),
#                           and clang's lock-annotation check (scripts/thread_safety_check.sh)
#   scripts/setup.sh build  install what is missing and build only
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$here"
mode="${1:-up}"

log() { printf '\033[1m==> %s\033[0m\n' "$*"; }

# Debian packages the build and the tests need. Boost must be 1.81 (Debian's default 1.74 has no
# Boost.JSON). clang (14) is only for the -Wthread-safety check of the lock annotations.
# python3-boto3 is Debian's own boto3 (botocore 1.29, older than AWS_ENDPOINT_URL), which the e2e
# tests run functions with through /usr/bin/python3, as on a fresh machine. ca-certificates: the
# roots HTTPS subscriptions are verified against; openssl: the tests verify SNS signatures with it.
# libpcre2-dev: API Gateway selection patterns (Java regexes); libyaml-cpp-dev: OpenAPI in YAML.
# python3-cryptography: the HTTP API authorizer tests sign JWTs with it. python3-requests: the S3
# form-upload tests post boto3's generate_presigned_post forms with it, as boto3's guide does.
# mediainfo: the video-metadata blueprint's function runs Debian's (with libcurl, for URLs) from
# the read-only /usr its sandbox sees, and its e2e test compares with it (ffmpeg only makes the
# checked-in fixtures: blueprints/video-metadata/make_fixtures.sh).
# awscli is Debian's CLI v2.9, which the metrics tests run as /usr/bin/aws (it speaks the query
# protocol to CloudWatch; an `aws` first on PATH, such as pyenv's CLI v1, does not stand in for
# it); prometheus scrapes /metrics in those tests. chromium runs the dashboard's test
# (tests/e2e/js/dashboard.test.mjs, headless through puppeteer-core) and bench/dashboard.sh.
packages=(
  build-essential cmake ninja-build ccache pkg-config git clang
  libboost1.81-dev libboost-json1.81-dev
  libabsl-dev libsqlite3-dev libssl-dev libzip-dev libfmt-dev libcli11-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev libexpat1-dev libpcre2-dev libyaml-cpp-dev
  zip unzip curl procps e2fsprogs openssl ca-certificates
  python3-boto3 python3-cryptography python3-requests mediainfo awscli prometheus chromium
)

install_packages() {
  local missing=()
  for package in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" ||
      missing+=("$package")
  done
  # Tools are checked by command, not package: the machine's own Node.js (e.g. NodeSource's,
  # which bundles npm and conflicts with Debian's npm package) and boto3 are fine.
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)
  command -v npm >/dev/null 2>&1 || missing+=(npm)
  if ((${#missing[@]})); then
    log "Installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  if [[ ! -d runtimes/node/node_modules/aws-lambda-ric ]]; then
    log "Installing the Node runtime (aws-lambda-ric) from npm"
    npm ci --ignore-scripts --omit=dev --no-audit --no-fund --prefix runtimes/node
  fi
}

build() {
  # Paths relative to the checkout let ccache reuse objects across clones; without NOHASHDIR a
  # debug build (-g) would also hash the build directory's absolute path and never hit.
  export CCACHE_BASEDIR="$here" CCACHE_NOHASHDIR=1
  log "Building Serval"
  cmake --preset default >/dev/null
  cmake --build build -j2
}

wait_healthy() {
  local url="$1"
  for _ in $(seq 1 100); do
    curl -fsS "$url/_serval/health" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}

# The {api}.execute-api.localhost invoke URL `serval deploy` printed for blueprint $1's API.
api_url() {
  sed -n 's|^  invoke URL: \(http://[^ ]*\.execute-api\.localhost:[^ ]*\)$|\1|p' \
    ".serval/deploy-$1.log"
}

# The log-analytics blueprint's collector stand-in, unless it is already running: HTTPS on a
# free loopback port, with its certificate, token, URL, received batches, pid and log in
# .serval/log-collector.
start_log_collector() {
  local dir=.serval/log-collector
  if [[ -f $dir/collector.pid ]] && kill -0 "$(cat "$dir/collector.pid")" 2>/dev/null &&
    [[ -f $dir/url ]]; then
    log "Log collector already running on $(cat "$dir/url")"
    return
  fi
  mkdir -p "$dir"
  rm -f "$dir/url"
  log "Starting the log-analytics collector (log in ./$dir/collector.log)"
  nohup python3 blueprints/log-analytics/collector.py serve --dir "$dir" \
    >>"$dir/collector.log" 2>&1 &
  echo $! >"$dir/collector.pid"
  for _ in $(seq 1 100); do
    [[ -f $dir/url ]] && return 0
    sleep 0.1
  done
  cat "$dir/collector.log"
  exit 1
}

start_and_deploy_demo() {
  local endpoint="http://127.0.0.1:4566"
  if curl -fsS "$endpoint/_serval/health" >/dev/null 2>&1; then
    log "Serval already running on $endpoint"
  else
    log "Starting Serval on $endpoint (data in ./.serval, log in ./.serval/serval.log)"
    mkdir -p .serval
    nohup build/serval up --host 127.0.0.1 --port 4566 --data-dir .serval \
      >>.serval/serval.log 2>&1 &
    echo $! >.serval/serval.pid
    wait_healthy "$endpoint" || { cat .serval/serval.log; exit 1; }
  fi
  export AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-test}" AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-test}"
  export AWS_DEFAULT_REGION="${AWS_DEFAULT_REGION:-us-east-1}"
  local zip
  zip="$(mktemp -d)/hello.zip"
  (cd examples/hello && zip -q "$zip" app.py)
  if aws --endpoint-url "$endpoint" lambda get-function --function-name hello >/dev/null 2>&1; then
    aws --endpoint-url "$endpoint" lambda update-function-code --function-name hello \
      --zip-file "fileb://$zip" >/dev/null
  else
    aws --endpoint-url "$endpoint" lambda create-function --function-name hello \
      --runtime python3.12 --handler app.lambda_handler \
      --role arn:aws:iam::000000000000:role/serval-demo --zip-file "fileb://$zip" >/dev/null
  fi
  local blueprint
  for blueprint in survival replication error-handling video-metadata scheduler; do
    build/serval deploy "blueprints/$blueprint" --endpoint-url "$endpoint" |
      tee ".serval/deploy-$blueprint.log"
  done
  start_log_collector
  build/serval deploy blueprints/log-analytics --endpoint-url "$endpoint" \
    --parameter "CollectorUrl=$(cat .serval/log-collector/url)" \
    --parameter "CollectorCertificate=$(cat .serval/log-collector/cert.pem)" |
    tee .serval/deploy-log-analytics.log
  log "Demo function 'hello' and the blueprints survival, replication, error-handling, video-metadata, scheduler and log-analytics deployed. Try:"
  echo "  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1"
  echo "  aws --endpoint-url $endpoint lambda invoke --function-name hello out.json && cat out.json"
  echo "  aws --endpoint-url $endpoint lambda invoke --function-name survival \\"
  echo "    --payload fileb://blueprints/survival/fixtures/seed_tcga_request.json out.json && cat out.json"
  echo "  curl -H 'Content-Type: application/json' -X POST \\"
  echo "    -d @blueprints/survival/fixtures/seed_tcga_request.json $(api_url survival)/survival"
  echo "  curl -i '$(api_url error-handling)/lambda?status=404'"
  echo "  aws --endpoint-url $endpoint s3 cp README.md s3://replication-source/ && sleep 1 \\"
  echo "    && aws --endpoint-url $endpoint s3 ls s3://replication-destination-3/"
  echo "  aws --endpoint-url $endpoint s3 cp tests/e2e/fixtures/video/testsrc-h264-aac.mp4 s3://video-metadata/ \\"
  echo "    && sleep 2 && aws --endpoint-url $endpoint dynamodb get-item --table-name TechnicalMetadata \\"
  echo "    --key '{\"keyName\": {\"S\": \"testsrc-h264-aac.mp4\"}}'"
  echo "  aws --endpoint-url $endpoint ec2 run-instances --image-id ami-12345678 --instance-type t2.micro \\"
  echo "    --tag-specifications 'ResourceType=instance,Tags=[{Key=InstanceSchedule,Value=mon-fri;0800;mon-fri;1800;}]' \\"
  echo "    && aws --endpoint-url $endpoint lambda invoke --function-name instance_scheduler out.json && cat out.json"
  echo "  aws --endpoint-url $endpoint lambda invoke --function-name log-analytics-demo out.json && sleep 2 \\"
  echo "    && python3 blueprints/log-analytics/collector.py usage --dir .serval/log-collector"
  echo "  Stop Serval with: kill \$(cat .serval/serval.pid); the log collector: kill \$(cat .serval/log-collector/collector.pid)"
}

run_tests() {
  log "Unit tests"
  ctest --test-dir build --output-on-failure -j2
  log "End-to-end tests"
  tests/e2e/run.sh
  local start=$SECONDS
  log "Unit tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)"
  cmake --preset asan >/dev/null
  cmake --build build-asan -j2 --target unit_tests
  ctest --preset asan -j2
  log "Sanitizer build and unit tests took $((SECONDS - start)) s"
  start=$SECONDS
  log "Lock annotations (clang -Wthread-safety, syntax only)"
  JOBS=2 scripts/thread_safety_check.sh
  log "Thread-safety check took $((SECONDS - start)) s"
}

install_packages
build
case "$mode" in
  up) start_and_deploy_demo ;;
  test) run_tests ;;
  build) ;;
  *) echo "usage: $0 [up|test|build]" >&2; exit 2 ;;
esac
