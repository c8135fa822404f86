"""End-to-end harness: starts the real `serval` binary and drives it with real clients.

Every test module imports this. It provides:

  * ServalProcess   - `serval up --port 0` (the kernel picks a free loopback port; the harness
                      reads it from Serval's ready line) with a fresh data dir; stop() sends a
                      signal and asserts a clean exit (code 0, in time, no environment processes
                      left behind).
  * ServalTestCase  - unittest base class that shares one ServalProcess per test class and gives
                      helpers: boto3 client, AWS CLI runner, SigV4-signed raw requests, function
                      creation, Tail-log parsing and AWS error assertions.
  * fixture zips    - zips are built at test time from tests/e2e/fixtures/ with zipfile.

Environment overrides:
  SERVAL_BIN       path of the serval binary (default: <repo>/build/serval)
  SERVAL_CPP_ECHO  path of the C++ echo function binary (default: <repo>/build/runtimes/cpp/echo_function)
  SERVAL_E2E_KEEP  if set, temp dirs (data dir, serval log) are kept for inspection
  SERVAL_ENDPOINT  if set (e.g. http://127.0.0.1:5123), no binary is started: every ServalProcess
                   uses that already-running endpoint (to check a suite against a peer such as
                   moto_server; suites that restart or signal serval do not work this way)

Checking a suite against such a peer: a test marks the assertions that peer is known to get
wrong with `with self.deviates("moto: ...")`; when the class's SOFT_DEVIATIONS is on (each suite
family turns it on from its own variable, e.g. DDB_SOFT_DEVIATIONS or LOGS_SOFT_DEVIATIONS) a
failure there is printed instead of raised. Never set those for serval. `endpoint_is_serval()`
tells whether the endpoint is serval (for tests of serval-only behaviour).
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import http.client
import io
import json
import os
import re
import resource
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
import uuid
import zipfile

import boto3
import botocore.auth
import botocore.awsrequest
import botocore.credentials
from botocore.config import Config
from botocore.exceptions import ClientError

E2E_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.abspath(os.path.join(E2E_DIR, "..", ".."))
FIXTURES_DIR = os.path.join(E2E_DIR, "fixtures")

SERVAL_BIN = os.environ.get("SERVAL_BIN") or os.path.join(REPO_ROOT, "build", "serval")
CPP_ECHO_BIN = os.environ.get("SERVAL_CPP_ECHO") or os.path.join(
    REPO_ROOT, "build", "runtimes", "cpp", "echo_function")
EXTERNAL_ENDPOINT = (os.environ.get("SERVAL_ENDPOINT") or "").rstrip("/")

REGION = "us-east-1"
ACCOUNT = "000000000000"
ROLE = "arn:aws:iam::000000000000:role/lambda-role"
ACCESS_KEY = "test"
SECRET_KEY = "test"

# Seconds a stopped serval may take to exit. In-flight invocations may have to finish first,
# so the signal tests pass their own, longer bound.
DEFAULT_STOP_TIMEOUT = 5.0
STARTUP_TIMEOUT = 15.0

LAST_MODIFIED_RE = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$")
LOG_STREAM_RE = re.compile(r"^(\d{4})/(\d{2})/(\d{2})/\[\$LATEST\][0-9a-f]{32}$")


def function_arn(name: str) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"


def invoke_urls(deploy_output: str) -> list:
    """The invoke URLs `serval deploy` printed for a REST API's stage, in order: the
    {api}.execute-api.localhost form, then the /restapis/{api}/{stage}/_user_request_ form."""
    return re.findall(r"^  invoke URL: (\S+)$", deploy_output, re.MULTILINE)


def curl(url, *args):
    """`curl -sS ARGS URL` with the real curl, as a README shows it: (status, content type, body
    text)."""
    done = subprocess.run(["curl", "-sS", *args, "-w", "\n%{http_code} %{content_type}", url],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    body, _, trailer = done.stdout.rpartition("\n")
    status, _, content_type = trailer.partition(" ")
    return int(status), content_type, body


def unique_name(prefix: str = "fn") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def code_sha256(zip_bytes: bytes) -> str:
    return base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode()


# Serval's last line of start-up (src/server/serve.cc); the port is the one the kernel gave it.
READY_LINE = re.compile(rb"^Serval ready on http://[^\s:]+:(\d+) in ", re.MULTILINE)


def free_port() -> int:
    """A port free now, for a function to listen on; Serval itself is started with --port 0."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


