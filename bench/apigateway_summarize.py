#!/usr/bin/env python3
"""Markdown summary of bench/apigateway.sh's results.jsonl: medians over repetitions per (server,
runtime, route, concurrency), Serval's ratios to serverless-offline, the derived ratios (custom
integration vs proxy, gateway vs direct Invoke) and the directions:
  - >= 3x serverless-offline's requests/s with the same Node handler, >= 10x with a C++ handler;
  - a VTL custom integration within 20% of the proxy route (time per request: proxy's req/s over
    the custom route's <= 1.20);
  - the gateway adds at most 15% over a direct Invoke of the same handler (invoke's req/s over the
    route's <= 1.15)."""
import json
import sys

from summarize import fmt, median as med  # bench/summarize.py (bench/run.sh's summary)

ROUTES = ["rest", "custom", "http", "url", "invoke"]
ROUTE_NAMES = {"rest": "REST proxy GET /hello", "custom": "REST custom (VTL) GET /greet",
               "http": "HTTP API GET /hello", "url": "function URL", "invoke": "direct Invoke"}
SERIES = [("serval", "node"), ("serval", "cpp"), ("peer", "node")]
SERIES_NAMES = {("serval", "node"): "Serval Node", ("serval", "cpp"): "Serval C++",
                ("peer", "node"): "serverless-offline Node"}

rows = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
concurrencies = sorted({r["c"] for r in rows})


