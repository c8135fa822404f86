"""Spare environments (issue 17, part 1): after a runtime's first cold start Serval keeps one
environment of that runtime family started ahead (namespaces, cgroup, uid; for Python and Node
the interpreter and bootstrap loaded, for provided serval-spare-bootstrap waiting to exec the
function's own), and the next cold start of a function of that family adopts it: its code is
mounted at /var/task and its environment handed over. These tests prove a function really ran
in a spare (its process is older than the function), that the spare carried nothing of any other
function (code, variables, /tmp, processes, uid), that the function's memory limit and variables
hold, that Init Duration stays in REPORT, and that functions a spare cannot serve, or a Serval
started with --no-spare-environments, start from scratch.
"""

import concurrent.futures
import json
import os
import time

from serval_harness import InvocationLog, ServalTestCase, descendants, make_zip, unique_name

# Reports what the process sees: how long it has existed, its variables, files, processes, uid.
PROBE_PY = '''
import os

def lambda_handler(event, context):
    if event.get("allocate_mb"):
        blocks = [bytearray(16 << 20) for _ in range(event["allocate_mb"] // 16)]
        for block in blocks:
            for i in range(0, len(block), 4096):
                block[i] = 1
        return {"allocated": len(blocks) * 16}
    if event.get("write_tmp"):
        open("/tmp/" + event["write_tmp"], "w").write("left behind")
    with open("/proc/self/stat") as f:
        started_ticks = int(f.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as f:
        uptime = float(f.read().split()[0])
    return {
        "age_seconds": uptime - started_ticks / os.sysconf("SC_CLK_TCK"),
        "environ": dict(os.environ),
        "task": sorted(os.listdir("/var/task")),
        "tmp": sorted(os.listdir("/tmp")),
        "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),
        "uid": os.getuid(),
        "memory_mb": context.memory_limit_in_mb,
        "cwd": os.getcwd(),
        "cwd_listing": sorted(os.listdir(".")),
    }
'''

PROBE_MJS = '''
import fs from 'node:fs';
import os from 'node:os';

export const handler = async (event, context) => {
  const stat = fs.readFileSync('/proc/self/stat', 'utf8');
  const startedTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  const uptime = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
  return {
    age_seconds: uptime - startedTicks / 100,
    environ: { ...process.env },
    task: fs.readdirSync('/var/task').sort(),
    tmp: fs.readdirSync('/tmp').sort(),
    pids: fs.readdirSync('/proc').filter((p) => /^[0-9]+$/.test(p)).map(Number),
    uid: os.userInfo().uid,
    memory_mb: Number(context.memoryLimitInMB),
    cwd: process.cwd(),
    cwd_listing: fs.readdirSync('.').sort(),
    remaining_positive: context.getRemainingTimeInMillis() > 0,
  };
};
'''

# A provided function's own bootstrap (a Python script: /usr/bin/python3 is in every
# environment's /usr) running the same probe through the Runtime API.
PROBE_BOOTSTRAP = "#!/usr/bin/python3\n" + PROBE_PY + '''
import json
import types
import urllib.request

api = "http://" + os.environ["AWS_LAMBDA_RUNTIME_API"] + "/2018-06-01/runtime/invocation/"
context = types.SimpleNamespace(
    memory_limit_in_mb=int(os.environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"]))
while True:
    with urllib.request.urlopen(api + "next") as response:
        request_id = response.headers["Lambda-Runtime-Aws-Request-Id"]
        event = json.load(response)
    result = json.dumps(lambda_handler(event, context)).encode()
    urllib.request.urlopen(urllib.request.Request(
        api + request_id + "/response", data=result, method="POST")).read()
'''

# A spare is started right after a cold start of its runtime; this is ample for it to be ready.
SPARE_READY_SECONDS = 2.0


