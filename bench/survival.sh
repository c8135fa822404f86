#!/usr/bin/env bash
# bench/survival.sh: the survival blueprint benchmark (issue 5), in one command (~2 minutes).
#
# GENES (20,000) synthetic genes x the seed's 480 TCGA patients (its times and events):
# 1. the library alone on 1 and on 2 threads (bench/survival_bench.cc);
# 2. through Serval: `serval deploy blueprints/survival`, then GENES/BATCH (100) invocations of
#    BATCH (200) genes each from 32 concurrent clients, SigV4-signed (wall time for all genes);
# 3. R's coxph (the seed's apply/coxph/summary code) on R_SAMPLE (200) of the same genes, if
#    Rscript and the survival package are installed (apt-get install r-base-core r-cran-survival).
# Each step runs REPS (3) times; the summary gives medians and the R/Serval ratio per gene.

set -euo pipefail

BENCH_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$BENCH_DIR/.." && pwd)"
BUILD="${BUILD_DIR:-$REPO/build}"
REPS="${REPS:-3}"
GENES="${GENES:-20000}"
BATCH="${BATCH:-200}"
R_SAMPLE="${R_SAMPLE:-200}"
OUT="${OUT:-$BENCH_DIR/out/survival-$(date -u +%Y%m%dT%H%M%SZ)}"
source "$BENCH_DIR/lib.sh"
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=us-east-1

mkdir -p "$OUT"
TMP="$(mktemp -d /tmp/serval-bench.XXXXXX)"
SERVAL_PID=""
trap '[[ -n "$SERVAL_PID" ]] && kill "$SERVAL_PID" 2>/dev/null; wait 2>/dev/null; rm -rf "$TMP"' EXIT

wait_for_quiet
log "building serval, survival_function, survival_bench"
cmake --build "$BUILD" -j2 --target serval survival_function survival_bench >"$TMP/build.log" 2>&1 ||
  { cat "$TMP/build.log" >&2; exit 1; }
{
  echo "date_utc: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "git_head: $(git -C "$REPO" rev-parse --short HEAD)"
  echo "nproc: $(nproc), kernel: $(uname -sr)"
  echo "R: $(Rscript --version 2>&1 | head -1 || echo none)"
  echo "params: REPS=$REPS GENES=$GENES BATCH=$BATCH R_SAMPLE=$R_SAMPLE"
} >"$OUT/machine.txt"

mkdir -p "$TMP/payloads"
for rep in $(seq "$REPS"); do
  wait_for_quiet
  "$BUILD/bench/survival_bench" "$REPO/blueprints/survival/fixtures" "$TMP/payloads" \
    --genes "$GENES" --batch "$BATCH" --r-sample "$R_SAMPLE" >>"$OUT/library.jsonl"
  log "library rep $rep: $(tail -1 "$OUT/library.jsonl")"
done

"$BUILD/serval" up --port 0 --data-dir "$TMP/data" >"$OUT/serval.log" 2>&1 &
SERVAL_PID=$!
PORT="$(ready_port "$OUT/serval.log" "$SERVAL_PID")"
"$BUILD/serval" deploy "$REPO/blueprints/survival" --endpoint-url "http://127.0.0.1:$PORT" >&2

python3 - "$PORT" "$TMP/payloads" "$REPS" "$OUT/serval.jsonl" <<'PY'
import concurrent.futures, glob, http.client, json, sys, time
import botocore.auth, botocore.awsrequest, botocore.credentials

port, payload_dir, reps, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
payloads = [open(p, "rb").read() for p in sorted(glob.glob(payload_dir + "/payload-*.json"))]
url = f"http://127.0.0.1:{port}/2015-03-31/functions/survival/invocations"
credentials = botocore.credentials.Credentials("test", "test")

def invoke(body):
    request = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body)
    botocore.auth.SigV4Auth(credentials, "lambda", "us-east-1").add_auth(request)
    conn = http.client.HTTPConnection("127.0.0.1", int(port), timeout=120)
    conn.request("POST", "/2015-03-31/functions/survival/invocations", body,
                 dict(request.headers.items()))
    response = conn.getresponse()
    data = response.read()
    if response.status != 200 or response.getheader("X-Amz-Function-Error"):
        raise RuntimeError(f"{response.status}: {data[:300]!r}")
    return len(json.loads(data)["statistics_list"])

invoke(payloads[0])  # warm: the environment starts once
for rep in range(reps):
    start = time.time()
    with concurrent.futures.ThreadPoolExecutor(32) as pool:
        genes = sum(pool.map(invoke, payloads))
    seconds = time.time() - start
    line = {"rep": rep + 1, "invocations": len(payloads), "genes": genes, "seconds": seconds,
            "ms_per_gene": seconds * 1000 / genes}
    print(json.dumps(line), file=open(out, "a"))
    print(f"[bench] through serval rep {rep + 1}: {genes} genes in {seconds:.2f} s", file=sys.stderr)
PY

if Rscript -e 'library(survival)' >/dev/null 2>&1; then
  for rep in $(seq "$REPS"); do
    wait_for_quiet
    Rscript - "$TMP/payloads/r_sample.csv" >>"$OUT/r.jsonl" <<'R'
suppressMessages(library(survival))
d <- read.csv(commandArgs(trailingOnly = TRUE)[1])
times <- d$time; events <- d$event; m <- t(as.matrix(d[, -(1:2)])); numSamples <- nrow(d)
elapsed <- system.time(res <- apply(m, 1, function(values) {
  coxlist <- try(coxph(Surv(times, events) ~ values + cluster(1:numSamples[1])))
  c(summary(coxlist)$coefficients[2], summary(coxlist)$coefficients[6])
}))[["elapsed"]]
cat(sprintf('{"genes":%d,"seconds":%.4f,"ms_per_gene":%.4f}\n', nrow(m), elapsed,
            1000 * elapsed / nrow(m)))
R
    log "R rep $rep: $(tail -1 "$OUT/r.jsonl")"
  done
else
  log "Rscript with the survival package not found: R is not measured"
fi

python3 - "$OUT" <<'PY'
import json, os, statistics, sys
out = sys.argv[1]
def median(file, key):
    path = os.path.join(out, file)
    if not os.path.exists(path):
        return None
    return statistics.median(json.loads(l)[key] for l in open(path) if l.strip())
lib1 = median("library.jsonl", "ms_per_gene_1_thread")
lib2 = median("library.jsonl", "ms_per_gene_2_threads")
serval_s = median("serval.jsonl", "seconds")
serval_ms = median("serval.jsonl", "ms_per_gene")
r_ms = median("r.jsonl", "ms_per_gene")
print(f"library, 1 thread:  {lib1:.5f} ms/gene")
print(f"library, 2 threads: {lib2:.5f} ms/gene")
print(f"through Serval (100 x 200 genes, 32 clients): {serval_s:.2f} s for all genes, "
      f"{serval_ms:.5f} ms/gene")
if r_ms is not None:
    print(f"R coxph: {r_ms:.4f} ms/gene -> library is {r_ms / lib1:.0f}x R on one core; "
          f"Serval end to end is {r_ms / serval_ms:.0f}x R per gene")
PY