def stats(server, runtime, route, c):
    runs = [r for r in rows if (r["server"], r["runtime"], r["route"], r["c"]) ==
            (server, runtime, route, c)]
    if not runs:
        return None
    tps = [r["throughput_per_s"] for r in runs]
    return {"reps": len(runs), "tps": med(tps), "min": min(tps), "max": max(tps),
            "p50": med(r["latency_us"]["p50"] for r in runs),
            "p99": med(r["latency_us"]["p99"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            "cpu": med(r.get("server_cpu_us_per_req") for r in runs)}


S = {(s, rt, route, c): stats(s, rt, route, c) for s, rt in SERIES for route in ROUTES
     for c in concurrencies}


def ratio(a, b, digits=2):
    return f"{a / b:.{digits}f}x" if a is not None and b else "n/a"


print("## Requests/s and latency (medians over repetitions; latency in microseconds)\n")
print("| route | conc. | Serval Node req/s | p50 | p99 | Serval C++ req/s | p50 | p99 "
      "| serverless-offline req/s | p50 | p99 | Node / peer | C++ / peer |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for route in ROUTES:
    for c in concurrencies:
        cells = []
        for key in SERIES:
            m = S[key + (route, c)]
            cells += [fmt(m["tps"]), fmt(m["p50"]), fmt(m["p99"])] if m else ["n/a"] * 3
        node, cpp, peer = (S[key + (route, c)] for key in SERIES)
        print(f"| {ROUTE_NAMES[route]} | {c} | {' | '.join(cells)} | "
              f"{ratio(node and node['tps'], peer and peer['tps'], 1)} | "
              f"{ratio(cpp and cpp['tps'], peer and peer['tps'], 1)} |")
print()

print("Spread and cost: requests/s min-max over repetitions, errors (all repetitions), and the "
      "server process's own CPU per request (Serval without its function processes; "
      "serverless-offline with its worker threads):\n")
print("| route | conc. | series | reps | req/s (min-max) | errors | server CPU us/req |")
print("|---|---:|---|---:|---:|---:|---:|")
for route in ROUTES:
    for c in concurrencies:
        for key in SERIES:
            m = S[key + (route, c)]
            if m:
                print(f"| {route} | {c} | {SERIES_NAMES[key]} | {m['reps']} | {fmt(m['tps'])} "
                      f"({fmt(m['min'])}-{fmt(m['max'])}) | {m['errors']} | {fmt(m['cpu'], 1)} |")
print()

verdicts = []


def verdict(ok):
    return "met" if ok else "**missed**"


print("## Derived ratios\n")
print("Custom integration (request + response template) against the proxy route, same server "
      "and handler runtime. Time per request = 1 / (req/s); direction: custom <= 1.20x proxy.\n")
print("| series | conc. | proxy req/s | custom req/s | time/request custom / proxy | p50 custom / "
      "proxy | p50 custom - proxy (us) | direction |")
print("|---|---:|---:|---:|---:|---:|---:|---|")
for key in SERIES:
    for c in concurrencies:
        proxy, custom = S[key + ("rest", c)], S[key + ("custom", c)]
        if not proxy or not custom:
            continue
        cost = proxy["tps"] / custom["tps"] if custom["tps"] else None
        ok = cost is not None and cost <= 1.20
        mark = verdict(ok) if key[0] == "serval" else "(peer)"
        if key[0] == "serval":
            verdicts.append((f"custom within 20% of proxy, {SERIES_NAMES[key]}, c={c}",
                             f"{cost:.2f}x", ok))
        print(f"| {SERIES_NAMES[key]} | {c} | {fmt(proxy['tps'])} | {fmt(custom['tps'])} | "
              f"{fmt(cost, 2)}x | {ratio(custom['p50'], proxy['p50'])} | "
              f"{fmt(custom['p50'] - proxy['p50'])} | {mark} |")
print()

print("Gateway against a direct Invoke of the same handler (POST .../invocations, body {}). "
      "Time per request route / invoke; direction: <= 1.15x.\n")
print("| series | route | conc. | invoke req/s | route req/s | time/request route / invoke | "
      "p50 route / invoke | p50 route - invoke (us) | direction |")
print("|---|---|---:|---:|---:|---:|---:|---:|---|")
for key in SERIES:
    for route in ("rest", "custom", "http", "url"):
        for c in concurrencies:
            direct, gw = S[key + ("invoke", c)], S[key + (route, c)]
            if not direct or not gw:
                continue
            cost = direct["tps"] / gw["tps"] if gw["tps"] else None
            ok = cost is not None and cost <= 1.15
            mark = verdict(ok) if key[0] == "serval" else "(peer)"
            if key[0] == "serval" and route != "custom":
                verdicts.append((f"{route} adds <= 15% over Invoke, {SERIES_NAMES[key]}, c={c}",
                                 f"{cost:.2f}x", ok))
            if route == "custom":
                mark = "(context)"
            print(f"| {SERIES_NAMES[key]} | {route} | {c} | {fmt(direct['tps'])} | "
                  f"{fmt(gw['tps'])} | {fmt(cost, 2)}x | {ratio(gw['p50'], direct['p50'])} | "
                  f"{fmt(gw['p50'] - direct['p50'])} | {mark} |")
print()

print("## Directions\n")
for route in ("rest", "custom", "http", "url"):
    for c in concurrencies:
        peer = S[("peer", "node", route, c)]
        for key, target in ((("serval", "node"), 3), (("serval", "cpp"), 10)):
            own = S[key + (route, c)]
            if not own:
                continue
            if not peer or not peer["tps"]:
                verdicts.append((f">= {target}x serverless-offline, {SERIES_NAMES[key]}, {route}, "
                                 f"c={c}", "no peer route", None))
                continue
            r = own["tps"] / peer["tps"]
            verdicts.append((f">= {target}x serverless-offline, {SERIES_NAMES[key]}, {route}, "
                             f"c={c}", f"{r:.1f}x", r >= target))
print("| direction | measured | |")
print("|---|---:|---|")
for name, value, ok in verdicts:
    print(f"| {name} | {value} | {'n/a' if ok is None else verdict(ok)} |")
met = sum(1 for _, _, ok in verdicts if ok)
judged = sum(1 for _, _, ok in verdicts if ok is not None)
print(f"\n{met} of {judged} judged directions met.")
