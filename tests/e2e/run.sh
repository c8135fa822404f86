#!/usr/bin/env bash
# Runs serval's end-to-end tests: the Python suites (boto3 + AWS CLI) and the JS SDK v3 test.
# Uses build/serval (override with SERVAL_BIN). Exits non-zero if anything failed.
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
cd "$repo"
export SERVAL_BIN="${SERVAL_BIN:-$repo/build/serval}"
export PYTHONDONTWRITEBYTECODE=1

status=0

# Functions' own bundled SDKs (zipped with them by test_runtime_sdks.py); tests/e2e/js's too.
for dir in tests/e2e/js tests/e2e/fixtures/node/sdk-v3.*; do
  if [ ! -d "$dir/node_modules" ]; then
    (cd "$dir" && npm ci --ignore-scripts --no-audit --no-fund) || status=1
  fi
done

echo "== e2e: python (boto3, AWS CLI) =="
if ! python3 -m unittest discover -s tests/e2e -p 'test_*.py' -v; then
  status=1
fi

echo "== e2e: js (AWS SDK for JavaScript v3) =="
if ! node --test tests/e2e/js/; then
  status=1
fi

if [ "$status" -ne 0 ]; then
  echo "e2e: FAILED"
else
  echo "e2e: all passed"
fi
exit "$status"
