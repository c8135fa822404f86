#!/usr/bin/env python3
"""Markdown summary of bench/sns.sh's results.jsonl: medians over repetitions, Serval's ratios to
moto_server, and issue 11's direction targets (Publish >= 20x moto's rate while really
delivering; all ten deliveries started within 5 ms of the 200, p99)."""
import json
import sys

from summarize import fmt, median as med  # bench/summarize.py (bench/run.sh's summary)

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
servers = []
for r in rows:
    if r["server"] not in servers:
        servers.append(r["server"])
peers = [s for s in servers if s != "serval"]


def pick(server, kind, **match):
    return [r for r in rows if r["server"] == server and r["kind"] == kind
            and all(r.get(k) == v for k, v in match.items())]


def publish_section(subs_seen):
    print("## Publish (40-byte message; medians over repetitions)\n")
    print("| subscribers | conc. | server | reps | requests/s (min-max) | p50 us | p99 us | errors "
          "| queue drained after (s) |")
    print("|---:|---:|---|---:|---:|---:|---:|---:|---:|")
    pub = {}
    for subs in subs_seen:
        for c in (1, 8):
            for server in servers:
                runs = pick(server, "publish", subs=subs, c=c)
                if not runs:
                    continue
                tps = [r["throughput_per_s"] for r in runs]
                m = {"tps": med(tps), "p50": med(r["latency_us"]["p50"] for r in runs),
                     "p99": med(r["latency_us"]["p99"] for r in runs)}
                pub[(subs, c, server)] = m
                drains = [r["drain_s"] for r in runs if r.get("drain_s") is not None]
                print(f"| {subs} | {c} | {server} | {len(runs)} | {fmt(m['tps'])} "
                      f"({fmt(min(tps))}-{fmt(max(tps))}) | {fmt(m['p50'])} | {fmt(m['p99'])} | "
                      f"{sum(r['errors'] for r in runs)} | {fmt(med(drains), 2) if drains else ''} |")
    print()
    for p in peers:
        print(f"Serval / {p}, ratios of the medians (direction: >= 20x {p}'s publish rate while "
              "really delivering):\n")
        print(f"| subscribers | conc. | throughput | p50 ({p}/Serval) | p99 ({p}/Serval) "
              f"| vs {p} with 0 subscribers |")
        print("|---:|---:|---:|---:|---:|---:|")
        for subs in subs_seen:
            for c in (1, 8):
                own, other = pub.get((subs, c, "serval")), pub.get((subs, c, p))
                floor = pub.get((0, c, p))
                if not own or not other:
                    continue
                ratio = own["tps"] / other["tps"] if other["tps"] else None
                verdict = ""
                if subs > 0 and ratio is not None:
                    verdict = " ok" if ratio >= 20 else " (missed)"
                vs_floor = (f"{own['tps'] / floor['tps']:.1f}x" if floor and floor["tps"] else "-")
                print(f"| {subs} | {c} | {fmt(ratio, 1)}x{verdict} | "
                      f"{fmt(other['p50'] / own['p50'] if own['p50'] else None, 1)}x | "
                      f"{fmt(other['p99'] / own['p99'] if own['p99'] else None, 1)}x | {vs_floor} |")
        print()


subs_seen = sorted({r["subs"] for r in rows if r["kind"] == "publish"})
if subs_seen:
    publish_section(subs_seen)

delay_rows = pick("serval", "delay")
if delay_rows:
    print("## Delay from Publish's 200 to each subscriber's handler starting (10 subscribers, "
          "Serval)\n")
    print("Function start = CLOCK_REALTIME first thing in the stamp function's handler; 200 = the "
          "client's CLOCK_REALTIME once the whole response was read (negative: the function "
          "started before the client had the 200). Medians over repetitions of each run's "
          "percentiles, in microseconds.\n")
    print("| pause after each 200 | reps | publishes/s | Publish p50 / p99 us | start-200 p50 "
          "| p90 | p99 | max | last of 10 - 200: p50 | p99 | max | start - request sent p50 "
          "| missing / dup |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    last_p99 = {}
    for pause in sorted({r["pause_ms"] for r in delay_rows}, reverse=True):
        runs = pick("serval", "delay", pause_ms=pause)
        d = [r["delays"] for r in runs]

        def m(field, stat):
            return med(x[field][stat] for x in d if x.get(field))

        last_p99[pause] = m("last_after_200_us", "p99")
        print(f"| {pause} ms | {len(runs)} | {fmt(med(r['throughput_per_s'] for r in runs))} | "
              f"{fmt(med(r['latency_us']['p50'] for r in runs))} / "
              f"{fmt(med(r['latency_us']['p99'] for r in runs))} | "
              f"{fmt(m('start_after_200_us', 'p50'))} | {fmt(m('start_after_200_us', 'p90'))} | "
              f"{fmt(m('start_after_200_us', 'p99'))} | {fmt(m('start_after_200_us', 'max'))} | "
              f"{fmt(m('last_after_200_us', 'p50'))} | {fmt(last_p99[pause])} | "
              f"{fmt(m('last_after_200_us', 'max'))} | "
              f"{fmt(m('start_after_request_us', 'p50'))} | "
              f"{sum(x['missing'] for x in d)} / {sum(x['duplicates'] for x in d)} |")
    print()
    for pause, value in last_p99.items():
        if value is not None:
            print(f"- pause {pause} ms: all ten started within {value / 1000:.2f} ms of the 200 "
                  f"at p99 (direction: 5 ms): {'ok' if value <= 5000 else 'missed'}")
    print()

repl = pick("serval", "replication")
if repl:
    print("## Replication end to end (Serval only: moto runs no functions)\n")
    print("| rep | objects | destinations | PUT /s (c) | PUT p50 / p99 us | first PUT -> last copy "
          "(s) | objects/s | copies/s | copies found |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in repl:
        p = r["put"]
        print(f"| {r['rep']} | {fmt(r['objects'])} | {r['destinations']} | "
              f"{fmt(p['throughput_per_s'])} ({p['concurrency']}) | {fmt(p['latency_us']['p50'])} / "
              f"{fmt(p['latency_us']['p99'])} | {fmt(r['total_s'], 2)} | "
              f"{fmt(r['objects_per_s'], 1)} | "
              f"{fmt(r['objects'] * r['destinations'] / r['total_s'])} | "
              f"{fmt(r['copies'])} of {fmt(r['objects'] * r['destinations'])} |")
    print()
    print(f"Median: {fmt(med(r['total_s'] for r in repl), 2)} s, "
          f"{fmt(med(r['objects_per_s'] for r in repl), 1)} objects/s replicated to all "
          f"destinations.")