_IS_SERVAL = {}


def endpoint_is_serval(endpoint: str) -> bool:
    """Whether `endpoint` is serval (it answers /_serval/health) rather than a peer such as
    moto_server; remembered per endpoint."""
    if endpoint not in _IS_SERVAL:
        try:
            with urllib.request.urlopen(f"{endpoint}/_serval/health", timeout=5) as r:
                _IS_SERVAL[endpoint] = r.status == 200
        except Exception:  # noqa: BLE001 - any failure means: not serval
            _IS_SERVAL[endpoint] = False
    return _IS_SERVAL[endpoint]


# ------------------------------------------------------------------------------------------------
# Zips

def make_zip(entries) -> bytes:
    """entries: iterable of (arcname, data: bytes|str, mode: int|None, kind) tuples or dicts.

    Accepts a dict {arcname: data} too. `mode` is the unix permission (e.g. 0o755); kind
    'symlink' stores `data` as the link target with S_IFLNK set, the way `zip -y` does.
    """
    if isinstance(entries, dict):
        entries = [(k, v) for k, v in entries.items()]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for entry in entries:
            name, data = entry[0], entry[1]
            mode = entry[2] if len(entry) > 2 and entry[2] is not None else 0o644
            kind = entry[3] if len(entry) > 3 else "file"
            if isinstance(data, str):
                data = data.encode()
            info = zipfile.ZipInfo(name, date_time=(2024, 1, 1, 0, 0, 0))
            info.create_system = 3  # unix, so external_attr carries st_mode
            if kind == "symlink":
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
                info.compress_type = zipfile.ZIP_STORED
            else:
                info.external_attr = (stat.S_IFREG | mode) << 16
                info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, data)
    return buf.getvalue()


def fixture_text(*parts: str) -> str:
    with open(os.path.join(FIXTURES_DIR, *parts), "r", encoding="utf-8") as f:
        return f.read()


def python_zip(module: str, extra: dict | None = None) -> bytes:
    """Zip tests/e2e/fixtures/python/<module>.py as <module>.py (handler <module>.lambda_handler)."""
    files = {f"{module}.py": fixture_text("python", f"{module}.py")}
    files.update(extra or {})
    return make_zip(files)


def node_zip(module: str) -> bytes:
    """Zip tests/e2e/fixtures/node/<module>.js as index.js (handler index.handler)."""
    return make_zip({"index.js": fixture_text("node", f"{module}.js")})


def provided_zip(script: str) -> bytes:
    """Zip tests/e2e/fixtures/provided/<script> as an executable `bootstrap`."""
    return make_zip([("bootstrap", fixture_text("provided", script), 0o755)])


def cpp_echo_zip() -> bytes:
    if not os.path.isfile(CPP_ECHO_BIN):
        raise AssertionError(
            f"C++ echo function binary not found at {CPP_ECHO_BIN} "
            "(build the echo_function target or set SERVAL_CPP_ECHO)")
    with open(CPP_ECHO_BIN, "rb") as f:
        data = f.read()
    return make_zip([("bootstrap", data, 0o755)])


# ------------------------------------------------------------------------------------------------
# Process inspection (Linux /proc)

def _read_proc(pid: int, what: str) -> bytes:
    try:
        with open(f"/proc/{pid}/{what}", "rb") as f:
            return f.read()
    except (FileNotFoundError, ProcessLookupError, PermissionError, OSError):
        return b""


def _proc_state(pid: int) -> str | None:
    stat_line = _read_proc(pid, "stat").decode(errors="replace")
    if not stat_line:
        return None
    # pid (comm) S ppid ... ; comm may contain spaces/parens, so split after the last ')'.
    rest = stat_line[stat_line.rfind(")") + 2:].split()
    return rest[0] if rest else None


