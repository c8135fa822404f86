"""Security issue 8: how function code packages are stored and unpacked.

A zip is untrusted input twice over: its headers can lie (sizes, CRCs) and its symlinks can point
anywhere once followed through one another. Serval must refuse both with Lambda's errors, leave
nothing behind, keep answering other requests meanwhile, and clean up after a crash mid-unpack.

Errors as Lambda words them (400 InvalidParameterValueException):
  "Could not unzip uploaded file. Please check your file, then try to upload again."
  "Unzipped size must be smaller than 262144000 bytes"
"""

import os
import stat
import struct
import threading
import time
import unittest
import zlib

from botocore.exceptions import ClientError

from serval_harness import (
    ROLE, ServalProcess, ServalTestCase, fixture_text, make_zip, unique_name)

CORRUPT = "Could not unzip uploaded file. Please check your file, then try to upload again."
UNZIPPED_LIMIT = 262144000


def raw_zip(entries) -> bytes:
    """A zip written field by field, so its headers can say what the test wants.

    entries: dicts with name, data (the stored bytes: a raw deflate stream when method is 8),
    method (0 stored, 8 deflated), crc and size (the declared uncompressed size) and mode (the
    unix st_mode). Local and central headers agree, so only the contents can give the lie away.
    """
    body, central = bytearray(), bytearray()
    for e in entries:
        name, data = e["name"].encode(), e["data"]
        fields = (e["method"], 0, 0x21, e["crc"], len(data), e["size"], len(name))
        offset = len(body)
        body += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, *fields, 0) + name + data
        central += struct.pack("<IHHH", 0x02014B50, (3 << 8) | 20, 20, 0)
        central += struct.pack("<HHHIIIHHHHHII", *fields, 0, 0, 0, 0, e["mode"] << 16, offset)
        central += name
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(entries), len(entries), len(central),
                      len(body), 0)
    return bytes(body + central + end)


def zeros_deflated(mib: int):
    """(raw deflate stream of `mib` MiB of zero bytes, its CRC-32). Built from one fully flushed
    block repeated, so a stream that inflates to hundreds of MiB costs milliseconds to make."""
    block = zlib.compressobj(9, zlib.DEFLATED, -15)
    one = block.compress(bytes(1 << 20)) + block.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -15).flush()
    crc, zeros = 0, bytes(1 << 20)
    for _ in range(mib):
        crc = zlib.crc32(zeros, crc)
    return one * mib + final, crc


def handler_entry():
    text = fixture_text("python", "echo.py").encode()
    return {"name": "echo.py", "data": text, "method": 0, "crc": zlib.crc32(text),
            "size": len(text), "mode": stat.S_IFREG | 0o644}


def tree_bytes(root: str) -> int:
    total = 0
    for directory, _, files in os.walk(root):
        for f in files:
            path = os.path.join(directory, f)
            if not os.path.islink(path):
                total += os.path.getsize(path)
    return total


class CodeSecurityTest(ServalTestCase):

    def refused(self, zip_bytes, message=CORRUPT):
        name = unique_name("sec")
        with self.assertRaises(ClientError) as ctx:
            self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                     Handler="echo.lambda_handler", Code={"ZipFile": zip_bytes})
        err = self.assert_aws_error(ctx, "InvalidParameterValueException", 400)
        self.assertTrue(err.response["Error"]["Message"].startswith(message), err.response)
        with self.assertRaises(ClientError):
            self.lam.get_function(FunctionName=name)
        self.assert_no_code_left()
        return err

    def assert_no_code_left(self):
        code = os.path.join(self.serval.data_dir, "code")
        left = os.listdir(code) if os.path.isdir(code) else []
        self.assertEqual([f for f in left if f.startswith(".staging-")], [], left)

    def test_zip_bomb_with_lying_sizes(self):
        # Two entries each declaring 1,000 bytes and inflating to 160 MiB: 320 MiB in all, over
        # the limit, from a zip of a few hundred KiB.
        stream, crc = zeros_deflated(160)
        bomb = raw_zip([handler_entry()] + [
            {"name": f"bomb{i}.bin", "data": stream, "method": 8, "crc": crc, "size": 1000,
             "mode": stat.S_IFREG | 0o644} for i in range(2)])
        before = tree_bytes(self.serval.data_dir)
        started = time.monotonic()
        self.refused(bomb)
        self.assertLess(time.monotonic() - started, 5.0)
        # Nothing of the inflated data stays on disk (the database and logs may grow a little).
        self.assertLess(tree_bytes(self.serval.data_dir) - before, 1 << 20)

    def test_declared_size_over_the_limit(self):
        bomb = raw_zip([handler_entry(), {
            "name": "big.bin", "data": b"", "method": 0, "crc": 0, "size": UNZIPPED_LIMIT,
            "mode": stat.S_IFREG | 0o644}])
        self.refused(bomb, "Unzipped size must be smaller than 262144000 bytes")

    def test_crc_mismatch(self):
        entry = handler_entry()
        entry["crc"] ^= 0xFFFFFFFF
        self.refused(raw_zip([entry]))

    def test_symlink_chain_resolving_outside(self):
        # Each link text stays inside where it sits; followed, "esc" is the filesystem root.
        self.refused(make_zip([
            ("echo.py", fixture_text("python", "echo.py")),
            ("a/b/c/d/keep.txt", "x"),
            ("a/b/c/d/x", "../../../..", None, "symlink"),
            ("esc", "a/b/c/d/x/../../../..", None, "symlink"),
        ]), "Could not unzip uploaded file")

    def test_absolute_symlink(self):
        for target in ("/", "/etc/passwd", "/var/task/echo.py"):
            with self.subTest(target=target):
                self.refused(make_zip([("echo.py", fixture_text("python", "echo.py")),
                                       ("link", target, None, "symlink")]),
                             "Could not unzip uploaded file")

    def test_links_that_stay_inside_still_work(self):
        name = unique_name("links")
        zip_bytes = make_zip([
            ("main.py", "import lib\n\ndef handler(event, context):\n"
                        "    with open('data.txt') as f:\n"
                        "        return {'value': lib.VALUE, 'data': f.read()}\n"),
            ("real/lib_impl.py", "VALUE = 42\n"),
            ("lib.py", "real/lib_impl.py", None, "symlink"),
            ("real/data.txt.1", "hello"),
            ("real/data.txt", "data.txt.1", None, "symlink"),
            ("data.txt", "real/data.txt", None, "symlink"),
        ])
        self.create_function(name, zip_bytes=zip_bytes, handler="main.handler")
        self.assertEqual(self.invoke_json(name, {}), {"value": 42, "data": "hello"})


