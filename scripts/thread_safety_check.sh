#!/usr/bin/env bash
# Checks the lock annotations (ABSL_GUARDED_BY, ABSL_EXCLUSIVE_LOCKS_REQUIRED, ...) with clang's
# -Wthread-safety: configures build-clang/ with the CMake preset `thread-safety` (Debian's
# clang++) and compiles every translation unit of its compile_commands.json with -fsyntax-only,
# JOBS at a time (default 2). The analysis needs no code generation, so this costs a fraction of
# a clang build (`cmake --build --preset thread-safety` does the whole build, warnings as errors
# too). Exits non-zero, printing clang's errors, if any unit fails.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake --preset thread-safety >/dev/null
python3 - build-clang/compile_commands.json "${JOBS:-2}" <<'PY'
import concurrent.futures, json, os, shlex, subprocess, sys

def check(entry):
    args = shlex.split(entry["command"])
    out = args.index("-o")
    del args[out:out + 2]
    args = [a for a in args if a != "-c"] + ["-fsyntax-only"]
    done = subprocess.run(args, cwd=entry["directory"], capture_output=True, text=True)
    return entry["file"], done.returncode, done.stderr

# Sources generated into the build tree at build time (the dashboard's embedded files: byte
# arrays, no locks) do not exist before a build; only the checkout's own sources are checked.
build_dir = os.path.dirname(os.path.abspath(sys.argv[1])) + os.sep
entries = [e for e in json.load(open(sys.argv[1])) if not e["file"].startswith(build_dir)]
failed = 0
with concurrent.futures.ThreadPoolExecutor(int(sys.argv[2])) as pool:
    for path, code, errors in pool.map(check, entries):
        if code != 0:
            failed += 1
            print(f"FAILED {path}\n{errors}", flush=True)
print(f"thread-safety: {len(entries) - failed} of {len(entries)} translation units clean")
sys.exit(1 if failed else 0)
PY
