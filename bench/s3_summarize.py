#!/usr/bin/env python3
"""Markdown summary of bench/s3.sh's results.jsonl: medians over repetitions, Serval's ratios
to each peer, and issue 10's direction targets."""
import json
import sys

from summarize import fmt, median as med  # bench/summarize.py (bench/run.sh's summary)

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
servers = []
for r in rows:
    if r["server"] != "machine" and r["server"] not in servers:
        servers.append(r["server"])
peers = [s for s in servers if s != "serval"]


def pick(server, kind, **match):
    return [r for r in rows if r["server"] == server and r["kind"] == kind
            and all(r.get(k) == v for k, v in match.items())]


def has(*kinds):
    """Whether the run measured any of `kinds` (PARTS may leave parts out)."""
    return any(r["kind"] in kinds for r in rows)


def ratio(a, b, digits=1):
    return f"{a / b:.{digits}f}x" if a and b else "-"


if has("put", "get"):
    print("## Small objects (1 KiB; medians over repetitions)\n")
    print("| op | conc. | server | reps | requests/s (min-max) | p50 us | p99 us | errors |")
    print("|---|---:|---|---:|---:|---:|---:|---:|")
    small = {}
    for kind in ("put", "get"):
        for c in (1, 8):
            for server in servers:
                runs = pick(server, kind, c=c)
                if not runs:
                    continue
                tps = [r["throughput_per_s"] for r in runs]
                m = {"tps": med(tps), "p50": med(r["latency_us"]["p50"] for r in runs),
                     "p99": med(r["latency_us"]["p99"] for r in runs)}
                small[(kind, c, server)] = m
                print(f"| {kind.upper()} | {c} | {server} | {len(runs)} | {fmt(m['tps'])} "
                      f"({fmt(min(tps))}-{fmt(max(tps))}) | {fmt(m['p50'])} | {fmt(m['p99'])} | "
                      f"{sum(r['errors'] for r in runs)} |")
    print()
    print("Serval's throughput / peer's (targets: >= 5x s3rver, >= 20x moto):\n")
    print("| op | conc. | " + " | ".join(f"vs {p}" for p in peers) + " |")
    print("|---|---:|" + "---:|" * len(peers))
    for kind in ("put", "get"):
        for c in (1, 8):
            own = small.get((kind, c, "serval"), {}).get("tps")
            cells = []
            for p in peers:
                other = small.get((kind, c, p), {}).get("tps")
                target = {"moto": 20, "s3rver": 5}.get(p)
                cell = ratio(own, other)
                if own and other and target:
                    cell += " ok" if own / other >= target else f" (target {target}x: missed)"
                cells.append(cell)
            print(f"| {kind.upper()} | {c} | " + " | ".join(cells) + " |")
    print()

if has("big-put", "big-get", "baseline-cp_fsync"):
    print("## Large object (medians; MB = 10^6 bytes)\n")
    base = {}
    for what in ("cp_fsync", "md5sum", "sha256sum"):
        runs = pick("machine", f"baseline-{what}")
        base[what] = med(r["bytes_per_s"] for r in runs) if runs else None
    print("| what | reps | MB/s | peak RSS (VmHWM) MB |")
    print("|---|---:|---:|---:|")
    for what in ("cp_fsync", "md5sum", "sha256sum"):
        runs = pick("machine", f"baseline-{what}")
        label = {"cp_fsync": "machine: cp + fsync", "md5sum": "machine: md5sum",
                 "sha256sum": "machine: sha256sum"}[what]
        print(f"| {label} | {len(runs)} | {fmt(base[what] and base[what] / 1e6)} | |")
    big = {}
    for server in servers:
        for kind in ("big-put", "big-get"):
            runs = pick(server, kind)
            if not runs:
                continue
            ok = [r for r in runs if r.get("errors", 1) == 0]
            rss = pick(server, kind + "-rss")
            big[(server, kind)] = med(r["bytes_per_s"] for r in ok) if ok else None
            errors = sum(r.get("errors", 0) for r in runs)
            print(f"| {server} {kind[4:].upper()} | {len(runs)} | "
                  f"{fmt(big[(server, kind)] and big[(server, kind)] / 1e6)}"
                  f"{' (errors: ' + str(errors) + ')' if errors else ''} | "
                  f"{fmt(med(r['vmhwm_mb'] for r in rss), 1)} |")
    print()
    put, get = big.get(("serval", "big-put")), big.get(("serval", "big-get"))
    limit_put = min(v for v in (base["cp_fsync"], base["md5sum"]) if v) if base["cp_fsync"] else None
    if put and limit_put:
        print(f"- Serval PUT / min(cp+fsync, md5) = {put / limit_put:.2f} (target >= 0.7)")
    if get and base["cp_fsync"]:
        print(f"- Serval GET / cp+fsync = {get / base['cp_fsync']:.2f} (target >= 0.5)")
    rss = [r["vmhwm_mb"] for k in ("big-put-rss", "big-get-rss") for r in pick("serval", k)]
    if rss:
        print(f"- Serval peak RSS during the transfers: max {max(rss):.1f} MB (target < 64 MB)")
    for p in peers:
        cells = []
        for kind in ("big-put", "big-get"):
            if big.get(("serval", kind)) and big.get((p, kind)):
                cells.append(f"{kind[4:].upper()} {ratio(big[('serval', kind)], big[(p, kind)])}")
        if cells:
            print(f"- Serval vs {p}: " + ", ".join(cells))
    print()

