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

echo "== e2e: python (boto3, AWS CLI) =="
if ! python3 -m unittest discover -s tests/e2e -p 'test_*.py' -v; then
  status=1
fi

echo "== e2e: js (@aws-sdk/client-lambda) =="
if [ ! -d tests/e2e/js/node_modules ]; then
  (cd tests/e2e/js && npm ci --no-audit --no-fund) || status=1
fi
if ! node --test tests/e2e/js/; then
  status=1
fi

if [ "$status" -ne 0 ]; then
  echo "e2e: FAILED"
else
  echo "e2e: all passed"
fi
exit "$status"
