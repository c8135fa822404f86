#!/usr/bin/env python3
"""A local stand-in for the Sumo Logic HTTP source the seed's log-analytics post forwards to, and
the usage figures its app computes from REPORT lines. Python's standard library and openssl only.

  collector.py serve --dir DIR [--port 0]
      Listens on https://127.0.0.1:PORT (0: a free port) with a self-signed certificate it makes
      in DIR (cert.pem, key.pem; kept for the next start), and accepts POSTs only on the path
      /receiver/v1/http/TOKEN, TOKEN a secret it makes in DIR/token, as a Sumo Logic HTTP source
      URL carries one. Every batch it accepts (JSON lines) is appended to DIR/batches.jsonl as
      {"received", "source": {name, host, category}, "events": [...]}. Once listening it writes
      the URL to DIR/url and prints it.
  collector.py usage --dir DIR [--json]
      The usage figures of every function and version from the REPORT lines received: see
      usage() below.
"""

import argparse
import hmac
import http.server
import json
import os
import re
import secrets
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse

HOST = "127.0.0.1"
PATH_PREFIX = "/receiver/v1/http/"
MAX_BATCH_BYTES = 8 << 20
# AWS Lambda's published x86 prices (us-east-1): per GB-second and per request.
PRICE_PER_GB_SECOND = 0.0000166667
PRICE_PER_REQUEST = 0.20 / 1_000_000

REPORT_RE = re.compile(
    r"^REPORT RequestId: (?P<request_id>\S+)\tDuration: (?P<duration>[\d.]+) ms\t"
    r"Billed Duration: (?P<billed>\d+) ms\tMemory Size: (?P<memory>\d+) MB\t"
    r"Max Memory Used: (?P<max_used>\d+) MB(?:\tInit Duration: (?P<init>[\d.]+) ms)?")
# A Lambda log stream: YYYY/MM/DD/[VERSION]environment.
STREAM_VERSION_RE = re.compile(r"^\d{4}/\d{2}/\d{2}/\[([^\]]+)\]")