class SpareCase(ServalTestCase):
    def probe(self, runtime, variables, **kw):
        """Creates a probe function; returns (name, seconds since its creation began)."""
        name = unique_name("probe")
        if runtime.startswith("python"):
            code, handler = make_zip({f"{name}.py": PROBE_PY}), f"{name}.lambda_handler"
        elif runtime.startswith("provided"):
            code = make_zip([("bootstrap", PROBE_BOOTSTRAP, 0o755),
                             (f"{name}.txt", "a file of this function", 0o644)])
            handler = "unused"
        else:
            code, handler = make_zip({f"{name}.mjs": PROBE_MJS}), f"{name}.handler"
        created = time.monotonic()
        self.create_function(name=name, zip_bytes=code, runtime=runtime, handler=handler,
                             Environment={"Variables": variables}, **kw)
        return name, created

    def run_probe(self, name, event=None):
        response, body = self.invoke(name, event or {}, tail=True)
        self.assertNotIn("FunctionError", response, body)
        return json.loads(body), InvocationLog.from_b64(response["LogResult"])

    def assert_cold_starts(self, runtime):
        first, _ = self.probe(runtime, {"SECRET_OF_FIRST": "first-secret"})
        seen_first, log = self.run_probe(first, {"write_tmp": "first-was-here"})
        self.assertIsNotNone(log.init_duration)
        time.sleep(SPARE_READY_SECONDS)

        second, created = self.probe(runtime, {"SECRET_OF_SECOND": "second-secret"},
                                     MemorySize=256)
        seen, log = self.run_probe(second)
        since_creation = time.monotonic() - created
        # Its process existed before the function did: it was the spare.
        self.assertGreater(seen["age_seconds"], since_creation + 0.5, seen["age_seconds"])
        # Init Duration is reported, and counts from the adoption, not from the spare's start.
        self.assertIsNotNone(log.init_duration)
        self.assertLess(float(log.init_duration), seen["age_seconds"] * 1000)
        # Its own function and nothing of the other's, nor of the spare's.
        environ = seen["environ"]
        self.assertEqual(environ["SECRET_OF_SECOND"], "second-secret")
        self.assertEqual(environ["AWS_LAMBDA_FUNCTION_NAME"], second)
        self.assertEqual(environ["AWS_LAMBDA_FUNCTION_MEMORY_SIZE"], "256")
        self.assertTrue(environ["AWS_ACCESS_KEY_ID"].startswith("ASIA"))
        self.assertNotEqual(environ["AWS_ACCESS_KEY_ID"],
                            seen_first["environ"]["AWS_ACCESS_KEY_ID"])
        self.assertNotIn("SECRET_OF_FIRST", environ)
        self.assertNotIn("_SERVAL_SPARE", environ)
        self.assertNotIn("first-secret", json.dumps(seen))
        if runtime.startswith("provided"):
            self.assertEqual(seen["task"], ["bootstrap", second + ".txt"])
        else:
            ext = ".py" if runtime.startswith("python") else ".mjs"
            self.assertEqual(seen["task"], [second + ext])
        self.assertEqual(seen["cwd"], "/var/task")
        # The working directory is the mounted code, not the empty directory the spare began in:
        # functions open their own files by relative path.
        if not runtime.startswith("provided"):
            self.assertEqual(seen["cwd_listing"], seen["task"])
        self.assertEqual(seen["tmp"], [])
        self.assertEqual(seen["memory_mb"], 256)
        self.assertNotEqual(seen["uid"], seen_first["uid"])
        # Only its own processes are visible (its runtime is pid 1 of its namespace).
        self.assertEqual(seen["pids"][0], 1)
        self.assertLess(len(seen["pids"]), 4, seen["pids"])
        return second

    def assert_fresh_start(self, name, created):
        seen, log = self.run_probe(name)
        self.assertLess(seen["age_seconds"], time.monotonic() - created)
        self.assertIsNotNone(log.init_duration)
        return seen


