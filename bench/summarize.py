"""Summarizes a bench/run.sh output directory (results.jsonl + machine.txt) as Markdown.

Every figure is the median over the repetitions of that measurement; the min-max range of the
repetitions is shown where it helps to judge the noise.
"""

import json
import statistics
import sys
from pathlib import Path


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits=0):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def main(out_dir: str) -> None:
    out = Path(out_dir)
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines() if line]
    machine = (out / "machine.txt").read_text().strip()
    by_kind = {}
    for record in records:
        by_kind.setdefault(record["kind"], []).append(record)

    print("## Machine and run\n")
    print("```\n" + machine + "\n```\n")

    startup = by_kind.get("startup", [])
    print(f"## Serval startup ({len(startup)} starts, fresh data dir each)\n")
    print("| measure | median | min | max |\n|---|---:|---:|---:|")
    for key, label, scale, digits in [
        ("ready_ms", "printed \"ready in X ms\" (in-process)", 1, 1),
        ("wall_ms", "wall: exec -> first 200 from /_serval/health (ms)", 1, 1),
        ("rss_kb", "idle VmRSS after start, no functions (MB)", 1 / 1024, 1),
    ]:
        values = [r[key] * scale for r in startup if r.get(key) is not None]
        if values:
            print(f"| {label} | {fmt(median(values), digits)} | {fmt(min(values), digits)} | "
                  f"{fmt(max(values), digits)} |")
    for record in by_kind.get("rss_after_warm", []):
        print(f"| VmRSS after the warm runs (3 functions, up to ~96 environments) (MB) | "
              f"{fmt(record['rss_kb'] / 1024, 1)} | | |")
    print()

    warm = by_kind.get("warm", [])
    groups = {}
    for record in warm:
        groups.setdefault((record["target"], record["concurrency"]), []).append(record)
    print("## Warm invokes (invoke_load; medians over repetitions)\n")
    print("| target | conc. | reps | p50 us | p90 us | p99 us | max us | throughput/s "
          "(min-max) | errors | server CPU us/req |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    summary = {}
    order = ["serval-edge", "serval-cpp", "serval-python", "serval-node", "peer-node"]
    for (target, c), runs in sorted(groups.items(),
                                    key=lambda kv: (kv[0][1], order.index(kv[0][0])
                                                    if kv[0][0] in order else 99)):
        p50 = median([r["latency_us"]["p50"] for r in runs])
        p90 = median([r["latency_us"]["p90"] for r in runs])
        p99 = median([r["latency_us"]["p99"] for r in runs])
        mx = median([r["latency_us"]["max"] for r in runs])
        tputs = [r["throughput_per_s"] for r in runs]
        tput = median(tputs)
        errors = sum(r["errors"] + r.get("warmup_errors", 0) for r in runs)
        cpu = median([r.get("server_cpu_us_per_req") for r in runs])
        summary[(target, c)] = {"p50": p50, "p99": p99, "tput": tput}
        print(f"| {target} | {c} | {len(runs)} | {fmt(p50)} | {fmt(p90)} | {fmt(p99)} | "
              f"{fmt(mx)} | {fmt(tput)} ({fmt(min(tputs))}-{fmt(max(tputs))}) | {errors} | "
              f"{fmt(cpu, 1)} |")
    print()

    print("Throughput (/s) of each repetition in run order, and the server process's VmRSS after "
          "the last one (Serval: the serval process only; peer: the serverless-offline process):\n")
    reps = max((len(runs) for runs in groups.values()), default=0)
    print("| target | conc. | " + " | ".join(f"rep {i + 1}" for i in range(reps)) +
          " | RSS after (MB) |")
    print("|---|---:|" + "---:|" * reps + "---:|")
    for (target, c), runs in sorted(groups.items(),
                                    key=lambda kv: (kv[0][1], order.index(kv[0][0])
                                                    if kv[0][0] in order else 99)):
        runs = sorted(runs, key=lambda r: r["rep"])
        cells = [fmt(r["throughput_per_s"]) for r in runs] + [""] * (reps - len(runs))
        rss = runs[-1].get("server_rss_kb")
        print(f"| {target} | {c} | " + " | ".join(cells) +
              f" | {fmt(rss / 1024 if rss else None, 1)} |")
    print()

    print("## Serval vs serverless-offline (same Node echo handler, same client)\n")
    print("| comparison | conc. | p50 latency: peer / Serval | p99: peer / Serval | "
          "throughput: Serval / peer |")
    print("|---|---:|---:|---:|---:|")
    for mine in ["serval-node", "serval-cpp", "serval-python"]:
        for c in (1, 32):
            a, b = summary.get((mine, c)), summary.get(("peer-node", c))
            if not a or not b or not a["p50"] or not a["tput"] or not b["tput"]:
                continue
            print(f"| {mine} vs peer-node | {c} | {b['p50'] / a['p50']:.2f}x | "
                  f"{b['p99'] / a['p99']:.2f}x | {a['tput'] / b['tput']:.2f}x |")
    print()

    cold = by_kind.get("cold", [])
    runtimes = []
    for record in cold:
        if record["runtime"] not in runtimes:
            runtimes.append(record["runtime"])
    print("## Cold starts (new environment after UpdateFunctionConfiguration)\n")
    print("| runtime | n | Init Duration ms (REPORT), median (min-max) | "
          "first invoke at the client ms, median (min-max) |")
    print("|---|---:|---:|---:|")
    cold_summary = {}
    for runtime in runtimes:
        runs = [r for r in cold if r["runtime"] == runtime]
        inits = [r["init_ms"] for r in runs if r["init_ms"] is not None]
        clients = [r["client_ms"] for r in runs]
        cold_summary[runtime] = median(inits)
        print(f"| {runtime} | {len(runs)} | {fmt(median(inits), 2)} "
              f"({fmt(min(inits) if inits else None, 2)}-{fmt(max(inits) if inits else None, 2)}) | "
              f"{fmt(median(clients), 2)} ({fmt(min(clients), 2)}-{fmt(max(clients), 2)}) |")
    peer_first = [r["client_ms"] for r in by_kind.get("peer_first_invoke", [])]
    if peer_first:
        print(f"| serverless-offline nodejs20.x, first invoke after its start | {len(peer_first)} | "
              f"| {fmt(median(peer_first), 2)} ({fmt(min(peer_first), 2)}-"
              f"{fmt(max(peer_first), 2)}) |")
    cli = out / "cli-cold-report.txt"
    if cli.exists() and cli.read_text().strip():
        print(f"\nAWS CLI check (provided.al2023, `--log-type Tail`): `{cli.read_text().strip()}`")
    print()

    print("## Direction targets (issue 2, item 10)\n")
    print("| target | measured (median) | met? |\n|---|---:|---|")
    cpp1 = summary.get(("serval-cpp", 1), {}).get("p50")
    cpp32 = summary.get(("serval-cpp", 32), {}).get("tput")
    provided = cold_summary.get("provided.al2023")
    if cpp1 is not None:
        print(f"| warm overhead p50 < 200 us (C++ echo, concurrency 1, client-observed) | "
              f"{fmt(cpp1)} us | {'yes' if cpp1 < 200 else 'no'} |")
    if cpp32 is not None:
        print(f"| > 10,000 invokes/s on 2 cores (C++ echo, concurrency 32) | {fmt(cpp32)}/s | "
              f"{'yes' if cpp32 > 10000 else 'no'} |")
    if provided is not None:
        print(f"| cold start < 10 ms for provided (Init Duration) | {fmt(provided, 2)} ms | "
              f"{'yes' if provided < 10 else 'no'} |")
    print()

    print("## Cold-start directions (issue 17, part 1: median Init Duration)\n")
    print("| runtime | target | measured | from scratch | met? |\n|---|---:|---:|---:|---|")
    for runtime, target in (("provided.al2023", 5), ("python3.12", 15), ("nodejs20.x", 25)):
        measured = cold_summary.get(runtime)
        scratch = cold_summary.get(f"{runtime} from scratch (--no-spare-environments)")
        if measured is not None:
            print(f"| {runtime} | {target} ms | {fmt(measured, 2)} ms | {fmt(scratch, 2)} ms | "
                  f"{'yes' if measured <= target else 'no'} |")


if __name__ == "__main__":
    main(sys.argv[1])