if has("populate", "list"):
    print("## ListObjectsV2, full walk by pages of 1,000 (medians)\n")
    print("| server | keys | populate (PUT c=8) /s | reps | walk s (min-max) | keys/s | page p50 ms | page p99 ms |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    walk = {}
    for server in servers:
        for bucket in ("list", "listbig"):
            pop = pick(server, "populate", bucket=bucket)
            all_runs = pick(server, "list", bucket=bucket)
            runs = [r for r in all_runs if r.get("error") is None and r["keys"] == r["expected_keys"]]
            bad = [r for r in all_runs if r not in runs]
            if not all_runs and not pop:
                continue
            times = [r["duration_s"] for r in runs]
            walk[(server, bucket)] = med(times)
            keys = pop[0]["keys"] if pop else None
            note = ""
            if bad:
                what = bad[0].get("error") or f"{bad[0].get('keys')} keys"
                note = f" {len(bad)} failed walk(s): {' '.join(str(what).split())[:160]}"
            print(f"| {server} | {fmt(keys)} | {fmt(pop[0]['throughput_per_s']) if pop else '-'} | "
                  f"{len(runs)} | {fmt(walk[(server, bucket)], 2)} "
                  f"({fmt(min(times) if times else None, 2)}-{fmt(max(times) if times else None, 2)}) | "
                  f"{fmt(med(r['keys_per_s'] for r in runs))} | "
                  f"{fmt(med(r['page_latency_us']['p50'] for r in runs) / 1000 if runs else None, 1)} | "
                  f"{fmt(med(r['page_latency_us']['p99'] for r in runs) / 1000 if runs else None, 1)} |"
                  + note)
    print()
    for p in peers:
        own, other = walk.get(("serval", "list")), walk.get((p, "list"))
        if own and other:
            print(f"- Same key count: Serval walks {other / own:.1f}x faster than {p}")

notify = pick("serval", "notify")
if notify:
    print("\n## Delay from a PutObject's 200 to the notified function starting (Serval; us)\n")
    print("| pause after each 200 | reps | PUTs | p50 | p90 | p99 | max | missing | duplicates |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for pause in sorted({r["pause_ms"] for r in notify}, reverse=True):
        runs = [r["delays"] for r in notify if r["pause_ms"] == pause]
        delay = [d["start_after_200_us"] for d in runs if d["start_after_200_us"]]
        print(f"| {pause} ms | {len(runs)} | {sum(d['messages'] for d in runs)} | "
              + " | ".join(fmt(med(x[p] for x in delay)) for p in ("p50", "p90", "p99", "max"))
              + f" | {sum(d['missing'] for d in runs)} | {sum(d['duplicates'] for d in runs)} |")
    print("\n(medians over repetitions of each run's percentile; target: p99 under 10 ms)")