class SpareEnvironmentsTest(SpareCase):
    def test_python_cold_start_adopts_a_spare_that_carries_nothing_of_others(self):
        self.assert_cold_starts("python3.12")

    def test_node_cold_start_adopts_a_spare_that_carries_nothing_of_others(self):
        self.assert_cold_starts("nodejs20.x")

    def test_provided_cold_start_adopts_a_spare_that_carries_nothing_of_others(self):
        self.assert_cold_starts("provided.al2023")

    def test_provided_bootstrap_that_cannot_start_is_an_invalid_entrypoint(self):
        self.assert_cold_starts("provided.al2023")
        time.sleep(SPARE_READY_SECONDS)
        name = unique_name("noexec")
        self.create_function(name=name, runtime="provided.al2023", handler="unused",
                             zip_bytes=make_zip([("bootstrap", "not a program", 0o755)]))
        response, body = self.invoke(name, {})
        error = json.loads(body)
        self.assertEqual(response.get("FunctionError"), "Unhandled", body)
        self.assertEqual(error["errorType"], "Runtime.InvalidEntrypoint", body)
        self.assertIn("starting the bootstrap failed: Exec format error", error["errorMessage"])

    def test_memory_limit_is_the_functions_not_the_spares(self):
        self.assert_cold_starts("python3.12")
        time.sleep(SPARE_READY_SECONDS)
        name, created = self.probe("python3.12", {}, MemorySize=128)
        seen, _ = self.run_probe(name)
        self.assertGreater(seen["age_seconds"], time.monotonic() - created)  # a spare
        response, body = self.invoke(name, {"allocate_mb": 320})
        self.assertEqual(response.get("FunctionError"), "Unhandled", body)

    def test_functions_whose_variables_change_the_interpreter_start_fresh(self):
        self.assert_cold_starts("python3.12")
        time.sleep(SPARE_READY_SECONDS)
        name, created = self.probe("python3.12", {"PYTHONPATH": "/var/task/lib"})
        seen = self.assert_fresh_start(name, created)
        self.assertEqual(seen["environ"]["PYTHONPATH"], "/var/task/lib")
        name, created = self.probe("python3.12", {}, EphemeralStorage={"Size": 1024})
        self.assert_fresh_start(name, created)


    def test_a_burst_of_cold_starts_adopts_only_spares_that_are_ready(self):
        # A spare is adopted once its sandbox is built: were it adopted while its process still
        # builds its root filesystem, the code would be mounted under the host's view (where a
        # /var/task of the host's own makes that mount succeed) and vanish at its pivot_root.
        if not os.path.isdir("/var/task"):
            os.makedirs("/var/task")
            self.addCleanup(os.rmdir, "/var/task")
        for runtime in ("provided.al2023", "python3.12", "nodejs20.x"):
            name, _ = self.probe(runtime, {})
            # Each cold start adopts the spare, if ready, and starts the next one at once.
            with concurrent.futures.ThreadPoolExecutor(max_workers=12) as pool:
                results = list(pool.map(lambda _: self.invoke(name, {}), range(12)))
            errors = [body for response, body in results if "FunctionError" in response]
            self.assertEqual(errors, [], runtime)
            self.assertTrue(all(json.loads(body)["task"] for _, body in results))


class NoSpareEnvironmentsTest(SpareCase):
    SERVAL_ARGS = ["--no-spare-environments"]

    def test_every_cold_start_is_from_scratch(self):
        for runtime in ("python3.12", "nodejs20.x", "provided.al2023"):
            first, created = self.probe(runtime, {})
            self.assert_fresh_start(first, created)
            time.sleep(SPARE_READY_SECONDS)
            second, created = self.probe(runtime, {})
            self.assert_fresh_start(second, created)


class SpareKeepAliveTest(SpareCase):
    KEEP_ALIVE_SECONDS = 1

    def test_an_unused_spare_is_stopped_like_an_idle_environment(self):
        name, _ = self.probe("python3.12", {})
        self.run_probe(name)
        time.sleep(0.5)
        self.assertEqual(len(descendants(self.serval.proc.pid)), 2)  # warm + spare
        deadline = time.monotonic() + 10
        while descendants(self.serval.proc.pid):
            self.assertLess(time.monotonic(), deadline, descendants(self.serval.proc.pid))
            time.sleep(0.2)
