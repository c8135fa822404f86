#!/usr/bin/env python3
"""Markdown summary of bench/dynamodb.sh's results.jsonl: medians over repetitions, Serval's
ratios to dynalite and moto_server, issue 13's directions (PutItem and GetItem at least 2x
dynalite while durable, and 20x moto), and the 1M-item table's load rate, memory and disk."""
import json
import sys

from summarize import fmt, median as med  # bench/summarize.py (bench/run.sh's summary)

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
servers = []
for r in rows:
    if r["server"] not in servers:
        servers.append(r["server"])
peers = [s for s in servers if s != "serval"]
TARGET = {"dynalite": 2, "moto": 20}
NAMES = {"put": "PutItem (~200-byte item, new key)", "get": "GetItem (existing key)",
         "query": "Query (100 items of one partition)"}


def pick(server, kind, **match):
    return [r for r in rows if r["server"] == server and r["kind"] == kind
            and all(r.get(k) == v for k, v in match.items())]


def errors(r):
    e = r.get("errors") or {}
    return sum(e.values()) + r.get("bad", 0)


ops = {}
kinds = [k for k in ("put", "get", "query") if any(r["kind"] == k for r in rows)]
if kinds:
    print("## Requests (medians over repetitions)\n")
    print("| operation | conc. | server | reps | requests/s (min-max) | p50 us | p99 us "
          "| server CPU us/request | errors |")
    print("|---|---:|---|---:|---:|---:|---:|---:|---:|")
    for kind in kinds:
        for c in (1, 8):
            for server in servers:
                runs = pick(server, kind, c=c)
                if not runs:
                    continue
                tps = [r["throughput_per_s"] for r in runs]
                cpu = [r["server_cpu_s"] * 1e6 / r["ok"] for r in runs if r.get("ok")]
                m = {"tps": med(tps), "p50": med(r["latency_us"].get("p50") for r in runs),
                     "p99": med(r["latency_us"].get("p99") for r in runs)}
                ops[(kind, c, server)] = m
                print(f"| {kind} | {c} | {server} | {len(runs)} | {fmt(m['tps'])} "
                      f"({fmt(min(tps))}-{fmt(max(tps))}) | {fmt(m['p50'])} | {fmt(m['p99'])} | "
                      f"{fmt(med(cpu))} | {sum(errors(r) for r in runs)} |")
    print()
    print("Operations: " + "; ".join(f"{k}: {NAMES[k]}" for k in kinds) + ".\n")
    for p in peers:
        target = TARGET.get(p)
        print(f"Serval / {p}, ratios of the medians (requests/s: Serval's over {p}'s; latency: "
              f"{p}'s over Serval's; direction: PutItem and GetItem >= {target}x {p})\n")
        print(f"| operation | conc. | requests/s | p50 ({p}/Serval) | p99 ({p}/Serval) |")
        print("|---|---:|---:|---:|---:|")
        for kind in kinds:
            for c in (1, 8):
                own, other = ops.get((kind, c, "serval")), ops.get((kind, c, p))
                if not own or not other:
                    continue
                ratio = own["tps"] / other["tps"] if other["tps"] else None
                verdict = ""
                if kind in ("put", "get") and ratio is not None and target:
                    verdict = " met" if ratio >= target else " **missed**"
                p50 = other["p50"] / own["p50"] if own["p50"] and other["p50"] else None
                p99 = other["p99"] / own["p99"] if own["p99"] and other["p99"] else None
                print(f"| {kind} | {c} | {fmt(ratio, 1)}x{verdict} | {fmt(p50, 1)}x | "
                      f"{fmt(p99, 1)}x |")
        print()

loads = {r["server"]: r for r in rows if r["kind"] == "load"}
sizes = {r["server"]: r for r in rows if r["kind"] == "million-size"}
if loads or sizes:
    print("## A 1,000,000-item table (BatchWriteItem of 25 ~200-byte items, one run)\n")
    print("| server | items loaded (target) | ItemCount reported | load items/s | batch p50 / p99 ms "
          "| RSS empty MB | RSS loaded MB | peak RSS MB | on disk MB | errors |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for server in servers:
        load, size = loads.get(server, {}), sizes.get(server, {})
        if not load and not size:
            continue
        lat = load.get("latency_us") or {}
        disk = (size.get("disk") or {}).get("data_dir_bytes")
        on_disk = f"{disk / 1e6:,.0f}" if disk else "none (in memory)"
        mb = lambda kb: fmt(kb / 1024, 0) if kb else "n/a"  # noqa: E731
        print(f"| {server} | {fmt(load.get('items'))} ({fmt(load.get('target_items'))}) | "
              f"{fmt(size.get('item_count'))} | {fmt(load.get('items_per_s'))} | "
              f"{fmt((lat.get('p50') or 0) / 1e3, 1)} / {fmt((lat.get('p99') or 0) / 1e3, 1)} | "
              f"{mb(size.get('rss_before_kb'))} | {mb(size.get('rss_kb'))} | "
              f"{mb(size.get('vmhwm_kb'))} | {on_disk} | {errors(load) if load else 'n/a'} |")
    print()
    s = sizes.get("serval", {}).get("disk")
    if s:
        print(f"Serval's data dir: {s['data_dir_bytes']:,} bytes allocated, of which dynamodb/ "
              f"{s['dynamodb_dir_bytes']:,} (file sizes: {s['files']}).\n")
    if "dynalite" in sizes:
        print("dynalite's DescribeTable reports ItemCount 0 whatever it holds (it does not keep "
              "the count): its items are checked by the load's answers (errors column).\n")
    for server, load in loads.items():
        if load.get("items") is not None and load.get("target_items") and \
                load["items"] < load["target_items"]:
            print(f"{server}: loading stopped at {load['items']:,} of {load['target_items']:,} "
                  "items (LOAD_MAX_S); the figures are for what it holds.\n")
