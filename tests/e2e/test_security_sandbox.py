"""Attacks from inside a function against its sandbox, Serval and other functions.

Each test is what an attacker's function would try; before the sandbox was a boundary (issue 8)
every one of them succeeded: functions ran as host root with every capability, could unmount
their /tmp and /proc to reach the host's, read Serval's data dir, take another function's events
from its Runtime API, raise their own cgroup limits and call Serval with the operator's key.
"""

import json
import os
import threading
import time
import unittest
import urllib.request

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from serval_harness import (ACCOUNT, REGION, ServalTestCase, environment_pids, free_port,
                            python_zip, unique_name)

EPERM = 1


def runtime_api_port(lam, function_name):
    """The Runtime API port of one of the function's environments, from its runtime's environ."""
    for pid in environment_pids(lam, function_name):
        try:
            with open(f"/proc/{pid}/environ", "rb") as f:
                for item in f.read().split(b"\0"):
                    if item.startswith(b"AWS_LAMBDA_RUNTIME_API="):
                        return int(item.split(b":")[-1])
        except OSError:
            pass
    return None


class SandboxAttackTest(ServalTestCase):
    KEEP_ALIVE_SECONDS = 60

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.attacker = unique_name("attacker")
        cls.lam.create_function(FunctionName=cls.attacker, Runtime="python3.12",
                                Role="arn:aws:iam::000000000000:role/r",
                                Handler="attacker.lambda_handler", Timeout=30,
                                Code={"ZipFile": python_zip("attacker")})

    def attack(self, attack, **event):
        response = self.lam.invoke(FunctionName=self.attacker,
                                   Payload=json.dumps(dict(attack=attack, **event)))
        body = json.loads(response["Payload"].read())
        self.assertNotIn("FunctionError", response, body)
        return body

    def steal_during_invoke(self, victim, secret, **attack_event):
        """Runs the attacker's Runtime API raid while the victim is invoked with `secret`; checks
        that the victim's caller still gets its own answer and returns what the raid saw."""
        results = {}

        def steal():
            results["attack"] = self.attack("runtime_apis", **attack_event)

        thief = threading.Thread(target=steal)
        thief.start()
        time.sleep(0.3)
        self.assertEqual(self.invoke_json(victim, secret), secret)
        thief.join(60)
        return results["attack"]

    def test_runs_unprivileged(self):
        seen = self.attack("identity")
        self.assertNotEqual(seen["uid"], 0)
        self.assertNotEqual(seen["euid"], 0)
        for capability_set in ("CapEff", "CapPrm", "CapBnd", "CapAmb"):
            self.assertEqual(int(seen["status"][capability_set], 16), 0, capability_set)
        self.assertEqual(seen["status"]["NoNewPrivs"], "1")
        self.assertEqual(seen["status"]["Seccomp"], "2")  # a filter is installed
        self.assertEqual(seen["home"], "/home/sbx_user1051")  # the uid has a name
        # Its own pid namespace: only its own processes.
        self.assertEqual(seen["processes"][0], 1)
        self.assertLess(len(seen["processes"]), 5, seen["processes"])

    def test_privileged_system_calls_refused(self):
        seen = self.attack("syscalls")
        for call in ("umount_tmp", "umount_proc", "mount_tmpfs", "unshare_user", "unshare_mount",
                     "chroot", "ptrace_attach", "setuid_root"):
            self.assertEqual(seen[call]["result"], -1, (call, seen))
            self.assertEqual(seen[call]["errno"], EPERM, (call, seen))

    def test_host_filesystem_is_not_there(self):
        data_dir = self.serval.data_dir
        marker = os.path.join("/tmp", unique_name("host-tmp-marker"))
        with open(marker, "w") as f:
            f.write("host")
        self.addCleanup(os.remove, marker)
        other = unique_name("other")
        self.create_function(name=other)
        code_dirs = [os.path.join(data_dir, "code", entry)
                     for entry in os.listdir(os.path.join(data_dir, "code"))]
        self.assertTrue(code_dirs)
        probe = [data_dir, os.path.join(data_dir, "serval.db"), marker, "/root", "/home",
                 "/sys/fs/cgroup", "/run", "/var/lib", "/etc/shadow", "/proc/1/root/etc",
                 self.serval.tmp_root] + code_dirs
        seen = self.attack("paths", paths=probe)
        for path in [data_dir, os.path.join(data_dir, "serval.db"), marker, self.serval.tmp_root,
                     "/sys/fs/cgroup", "/run", "/var/lib"] + code_dirs:
            self.assertFalse(seen[path]["exists"], (path, seen[path]))
        # /root holds at most the read-only interpreter prefix (pyenv), never the home's files.
        self.assertNotIn("read", seen["/etc/shadow"])
        self.assertFalse(seen["/home"]["exists"])
        for entry in seen["/root"].get("list", []):
            self.assertEqual(entry, ".pyenv", seen["/root"])
        # Its own code is there, read-only, at /var/task.
        own = self.attack("paths", paths=["/var/task/attacker.py", "/tmp"])
        self.assertGreater(own["/var/task/attacker.py"]["read"], 0)
        self.assertEqual(own["/tmp"]["list"], [])

    def test_writes_only_to_tmp(self):
        seen = self.attack("writes", dirs=["/", "/etc", "/usr", "/var/task", "/var/runtime",
                                           "/opt", "/dev", "/proc", "/tmp"])
        self.assertEqual(seen.pop("/tmp"), "written")
        for directory, outcome in seen.items():
            self.assertNotEqual(outcome, "written", directory)
        self.assertFalse(os.path.exists("/serval-attack-marker"))
        self.assertFalse(os.path.exists("/etc/serval-attack-marker"))

    def test_cannot_raise_its_own_cgroup_limits(self):
        host_paths = []
        for root in ("/sys/fs/cgroup/memory", "/sys/fs/cgroup/pids", "/sys/fs/cgroup"):
            for dirpath, dirnames, filenames in os.walk(root):
                for name in ("memory.limit_in_bytes", "memory.max", "pids.max"):
                    if name in filenames and "env-" in dirpath:
                        host_paths.append(os.path.join(dirpath, name))
        seen = self.attack("cgroup_limits", paths=host_paths)
        self.assertFalse(seen["sys_exists"])
        for path in host_paths:
            self.assertNotEqual(seen[path], "written", path)

    def test_environment_cgroups_nest_under_servals_own(self):
        self.attack("identity")
        with open(f"/proc/{self.serval.proc.pid}/cgroup") as f:
            own = {line.split(":")[1]: line.strip().split(":", 2)[2] for line in f}
        pids = environment_pids(self.lam, self.attacker)
        self.assertTrue(pids)
        with open(f"/proc/{pids[0]}/cgroup") as f:
            theirs = {line.split(":")[1]: line.strip().split(":", 2)[2] for line in f}
        if "memory" in own and "memory" in theirs:
            prefix = own["memory"].rstrip("/") + f"/serval-{self.serval.proc.pid}/"
            self.assertTrue(theirs["memory"].startswith(prefix), (own, theirs))

    def test_operator_key_is_not_visible(self):
        seen = self.attack("identity")
        env = seen["env"]
        self.assertNotEqual(env["AWS_ACCESS_KEY_ID"], "test")
        self.assertNotEqual(env["AWS_SECRET_ACCESS_KEY"], "test")
        self.assertTrue(env["AWS_ACCESS_KEY_ID"].startswith("ASIA"))
        self.assertTrue(env["AWS_SESSION_TOKEN"])

    def test_temporary_credentials_work_only_with_their_token_and_environment(self):
        # The function can call Serval with its own credentials...
        called = self.attack("call_serval")
        self.assertIn(self.attacker, called["functions"])
        # ...and Serval records which function made the call.
        with urllib.request.urlopen(f"{self.serval.endpoint}/_serval/stats") as response:
            calls = json.load(response)["calls_by_function"]
        self.assertGreaterEqual(
            calls.get(f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.attacker}", 0), 1, calls)
        env = self.attack("identity")["env"]

        def client(token):
            return boto3.client(
                "lambda", endpoint_url=self.serval.endpoint, region_name=REGION,
                aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], aws_session_token=token,
                config=Config(retries={"max_attempts": 0}))

        client(env["AWS_SESSION_TOKEN"]).list_functions()  # valid while the environment lives
        for token in (None, "forged-token"):
            with self.assertRaises(ClientError) as ctx:
                client(token).list_functions()
            self.assertEqual(ctx.exception.response["Error"]["Code"],
                             "UnrecognizedClientException")
        # Changing the configuration retires the environment, and its credentials with it.
        self.lam.update_function_configuration(FunctionName=self.attacker, Timeout=31)
        self.wait_active(self.attacker)
        self.attack("identity")  # a new environment
        deadline = time.monotonic() + 10
        while True:
            try:
                client(env["AWS_SESSION_TOKEN"]).list_functions()
            except ClientError as e:
                self.assertEqual(e.response["Error"]["Code"], "UnrecognizedClientException")
                break
            self.assertLess(time.monotonic(), deadline, "old credentials still accepted")
            time.sleep(0.2)

    def test_cannot_use_another_environments_runtime_api(self):
        victim = unique_name("victim")
        self.create_function(name=victim, zip_bytes=python_zip("echo"),
                             handler="echo.lambda_handler")
        # A warm, idle victim: its runtime waits in GET /next on its own Runtime API port.
        self.invoke_json(victim, {"warm": True})
        port = runtime_api_port(self.lam, victim)
        self.assertIsNotNone(port, "victim's Runtime API port not found")
        seen = self.steal_during_invoke(victim, {"credit_card": "4111111111111111"},
                                        skip_ports=[self.serval.port])
        self.assertIn(port, seen["ports"])  # it saw the port...
        self.assertNotIn(port, seen["answered"])  # ...but was not served there
        self.assertEqual(seen["stolen"], [])
        self.assertEqual(seen["forged"], [])
        # The victim is unharmed and still answers correctly.
        self.assertEqual(self.invoke_json(victim, {"after": 1}), {"after": 1})

    def test_device_bound_socket_cannot_pass_as_a_listening_victim(self):
        """The red team's bypass: the attacker binds sockets (SO_BINDTODEVICE lo) to the port a
        victim then listens on; a lookup by address pair missed them and found the victim's
        listener, so the Runtime API admitted the attacker as the victim."""
        victim = unique_name("listener")
        self.create_function(name=victim, zip_bytes=python_zip("listener"),
                             handler="listener.lambda_handler")
        port = free_port()
        self.assertEqual(self.attack("squat", port=port), {"squatted": 4})
        self.assertEqual(self.invoke_json(victim, {"listen": port}), {"listening": port})
        api_port = runtime_api_port(self.lam, victim)
        self.assertIsNotNone(api_port)
        seen = self.steal_during_invoke(victim, {"card": "4111-1111-1111-1111"},
                                        only_ports=[api_port])
        self.assertEqual(seen["stolen"], [])
        self.assertEqual(seen["forged"], [])
        self.assertNotIn(api_port, seen["answered"])
        self.assertEqual(self.invoke_json(victim, {"after": 2}), {"after": 2})

    def test_one_function_cannot_take_every_edge_connection(self):
        """A function holding idle connections used to fill the edge's global cap, so everyone
        got 429; an environment now has a share of its own (256)."""
        self.addCleanup(self.attack, "release_edge")
        seen = self.attack("hold_edge", count=400)
        self.assertEqual(seen["held"], 400)
        self.assertGreaterEqual(seen["refused"], 400 - 256)
        # Everyone else is served meanwhile, the function itself included.
        with urllib.request.urlopen(f"{self.serval.endpoint}/_serval/health") as response:
            self.assertEqual(response.status, 200)
        self.assertIn(self.attacker, self.list_function_names())

    def test_no_terminal_and_a_session_of_its_own(self):
        """A function in Serval's session could open Serval's terminal and type commands into the
        operator's shell (TIOCSTI); it has no terminal and a session of its own."""
        seen = self.attack("paths", paths=["/dev/tty"])
        self.assertFalse(seen["/dev/tty"]["exists"])
        self.attack("identity")
        pid = environment_pids(self.lam, self.attacker)[0]
        self.assertEqual(os.getsid(pid), pid)  # it leads its own session
        self.assertNotEqual(os.getsid(pid), os.getsid(self.serval.proc.pid))

    def test_reaches_services_on_the_hosts_loopback(self):
        import socket
        listener = socket.create_server(("127.0.0.1", 0))
        self.addCleanup(listener.close)

        def serve():
            connection, _ = listener.accept()
            with connection:
                connection.sendall(b"hello from the host")

        server = threading.Thread(target=serve, daemon=True)
        server.start()
        seen = self.attack("connect", port=listener.getsockname()[1])
        self.assertEqual(seen["said"], "hello from the host")

    def test_host_process_cannot_use_a_runtime_api(self):
        """Not even a process of the host (this test, as root) is served by an environment's
        Runtime API: only the environment's own uid is."""
        import socket
        victim = unique_name("victim")
        self.create_function(name=victim)
        self.invoke_json(victim, {"warm": True})
        port = runtime_api_port(self.lam, victim)
        self.assertIsNotNone(port)
        with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
            s.settimeout(2)
            try:
                s.sendall(b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n")
                self.assertEqual(s.recv(1024), b"")  # closed without an answer
            except ConnectionResetError:
                pass
        self.assertEqual(self.invoke_json(victim, {"still": "fine"}), {"still": "fine"})


if __name__ == "__main__":
    unittest.main()