class SlowUnpackTest(ServalTestCase):
    """A large, honest package takes seconds to inflate, write and sync; meanwhile Serval answers
    other requests, and a second create or code update of the same function is a conflict."""

    def big_zip(self):
        stream, crc = zeros_deflated(60)
        return raw_zip([handler_entry()] + [
            {"name": f"data{i}.bin", "data": stream, "method": 8, "crc": crc, "size": 60 << 20,
             "mode": stat.S_IFREG | 0o644} for i in range(2)])

    def in_background(self, call):
        """Runs `call` on a thread; returns a dict that gets 'result' or 'error', and 'at'."""
        outcome = {}

        def run():
            try:
                outcome["result"] = call()
            except ClientError as e:
                outcome["error"] = e
            outcome["at"] = time.monotonic()

        thread = threading.Thread(target=run)
        thread.start()
        self.addCleanup(thread.join)
        return thread, outcome

    def test_other_requests_answered_during_unpack(self):
        name = unique_name("big")
        self.addCleanup(self._delete_quietly, name)
        big = self.big_zip()
        thread, outcome = self.in_background(lambda: self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="echo.lambda_handler",
            Code={"ZipFile": big}))
        time.sleep(0.2)
        # The same name again while the first is unpacking: a conflict, as for an existing one.
        with self.assertRaises(ClientError) as ctx:
            self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                     Handler="echo.lambda_handler",
                                     Code={"ZipFile": make_zip({"echo.py": "x = 1\n"})})
        self.assert_aws_error(ctx, "ResourceConflictException", 409)
        slowest, answered_during = 0.0, 0
        while thread.is_alive():
            started = time.monotonic()
            self.lam.list_functions()
            slowest = max(slowest, time.monotonic() - started)
            if thread.is_alive():
                answered_during += 1
            time.sleep(0.05)
        self.assertNotIn("error", outcome)
        self.assertGreater(answered_during, 0, "no request was answered during the unpack")
        self.assertLess(slowest, 1.0)
        self.assertEqual(self.lam.get_function(FunctionName=name)["Configuration"]["CodeSha256"],
                         outcome["result"]["CodeSha256"])

    def test_code_update_during_code_update_is_a_conflict(self):
        name = unique_name("upd")
        self.create_function(name)
        big = self.big_zip()
        thread, outcome = self.in_background(
            lambda: self.lam.update_function_code(FunctionName=name, ZipFile=big))
        time.sleep(0.2)
        try:
            self.lam.update_function_code(FunctionName=name,
                                          ZipFile=make_zip({"echo.py": "x = 2\n"}))
            second = None
        except ClientError as e:
            second = e
        answered = time.monotonic()
        thread.join()
        self.assertNotIn("error", outcome)
        self.assertGreater(outcome["at"], answered,
                           "the second update was not answered while the first was unpacking")
        self.assertIsNotNone(second, "a second code update overtook one in progress")
        err = self.assert_aws_error(second, "ResourceConflictException", 409)
        self.assertIn("An update is in progress", err.response["Error"]["Message"])
        self.assertEqual(
            self.lam.get_function_configuration(FunctionName=name)["CodeSha256"],
            outcome["result"]["CodeSha256"])


class StagingLeftoversTest(unittest.TestCase):

    def test_staging_leftovers_removed_at_startup(self):
        serval = ServalProcess()
        self.addCleanup(serval.cleanup)
        self.addCleanup(serval.kill)
        code = os.path.join(serval.data_dir, "code")
        # What a kill -9 during an unpack leaves: a staging tree, sealed read-only, and its zip.
        staging = os.path.join(code, ".staging-0123456789abcdef")
        os.makedirs(os.path.join(staging, "sub"))
        with open(os.path.join(staging, "sub", "bootstrap"), "w") as f:
            f.write("partial")
        with open(staging + ".zip", "wb") as f:
            f.write(b"PK")
        os.chmod(staging, 0o555)
        serval.start()
        self.assertEqual(os.listdir(code), [])
        serval.stop()


if __name__ == "__main__":
    unittest.main()