def _proc_ppid_starttime(pid: int):
    stat_line = _read_proc(pid, "stat").decode(errors="replace")
    if not stat_line:
        return None
    rest = stat_line[stat_line.rfind(")") + 2:].split()
    return int(rest[1]), int(rest[19])


def pid_alive(pid: int) -> bool:
    """True if pid exists and is not a zombie."""
    state = _proc_state(pid)
    return state is not None and state not in ("Z", "X")


def all_pids():
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def descendants(root_pid: int):
    """{pid: starttime} of every live descendant of root_pid."""
    children = {}
    for pid in all_pids():
        info = _proc_ppid_starttime(pid)
        if info:
            children.setdefault(info[0], []).append((pid, info[1]))
    out, stack = {}, [root_pid]
    while stack:
        for pid, start in children.get(stack.pop(), []):
            if pid not in out:
                out[pid] = start
                stack.append(pid)
    return {p: s for p, s in out.items() if pid_alive(p)}


def environment_pids(lam, function_name):
    """Host pids of the processes of the function's live environments: those whose /var/task is
    the function's code. (Not found by the function's variables: an environment that began as a
    spare has only the spare's in /proc/PID/environ.)"""
    code = lam.get_function(FunctionName=function_name)["Code"]
    code_dir = "/" + urllib.parse.urlparse(code["Location"]).path.rsplit("/", 1)[-1]
    code_dir = code_dir.removesuffix(".zip")
    found = []
    for pid in all_pids():
        for line in _read_proc(pid, "mountinfo").decode(errors="replace").splitlines():
            fields = line.split()
            if len(fields) > 4 and fields[4] == "/var/task" and fields[3].endswith(code_dir):
                found.append(pid)
                break
    return found


def processes_referencing(needle: str, exclude=()):
    """Live processes whose cmdline or environment mentions `needle` (e.g. a data dir)."""
    found = []
    me = os.getpid()
    nb = needle.encode()
    for pid in all_pids():
        if pid == me or pid in exclude or not pid_alive(pid):
            continue
        cmdline = _read_proc(pid, "cmdline")
        environ = _read_proc(pid, "environ")
        if nb in cmdline or nb in environ:
            found.append((pid, cmdline.replace(b"\0", b" ").decode(errors="replace")[:200]))
    return found


# ------------------------------------------------------------------------------------------------
# CLI

_CLI_MAJOR = None


def aws_cli_major() -> int:
    """1 or 2, from `aws --version` (v1 prints aws-cli/1.x, v2 aws-cli/2.x)."""
    global _CLI_MAJOR
    if _CLI_MAJOR is None:
        p = subprocess.run(["aws", "--version"], capture_output=True, text=True, timeout=60)
        m = re.search(r"aws-cli/(\d+)\.", p.stdout + p.stderr)
        if not m:
            raise AssertionError(f"cannot parse `aws --version`: {p.stdout!r} {p.stderr!r}")
        _CLI_MAJOR = int(m.group(1))
    return _CLI_MAJOR


def cli_payload_args() -> list:
    # CLI v2 reads --payload as base64 unless told otherwise; v1 does not know the option.
    return ["--cli-binary-format", "raw-in-base64-out"] if aws_cli_major() >= 2 else []


# ------------------------------------------------------------------------------------------------
# serval process

