"""The host's memory as environments start (`serval up --min-available-memory-mb`): below the
floor, idle environments are stopped, least recently used first, until what they held covers the
shortfall, and a cold start nothing can make room for is refused with a 429 that says why, before
any process starts."""

import json
import os
import shutil
import tempfile
import time
import unittest

from serval_harness import (ROLE, ServalProcess, descendants, environment_pids, python_zip,
                            unique_name)


class MemoryFloorTest(unittest.TestCase):
    def start(self, floor_mb, *args, keep_alive_seconds=600):
        serval = ServalProcess(keep_alive_seconds=keep_alive_seconds,
                               extra_args=["--min-available-memory-mb", str(floor_mb), *args])
        self.addCleanup(serval.cleanup)
        self.addCleanup(serval.kill)
        self.serval = serval
        return serval.start().client()

    def create(self, lam, module, memory_mb=512):
        name = unique_name(module)
        lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                            Handler=f"{module}.lambda_handler", MemorySize=memory_mb, Timeout=60,
                            # A file of its own: its code (and so its /var/task) is its own.
                            Code={"ZipFile": python_zip(module, {"name.txt": name})})
        return name

    def test_a_cold_start_with_no_room_is_refused_before_anything_starts(self):
        with open("/proc/meminfo") as f:
            total_mb = int(f.readline().split()[1]) // 1024
        lam = self.start(total_mb + 1024)  # more than the machine has: never satisfied
        name = self.create(lam, "echo")
        status, headers, body = self.serval.raw(
            "POST", f"/2015-03-31/functions/{name}/invocations", b"{}")
        self.assertEqual(status, 429, body)
        error = json.loads(body)
        self.assertEqual(headers["x-amzn-errortype"], "TooManyRequestsException")
        self.assertEqual(error["Reason"], "ConcurrentInvocationLimitExceeded")
        self.assertIn("--min-available-memory-mb", error["message"])
        self.assertIn("no idle execution environment is left to stop", error["message"])
        self.assertIn("retry-after", headers)
        self.assertEqual(descendants(self.serval.proc.pid), {})  # no environment, no spare

    def test_idle_environments_make_room_least_recently_used_first(self):
        # MemAvailable comes from a file this test writes: under a VM's balloon driver the real
        # figure moves by hundreds of MB on the hypervisor's schedule, not the test's.
        meminfo = os.path.join(tempfile.mkdtemp(prefix="serval-meminfo-"), "meminfo")
        self.addCleanup(shutil.rmtree, os.path.dirname(meminfo))

        def set_available(mb):
            with open(meminfo + ".new", "w") as f:
                f.write(f"MemTotal: 8388608 kB\nMemFree: 1024 kB\nMemAvailable: {mb * 1024} kB\n")
            os.replace(meminfo + ".new", meminfo)

        set_available(4096)
        lam = self.start(1024, "--meminfo-file", meminfo)
        older, newer, small = (self.create(lam, "memhog", memory_mb=256) for _ in range(3))
        for name in (older, newer):  # idle environments holding ~100 MB each, older used first
            reply = lam.invoke(FunctionName=name, Payload=json.dumps({"mb": 96, "keep": True}))
            self.assertNotIn("FunctionError", reply, reply["Payload"].read())
        self.assertEqual(len(environment_pids(lam, older)), 1)
        self.assertEqual(len(environment_pids(lam, newer)), 1)
        spares = len(descendants(self.serval.proc.pid)) - 2

        # 50 MB short: stopping the least recently used idle environment covers it.
        set_available(1024 - 50)
        reply = lam.invoke(FunctionName=small, Payload=b'{"mb": 16}')
        self.assertNotIn("FunctionError", reply, reply["Payload"].read())
        self.wait_gone(lam, older)
        self.assertEqual(len(environment_pids(lam, newer)), 1)
        self.assertEqual(len(environment_pids(lam, small)), 1)

        # Far short: every idle environment (and any spare) goes, and still the cold start is
        # refused; warm environments of the functions left are not touched by a warm invoke.
        set_available(100)
        status, headers, body = self.serval.raw(
            "POST", f"/2015-03-31/functions/{older}/invocations", b"{}")
        self.assertEqual(status, 429, body)
        self.assertIn("--min-available-memory-mb", json.loads(body)["message"])
        self.wait_gone(lam, newer)
        self.wait_gone(lam, small)
        # A spare is stopped like the rest, and its process may take a moment to be reaped.
        deadline = time.monotonic() + 10
        while descendants(self.serval.proc.pid) and time.monotonic() < deadline:
            time.sleep(0.02)
        self.assertEqual(descendants(self.serval.proc.pid), {}, spares)

        # The memory is back: cold starts run again.
        set_available(4096)
        reply = lam.invoke(FunctionName=older, Payload=b'{"mb": 16}')
        self.assertNotIn("FunctionError", reply, reply["Payload"].read())

    def test_the_reaper_gives_memory_back_when_other_processes_take_it(self):
        meminfo = os.path.join(tempfile.mkdtemp(prefix="serval-meminfo-"), "meminfo")
        self.addCleanup(shutil.rmtree, os.path.dirname(meminfo))
        with open(meminfo, "w") as f:
            f.write("MemAvailable: 4194304 kB\n")
        lam = self.start(1024, "--meminfo-file", meminfo, keep_alive_seconds=3)
        name = self.create(lam, "echo")
        lam.invoke(FunctionName=name, Payload=b"{}")
        with open(meminfo, "w") as f:
            f.write("MemAvailable: 512000 kB\n")
        # The environment was used just now: before its 3 s keep-alive is over, only the memory
        # check can stop it (the reaper runs every 0.75 s here).
        self.wait_gone(lam, name, seconds=2)

    def wait_gone(self, lam, name, seconds=10.0):
        deadline = time.monotonic() + seconds
        while environment_pids(lam, name):
            self.assertLess(time.monotonic(), deadline, f"{name}'s environment was not stopped")
            time.sleep(0.02)


if __name__ == "__main__":
    unittest.main()
