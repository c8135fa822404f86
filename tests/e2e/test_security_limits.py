"""Bounded disk for what functions write: a function that floods its output cannot fill the
data dir (issue 8: 1 GB of stdout in 1.8 s used to become a 1 GB log file)."""

import os
import time
import unittest

from serval_harness import ServalTestCase, python_zip, unique_name
from test_logs import serval_logs


def log_bytes(data_dir):
    total = 0
    for dirpath, _, filenames in os.walk(os.path.join(data_dir, "logs")):
        total += sum(os.path.getsize(os.path.join(dirpath, name)) for name in filenames)
    return total


class LogQuotaTest(ServalTestCase):
    SERVAL_ARGS = ("--log-quota-mb", "1")

    def test_flooding_output_is_cut_at_the_quota_and_marked(self):
        name = unique_name("flood")
        self.create_function(name=name, zip_bytes=python_zip("printer"),
                             handler="printer.lambda_handler", Timeout=60)
        for marker in ("first", "second"):
            result = self.invoke_json(name, {"marker": marker, "extra_bytes": 8 << 20})
            self.assertEqual(result, {"ok": True, "marker": marker})
        # 16 MB printed, about 1 MB kept.
        self.assertLess(log_bytes(self.serval.data_dir), 3 << 20)
        text = serval_logs(self.serval.data_dir, name).stdout
        self.assertEqual(text.count("reached its quota of 1048576 bytes"), 1, text[-2000:])
        # Serval's own lines are never dropped: both invocations are accounted for.
        self.assertEqual(text.count("REPORT RequestId:"), 2)
        self.assertIn("printed-line first", text)
        self.assertNotIn("printed-line second", text)


if __name__ == "__main__":
    unittest.main()


ENOSPC = 28


def loop_backing_files(data_dir):
    """Backing files of the machine's loop devices that live in `data_dir`."""
    found = []
    for device in os.listdir("/sys/block"):
        path = f"/sys/block/{device}/loop/backing_file"
        if device.startswith("loop") and os.path.exists(path):
            with open(path) as f:
                backing = f.read().strip()
            if backing.startswith(data_dir):
                found.append(backing)
    return found


class EphemeralStorageTest(ServalTestCase):
    """/tmp is ephemeral storage apart from memory, as on AWS (issue 8: a 128 MB function was
    killed writing 129 MB to its 512 MB /tmp, which was a tmpfs charged to its memory)."""

    def fill(self, name, mb):
        return self.invoke_json(name, {"mb": mb})

    def test_tmp_is_not_charged_to_memory_and_has_its_size(self):
        name = unique_name("tmp")
        self.create_function(name=name, zip_bytes=python_zip("tmp_filler"),
                             handler="tmp_filler.lambda_handler", MemorySize=128, Timeout=60)
        seen = self.fill(name, 300)  # more than the function's memory
        self.assertEqual(seen["written_mb"], 300, seen)
        self.assertNotIn("errno", seen)
        self.assertEqual(seen["listing"], [])
        self.assertEqual(seen["mode"], 0o1777)
        self.assertGreaterEqual(seen["size_mb"], 512)
        # Beyond its size the function gets ENOSPC, not a kill.
        seen = self.fill(name, 600)
        self.assertEqual(seen["errno"], ENOSPC, seen)
        self.assertLess(seen["written_mb"], 600)

    def test_ephemeral_storage_size_is_honoured_and_released(self):
        name = unique_name("tmp")
        self.create_function(name=name, zip_bytes=python_zip("tmp_filler"),
                             handler="tmp_filler.lambda_handler", MemorySize=128, Timeout=60,
                             EphemeralStorage={"Size": 1024}, cleanup=False)
        seen = self.fill(name, 900)
        self.assertEqual(seen["written_mb"], 900, seen)
        self.assertGreaterEqual(seen["size_mb"], 1024)
        self.lam.delete_function(FunctionName=name)
        # The environment's disk goes with it. What remains: the spare disks (two per size,
        # holding nothing) and the /tmp of the spare Python environment that this cold start
        # left ready (one disk of the default size).
        deadline = time.monotonic() + 10
        while len(loop_backing_files(self.serval.data_dir)) > 2 * 2 + 1:
            self.assertLess(time.monotonic(), deadline, loop_backing_files(self.serval.data_dir))
            time.sleep(0.2)