class ServalProcess:
    """One `serval up` child. Not thread-safe; owned by one test (class)."""

    def __init__(self, data_dir: str | None = None, keep_alive_seconds: float | None = None,
                 extra_args=(), rlimit_nofile: int | None = None):
        self.tmp_root = tempfile.mkdtemp(prefix="serval-e2e-")
        self.data_dir = data_dir or os.path.join(self.tmp_root, "data")
        self._own_data_dir = data_dir is None
        self.keep_alive_seconds = keep_alive_seconds
        self.extra_args = list(extra_args)
        # Soft and hard RLIMIT_NOFILE for serval (so it cannot raise it), e.g. to exhaust it.
        self.rlimit_nofile = rlimit_nofile
        self.port = None
        self.proc = None
        self.log_path = os.path.join(self.tmp_root, "serval.log")
        self._log_file = None
        self.exit_code = None

    @property
    def endpoint(self) -> str:
        if EXTERNAL_ENDPOINT:
            return EXTERNAL_ENDPOINT
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ServalProcess":
        if EXTERNAL_ENDPOINT:  # an already-running endpoint: nothing to start (or to stop)
            self.port = urllib.parse.urlsplit(EXTERNAL_ENDPOINT).port
            return self
        if not os.path.isfile(SERVAL_BIN):
            raise AssertionError(f"serval binary not found at {SERVAL_BIN} (set SERVAL_BIN)")
        args = [SERVAL_BIN, "up", "--host", "127.0.0.1", "--port", "0", "--data-dir", self.data_dir]
        if self.keep_alive_seconds is not None:
            args += ["--keep-alive-seconds", str(self.keep_alive_seconds)]
        args += self.extra_args
        self._log_file = open(self.log_path, "ab")
        self._log_file.write(f"\n=== {' '.join(args)}\n".encode())
        self._log_file.flush()
        log_offset = self._log_file.tell()  # this start's output begins here
        limit = self.rlimit_nofile
        preexec = None
        if limit is not None:
            def preexec():
                resource.setrlimit(resource.RLIMIT_NOFILE, (limit, limit))
        self.proc = subprocess.Popen(args, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.tmp_root,
                                     preexec_fn=preexec)
        deadline = time.monotonic() + STARTUP_TIMEOUT
        self.port = None
        last_err = "no ready line yet"
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(
                    f"serval exited with {self.proc.returncode} before becoming healthy\n"
                    + self.log_tail())
            if self.port is None:
                with open(self.log_path, "rb") as f:
                    f.seek(log_offset)
                    ready = READY_LINE.search(f.read())
                if ready:
                    self.port = int(ready.group(1))
            if self.port is not None:
                try:
                    with urllib.request.urlopen(f"{self.endpoint}/_serval/health",
                                                timeout=2) as r:
                        if r.status == 200:
                            return self
                        last_err = f"status {r.status}"
                except Exception as e:
                    last_err = repr(e)
            time.sleep(0.02)
        self.proc.kill()
        self.proc.wait()
        raise AssertionError(f"serval not healthy after {STARTUP_TIMEOUT}s ({last_err})\n"
                             + self.log_tail())

    def healthy(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/_serval/health", timeout=5) as r:
                return r.status == 200
        except Exception:
            return False

    def log_text(self) -> str:
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode(errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, n: int = 4000) -> str:
        text = self.log_text()
        return "--- serval output (tail) ---\n" + text[-n:]

    def stop(self, sig=signal.SIGTERM, timeout: float = DEFAULT_STOP_TIMEOUT,
             check: bool = True) -> int:
        """Signal serval, wait for exit, and (if check) assert a clean shutdown:
        exit code 0 within `timeout`, and no descendant or data-dir process left alive."""
        if self.proc is None or self.proc.poll() is not None and self.exit_code is not None:
            return self.exit_code
        problems = []
        kids_before = descendants(self.proc.pid)
        if self.proc.poll() is not None:
            problems.append(f"serval had already exited with {self.proc.returncode} before stop")
        else:
            self.proc.send_signal(sig)
        try:
            self.exit_code = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            problems.append(f"serval did not exit within {timeout}s of {sig.name}")
            self.proc.kill()
            self.exit_code = self.proc.wait()
        if self.exit_code != 0 and not problems:
            problems.append(f"serval exited with code {self.exit_code} after {sig.name}")
        # Give reaped children a moment to disappear from /proc.
        leftover = []
        deadline = time.monotonic() + 1.0
        while True:
            leftover = [p for p, start in kids_before.items()
                        if pid_alive(p) and (_proc_ppid_starttime(p) or (0, None))[1] == start]
            leftover += [p for p, _ in processes_referencing(self.data_dir) if p not in leftover]
            if not leftover or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if leftover:
            desc = [(p, _read_proc(p, "cmdline").replace(b"\0", b" ").decode(errors="replace"))
                    for p in leftover]
            problems.append(f"processes left running after serval exited: {desc}")
            for p in leftover:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.kill(p, signal.SIGKILL)
        if self._log_file:
            self._log_file.close()
            self._log_file = None
        if check and problems:
            raise AssertionError("unclean serval shutdown: " + "; ".join(problems) + "\n"
                                 + self.log_tail())
        return self.exit_code

    def kill(self):
        """Hard cleanup (no assertions), for error paths."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        for p, _ in processes_referencing(self.data_dir):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(p, signal.SIGKILL)
        if self._log_file:
            self._log_file.close()
            self._log_file = None

    def cleanup(self):
        if os.environ.get("SERVAL_E2E_KEEP"):
            sys.stderr.write(f"[serval-e2e] kept {self.tmp_root}\n")
            return
        shutil.rmtree(self.tmp_root, ignore_errors=True)

    # -- clients -------------------------------------------------------------------------------

    def client(self, service: str = "lambda", read_timeout: int = 120, validate: bool = True,
               signature_version: str | None = None):
        cfg = Config(
            # None: botocore's choice for the service (for S3's presigned posts in us-east-1,
            # SigV2); "s3v4" or "s3" to choose.
            signature_version=signature_version,
            # total_max_attempts=1: exactly one attempt (botocore's `max_attempts` counts retries).
            retries={"total_max_attempts": 1, "mode": "standard"},
            read_timeout=read_timeout,
            connect_timeout=10,
            parameter_validation=validate,
        )
        return boto3.session.Session().client(
            service, endpoint_url=self.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY, config=cfg)

    def cli_env(self) -> dict:
        env = dict(os.environ)
        env.update({
            "AWS_ACCESS_KEY_ID": ACCESS_KEY,
            "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_MAX_ATTEMPTS": "1",
            "AWS_RETRY_MODE": "standard",
            "AWS_PAGER": "",
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(self.tmp_root, "no-aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(self.tmp_root, "no-aws-credentials"),
        })
        env.pop("AWS_SESSION_TOKEN", None)
        env.pop("AWS_PROFILE", None)
        env.pop("AWS_ENDPOINT_URL", None)
        return env

    def cli(self, *args, check: bool = True, timeout: float = 180, cwd: str | None = None,
            env: dict | None = None):
        """Run `aws --endpoint-url ... --region us-east-1 <args>`; returns CompletedProcess."""
        cmd = ["aws", "--endpoint-url", self.endpoint, "--region", REGION,
               "--cli-read-timeout", "120", "--cli-connect-timeout", "10", "--output", "json",
               *[str(a) for a in args]]
        p = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           env=env or self.cli_env(), cwd=cwd or self.tmp_root)
        if check and p.returncode != 0:
            raise AssertionError(f"{' '.join(cmd)} failed ({p.returncode}):\n"
                                 f"stdout: {p.stdout}\nstderr: {p.stderr}")
        return p

    def cli_json(self, *args, **kw):
        p = self.cli(*args, **kw)
        return json.loads(p.stdout) if p.stdout.strip() else None

    def raw(self, method: str, path: str, body: bytes = b"", headers: dict | None = None,
            sign: bool = True, timeout: float = 60):
        """SigV4-signed raw HTTP request. Returns (status, headers(lowercased), body bytes)."""
        url = self.endpoint + path
        hdrs = dict(headers or {})
        if sign:
            req = botocore.awsrequest.AWSRequest(method=method, url=url, data=body, headers=hdrs)
            botocore.auth.SigV4Auth(
                botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), "lambda", REGION
            ).add_auth(req)
            hdrs = dict(req.headers.items())
        r = urllib.request.Request(url, data=body if method not in ("GET", "HEAD") else None,
                                   method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(r, timeout=timeout) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def raw_json(self, service: str, target: str, body, content_type: str, sign: bool = True,
                 timeout: float = 60):
        """POST / with `X-Amz-Target: target` (the awsJson protocols), SigV4-signed for `service`
        unless `sign` is false. `body` is bytes, str or an object dumped as JSON. Returns (status,
        lower-cased headers, body bytes)."""
        if not isinstance(body, (bytes, str)):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode()
        url = self.endpoint + "/"
        headers = {"Content-Type": content_type}
        if target is not None:
            headers["X-Amz-Target"] = target
        if sign:
            req = botocore.awsrequest.AWSRequest(method="POST", url=url, data=body, headers=headers)
            botocore.auth.SigV4Auth(botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY),
                                    service, REGION).add_auth(req)
            headers = dict(req.headers.items())
        r = urllib.request.Request(url, data=body, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(r, timeout=timeout) as resp:
                return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
        except urllib.error.HTTPError as e:
            return e.code, {k.lower(): v for k, v in e.headers.items()}, e.read()

    def host_request(self, method: str, host: str, path: str = "/", body: bytes = b"",
                     headers: dict | None = None, sign_service: str | None = None,
                     sign_region: str = REGION, timeout: float = 60):
        """A request to serval's port with `Host: {host}:{port}` (function URLs and execute-api
        names under .localhost), SigV4-signed for `sign_service` when given. Returns (status,
        [(lower-case name, value)...] so that repeated headers show, body bytes)."""
        hdrs = dict(headers or {})
        hdrs["Host"] = f"{host}:{self.port}"
        if sign_service:
            req = botocore.awsrequest.AWSRequest(
                method=method, url=f"http://{host}:{self.port}{path}", data=body, headers=hdrs)
            botocore.auth.SigV4Auth(
                botocore.credentials.Credentials(ACCESS_KEY, SECRET_KEY), sign_service,
                sign_region).add_auth(req)
            hdrs = dict(req.headers.items())
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request(method, path, body=body or None, headers=hdrs)
            resp = conn.getresponse()
            return resp.status, [(k.lower(), v) for k, v in resp.getheaders()], resp.read()
        finally:
            conn.close()


# ------------------------------------------------------------------------------------------------
# Tail log parsing

class InvocationLog:
    """Parsed text of one invocation's log (Tail LogResult or `serval logs` excerpt)."""

    REPORT_RE = re.compile(
        r"^REPORT RequestId: (?P<id>\S+)\tDuration: (?P<duration>\d+\.\d{2}) ms"
        r"\tBilled Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB"
        r"\tMax Memory Used: (?P<used>\d+) MB(?:\tInit Duration: (?P<init>\d+\.\d{2}) ms)?"
        # Newer AWS REPORT lines may append more fields, e.g. "Status: error" / "Status: timeout".
        r"(?P<more>(?:\t[A-Za-z][A-Za-z ]*: [^\t\n]*)*)\t?$",
        re.M)

    def __init__(self, text: str):
        self.text = text
        self.start = re.search(r"^START RequestId: (\S+) Version: (\S+)$", text, re.M)
        self.end = re.search(r"^END RequestId: (\S+)$", text, re.M)
        self.report = self.REPORT_RE.search(text)

    @classmethod
    def from_b64(cls, b64: str) -> "InvocationLog":
        return cls(base64.b64decode(b64).decode("utf-8", errors="replace"))

    @property
    def request_id(self):
        return self.start.group(1) if self.start else None

    @property
    def init_duration(self):
        return self.report.group("init") if self.report else None