def ensure_identity(directory):
    """The certificate and token of the collector in `directory`, made on first use: (cert path,
    key path, token)."""
    cert, key, token_path = (os.path.join(directory, name)
                             for name in ("cert.pem", "key.pem", "token"))
    if not (os.path.exists(cert) and os.path.exists(key)):
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
             "ec_paramgen_curve:prime256v1", "-nodes", "-days", "825", "-keyout", key, "-out",
             cert, "-subj", "/CN=Serval log-analytics collector",
             "-addext", f"subjectAltName=IP:{HOST},DNS:localhost"],
            check=True, capture_output=True)
        os.chmod(key, 0o600)
    if not os.path.exists(token_path):
        with open(os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as f:
            f.write(secrets.token_hex(16))
    with open(token_path) as f:
        return cert, key, f.read().strip()


class BatchHandler(http.server.BaseHTTPRequestHandler):
    """One connection: POSTs of JSON lines on the token's path."""

    timeout = 30  # seconds a client may stall
    server_version = "ServalLogCollector"

    def reply(self, status, payload):
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802 - http.server's name
        # Origin-form or, as Sumo Logic's 2016 function sent it, absolute-form.
        path = urllib.parse.urlsplit(self.path).path
        token = path[len(PATH_PREFIX):] if path.startswith(PATH_PREFIX) else ""
        if not hmac.compare_digest(token.encode(), self.server.token.encode()):
            return self.reply(401, {"error": "unknown or missing collector token"})
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            return self.reply(411, {"error": "Content-Length required"})
        if int(length) > MAX_BATCH_BYTES:
            return self.reply(413, {"error": f"a batch is at most {MAX_BATCH_BYTES} bytes"})
        body = self.rfile.read(int(length))
        try:
            events = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            return self.reply(400, {"error": f"not JSON lines: {e}"})
        record = {"received": time.time(),
                  "source": {"name": self.headers.get("X-Sumo-Name", ""),
                             "host": self.headers.get("X-Sumo-Host", ""),
                             "category": self.headers.get("X-Sumo-Category", "")},
                  "events": events}
        with self.server.lock:
            with open(self.server.batches, "a") as f:
                f.write(json.dumps(record) + "\n")
                f.flush()
                os.fsync(f.fileno())
        self.reply(200, {"accepted": len(events)})

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        sys.stderr.write(f"collector: {self.address_string()} {format % args}\n")


class CollectorServer(http.server.ThreadingHTTPServer):
    """HTTPS on HOST:port, a thread per connection, batches appended to DIR/batches.jsonl."""

    daemon_threads = True

    def __init__(self, directory, port):
        super().__init__((HOST, port), BatchHandler)
        cert, key, self.token = ensure_identity(directory)
        self.lock = threading.Lock()
        self.batches = os.path.join(directory, "batches.jsonl")
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(cert, key)
        # The handshake happens in the connection's thread, so a client that stalls in it holds
        # up no other.
        self.socket = context.wrap_socket(self.socket, server_side=True,
                                          do_handshake_on_connect=False)

    def handle_error(self, request, client_address):
        # A client that is not HTTPS, or does not trust the certificate: one line, no traceback.
        sys.stderr.write(f"collector: {client_address[0]}: {sys.exc_info()[1]}\n")


def serve(directory, port):
    os.makedirs(directory, exist_ok=True)
    server = CollectorServer(directory, port)
    token = server.token
    url = f"https://{HOST}:{server.server_address[1]}{PATH_PREFIX}{token}"
    with open(os.path.join(directory, "url.tmp"), "w") as f:
        f.write(url + "\n")
    os.replace(os.path.join(directory, "url.tmp"), os.path.join(directory, "url"))
    print(f"collector listening on {url}", flush=True)
    server.serve_forever()


def received_events(directory):
    """Every event of DIR/batches.jsonl, each once (by its id: deliveries are at least once)."""
    seen = set()
    try:
        with open(os.path.join(directory, "batches.jsonl")) as f:
            lines = f.readlines()
    except FileNotFoundError:
        return
    for line in lines:
        if not line.endswith("\n"):
            continue  # a batch still being written
        for event in json.loads(line)["events"]:
            key = event.get("id") or json.dumps(event, sort_keys=True)
            if key not in seen:
                seen.add(key)
                yield event


def usage(events):
    """What the post's app reports, per function and version, from the REPORT lines among
    `events` (dicts with logGroup, logStream and message): invocations, duration and billed
    duration (ms), GB-seconds (billed ms / 1000 x memory MB / 1024, as Lambda bills), memory
    size, max memory used and the unused share of memory, cold starts (Init Duration) and cost
    at AWS's published price. {function: {version: figures}}."""
    figures = {}
    for event in events:
        message = event.get("message")
        match = REPORT_RE.match(message) if isinstance(message, str) else None
        if not match:
            continue
        function = event.get("logGroup", "").removeprefix("/aws/lambda/")
        version = STREAM_VERSION_RE.match(event.get("logStream", ""))
        f = figures.setdefault(function, {}).setdefault(
            version.group(1) if version else "", {
                "invocations": 0, "duration_ms": 0.0, "billed_duration_ms": 0,
                "gb_seconds": 0.0, "memory_size_mb": 0, "max_memory_used_mb": 0,
                "cold_starts": 0})
        billed, memory = int(match["billed"]), int(match["memory"])
        f["invocations"] += 1
        f["duration_ms"] += float(match["duration"])
        f["billed_duration_ms"] += billed
        f["gb_seconds"] += billed / 1000 * memory / 1024
        f["memory_size_mb"] = max(f["memory_size_mb"], memory)
        f["max_memory_used_mb"] = max(f["max_memory_used_mb"], int(match["max_used"]))
        f["cold_starts"] += match["init"] is not None
    for versions in figures.values():
        for f in versions.values():
            f["unused_memory_share"] = 1 - f["max_memory_used_mb"] / f["memory_size_mb"]
            f["cost_usd"] = (f["gb_seconds"] * PRICE_PER_GB_SECOND
                             + f["invocations"] * PRICE_PER_REQUEST)
    return figures


def print_usage(figures):
    print(f"{'function':<32} {'version':<9} {'invocations':>11} {'billed ms':>10} "
          f"{'GB-s':>12} {'memory MB':>9} {'max used':>8} {'unused':>7} {'cost USD':>12}")
    for function, versions in sorted(figures.items()):
        for version, f in sorted(versions.items()):
            print(f"{function:<32} {version:<9} {f['invocations']:>11} "
                  f"{f['billed_duration_ms']:>10} {f['gb_seconds']:>12.6f} "
                  f"{f['memory_size_mb']:>9} {f['max_memory_used_mb']:>8} "
                  f"{f['unused_memory_share']:>7.0%} {f['cost_usd']:>12.9f}")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    serve_command = commands.add_parser("serve", help="run the collector")
    serve_command.add_argument("--dir", required=True)
    serve_command.add_argument("--port", type=int, default=0)
    usage_command = commands.add_parser("usage", help="usage figures from what was received")
    usage_command.add_argument("--dir", required=True)
    usage_command.add_argument("--json", action="store_true")
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.dir, args.port)
    else:
        figures = usage(received_events(args.dir))
        if args.json:
            print(json.dumps(figures, indent=2, sort_keys=True))
        else:
            print_usage(figures)


if __name__ == "__main__":
    main()
