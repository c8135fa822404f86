"""Bounded disk for what functions write: a function that floods its output cannot fill the
data dir (issue 8: 1 GB of stdout in 1.8 s used to become a 1 GB log file)."""

import os
import unittest

from serval_harness import ServalTestCase, python_zip, unique_name
from test_logs import serval_logs


def log_bytes(data_dir):
    total = 0
    for dirpath, _, filenames in os.walk(os.path.join(data_dir, "logs")):
        total += sum(os.path.getsize(os.path.join(dirpath, name)) for name in filenames)
    return total


class LogQuotaTest(ServalTestCase):
    EXTRA_ARGS = ("--log-quota-mb", "1")

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