# ------------------------------------------------------------------------------------------------
# unittest base

class ServalTestCase(unittest.TestCase):
    """One serval per test class. Subclasses may set KEEP_ALIVE_SECONDS, SERVAL_ARGS (more
    `serval up` arguments) and RLIMIT_NOFILE (see ServalProcess)."""

    KEEP_ALIVE_SECONDS = None
    SERVAL_ARGS = ()
    RLIMIT_NOFILE = None
    # Validation aid, see the module docstring: suites turn it on from their own variable.
    SOFT_DEVIATIONS = False
    serval: ServalProcess = None
    maxDiff = 4000

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.serval = ServalProcess(keep_alive_seconds=cls.KEEP_ALIVE_SECONDS,
                                   extra_args=cls.SERVAL_ARGS, rlimit_nofile=cls.RLIMIT_NOFILE)
        # A class cleanup runs even when a subclass's setUpClass fails after this point
        # (tearDownClass would not), so serval is always stopped - and checked.
        cls.addClassCleanup(cls._stop_serval)
        cls.serval.start()
        cls.lam = cls.serval.client()
        cls.lam_novalidate = cls.serval.client(validate=False)

    @classmethod
    def _stop_serval(cls):
        try:
            if cls.serval.proc is not None:
                cls.serval.stop()  # asserts exit code 0, in time, nothing left running
        finally:
            cls.serval.kill()
            cls.serval.cleanup()

    def run(self, result=None):
        # On failure, show what serval printed: most server bugs explain themselves there.
        before = len(result.failures) + len(result.errors) if result is not None else 0
        out = super().run(result)
        if result is not None and len(result.failures) + len(result.errors) > before \
                and self.serval is not None:
            sys.stderr.write("\n" + self.serval.log_tail(2500) + "\n")
        return out

    # -- helpers ---------------------------------------------------------------------------------

    @contextlib.contextmanager
    def deviates(self, what):
        """Marks an assertion a known peer gets wrong (see SOFT_DEVIATIONS); `what` says how
        (None: not a known deviation). A no-op unless the class's SOFT_DEVIATIONS is on."""
        if not self.SOFT_DEVIATIONS or what is None:
            yield
            return
        try:
            yield
        except (AssertionError, KeyError, TypeError, ValueError, ClientError) as e:
            sys.stderr.write(f"\nDEVIATION {self.id()}: {what}: {str(e)[:300]}\n")

    def skip_unless_serval(self, why="serval-only behaviour"):
        if not endpoint_is_serval(self.serval.endpoint):
            self.skipTest(f"{why}; the endpoint is not serval")

    @classmethod
    def serval_deploy(cls, blueprint, *args, check=False):
        """`serval deploy blueprints/BLUEPRINT ARGS...` against this serval, as a user runs it;
        the finished process (stdout, stderr, returncode), which `check` requires to succeed."""
        done = subprocess.run(
            [SERVAL_BIN, "deploy", os.path.join(REPO_ROOT, "blueprints", blueprint),
             "--endpoint-url", cls.serval.endpoint, *args],
            capture_output=True, text=True, timeout=120, env=cls.serval.cli_env())
        assert not check or done.returncode == 0, done.stderr
        return done

    def recorder_function(self, record_bucket, **permission):
        """A function (fixtures/python/s3_recorder.py) that writes each event it gets into
        `record_bucket`; with `permission` (add_permission's Principal, SourceArn, ...), the
        service it names may invoke it."""
        name = unique_name("rec")
        self.create_function(name=name, zip_bytes=python_zip("s3_recorder"),
                             handler="s3_recorder.lambda_handler", Timeout=30,
                             Environment={"Variables": {"RECORD_BUCKET": record_bucket}})
        if permission:
            self.lam.add_permission(FunctionName=name, StatementId="recorder",
                                    Action="lambda:InvokeFunction", **permission)
        return name

    def recorded_events(self, s3, bucket, count, timeout=60, settle=1.0):
        """The events a recorder function (fixtures/python/s3_recorder.py) wrote into `bucket`,
        once there are `count` of them (then `settle` seconds more, so that extra ones would
        show)."""
        deadline = time.monotonic() + timeout
        while True:
            listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
            if len(listed) >= count:
                break
            if time.monotonic() > deadline:
                self.fail(f"{len(listed)} of {count} events recorded after {timeout}s\n"
                          + self.serval.log_tail(3000))
            time.sleep(0.1)
        time.sleep(settle)
        events = []
        for item in s3.list_objects_v2(Bucket=bucket).get("Contents", []):
            events.append(json.loads(s3.get_object(Bucket=bucket, Key=item["Key"])["Body"].read()))
        return events

    def create_function(self, name=None, zip_bytes=None, runtime="python3.12",
                        handler="echo.lambda_handler", cleanup=True, client=None, **kw):
        name = name or unique_name()
        if zip_bytes is None:
            zip_bytes = python_zip("echo")
        params = dict(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                      Code={"ZipFile": zip_bytes})
        params.update(kw)
        resp = (client or self.lam).create_function(**params)
        self.assertEqual(resp["ResponseMetadata"]["HTTPStatusCode"], 201, resp)
        self.wait_active(name)
        if cleanup:
            self.addCleanup(self._delete_quietly, name)
        return resp

    def _delete_quietly(self, name):
        with contextlib.suppress(Exception):
            self.lam.delete_function(FunctionName=name)

    def wait_active(self, name, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            cfg = self.lam.get_function_configuration(FunctionName=name)
            if cfg.get("State") == "Active" and cfg.get("LastUpdateStatus", "Successful") in (
                    "Successful", None):
                return cfg
            if cfg.get("State") == "Failed" or cfg.get("LastUpdateStatus") == "Failed":
                self.fail(f"function {name} failed: {cfg}")
            if time.monotonic() > deadline:
                self.fail(f"function {name} not Active/Successful after {timeout}s: {cfg}")
            time.sleep(0.2)

    def invoke(self, name, payload=None, tail=False, client=None, **kw):
        """boto3 Invoke; returns (response, body bytes)."""
        params = dict(FunctionName=name)
        if payload is not None:
            params["Payload"] = payload if isinstance(payload, (bytes, str)) else json.dumps(payload)
        if tail:
            params["LogType"] = "Tail"
        params.update(kw)
        resp = (client or self.lam).invoke(**params)
        body = resp["Payload"].read() if "Payload" in resp else b""
        return resp, body

    def invoke_json(self, name, payload=None, **kw):
        resp, body = self.invoke(name, payload, **kw)
        self.assertNotIn("FunctionError", resp, f"unexpected function error: {body[:2000]!r}")
        self.assertEqual(resp["StatusCode"], 200)
        return json.loads(body)

    def list_function_names(self):
        names, marker = [], None
        while True:
            kw = {"Marker": marker} if marker else {}
            page = self.lam.list_functions(**kw)
            names += [f["FunctionName"] for f in page.get("Functions", [])]
            marker = page.get("NextMarker")
            if not marker:
                return sorted(names)

    def error_of(self, call, **kw):
        """The error response (botocore's dict) of a call that must fail with a ClientError."""
        with self.assertRaises(ClientError) as ctx:
            call(**kw)
        return ctx.exception.response

    def assert_aws_error(self, ctx_exc, codes, statuses):
        """Assert a botocore ClientError is AWS-shaped: HTTP status in `statuses`, error code in
        `codes`, and the code also sent in the x-amzn-ErrorType header."""
        if isinstance(codes, str):
            codes = (codes,)
        if isinstance(statuses, int):
            statuses = (statuses,)
        err = ctx_exc.exception if hasattr(ctx_exc, "exception") else ctx_exc
        self.assertIsInstance(err, ClientError)
        status = err.response["ResponseMetadata"]["HTTPStatusCode"]
        code = err.response["Error"]["Code"]
        self.assertIn(status, statuses, f"status {status} not in {statuses}: {err.response}")
        self.assertIn(code, codes, f"error code {code!r} not in {codes}: {err.response}")
        headers = err.response["ResponseMetadata"].get("HTTPHeaders", {})
        header_code = headers.get("x-amzn-errortype", "")
        self.assertEqual(header_code.split(":")[0].split("#")[-1], code,
                         f"x-amzn-ErrorType header missing or different: {headers}")
        msg = err.response["Error"].get("Message", "")
        self.assertTrue(msg, f"error has no message: {err.response}")
        return err

    def assert_errored(self, name, payload=None, max_seconds=30.0):
        """The invoke ends in an error (function error or AWS-shaped service error), in time."""
        t0 = time.monotonic()
        try:
            resp, body = self.invoke(name, payload or {})
        except ClientError as e:
            status = e.response["ResponseMetadata"]["HTTPStatusCode"]
            self.assertGreaterEqual(status, 400, e.response)
            self.assertTrue(e.response["Error"]["Code"], e.response)
            result = ("service", e.response["Error"]["Code"])
        else:
            self.assertEqual(resp.get("FunctionError"), "Unhandled",
                             f"a broken runtime produced a success: {body[:300]!r}")
            err = json.loads(body)
            self.assertIn("errorType", err, err)
            result = ("function", err["errorType"])
        self.assertLess(time.monotonic() - t0, max_seconds)
        return result
