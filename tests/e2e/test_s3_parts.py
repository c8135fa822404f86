"""S3 multipart checksums and reads by part number, with boto3 (issue 10 part 3): an upload's
algorithm and type (COMPOSITE, FULL_OBJECT), each part held to it, the object's checksum of
checksums or whole-object CRC computed at completion, what GET/HEAD ?partNumber= answer, and
S3's errors for every mismatch. Values are checked against checksums computed here."""

import base64
import hashlib
import os
import struct
import zlib

from test_s3 import S3TestCase, http, signed

MB = 1024 * 1024


def _table(poly):
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ poly if crc & 1 else crc >> 1
        table.append(crc)
    return table


_CRC32C = (_table(0x82F63B78), 0xFFFFFFFF, ">I")
_CRC64NVME = (_table(0x9A6C9329AC4BC9B5), 0xFFFFFFFFFFFFFFFF, ">Q")


def _reflected_crc(params, data):
    table, ones, fmt = params
    crc = ones
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return struct.pack(fmt, crc ^ ones)


def digest(algorithm, data):
    """The raw checksum S3 keeps, computed independently of Serval."""
    if algorithm == "CRC32":
        return struct.pack(">I", zlib.crc32(data))
    if algorithm == "CRC32C":
        return _reflected_crc(_CRC32C, data)
    if algorithm == "CRC64NVME":
        return _reflected_crc(_CRC64NVME, data)
    return hashlib.new(algorithm.lower(), data).digest()


def b64(raw):
    return base64.b64encode(raw).decode()


class MultipartChecksumTest(S3TestCase):
    def upload(self, bucket, key, algorithm, parts, checksum_type=None):
        """Creates an upload with `algorithm` and uploads `parts` with their checksums (given as
        values, so that no SDK support for the algorithm is needed)."""
        extra = {"ChecksumType": checksum_type} if checksum_type else {}
        created = self.s3.create_multipart_upload(Bucket=bucket, Key=key,
                                                  ChecksumAlgorithm=algorithm, **extra)
        upload_id = created["UploadId"]
        listed = []
        for number, data in enumerate(parts, 1):
            value = b64(digest(algorithm, data))
            answer = self.s3.upload_part(Bucket=bucket, Key=key, UploadId=upload_id,
                                         PartNumber=number, Body=data,
                                         **{f"Checksum{algorithm}": value})
            self.assertEqual(answer[f"Checksum{algorithm}"], value)
            listed.append({"PartNumber": number, "ETag": answer["ETag"],
                           f"Checksum{algorithm}": value})
        return created, upload_id, listed

    def test_composite_checksum_of_checksums(self):
        bucket = self.make_bucket()
        parts = [os.urandom(5 * MB), os.urandom(5 * MB), b"the tail"]
        created, upload_id, listed = self.upload(bucket, "comp", "CRC32", parts)
        self.assertEqual((created["ChecksumAlgorithm"], created["ChecksumType"]), ("CRC32", "COMPOSITE"))
        listing = self.s3.list_parts(Bucket=bucket, Key="comp", UploadId=upload_id)
        self.assertEqual((listing["ChecksumAlgorithm"], listing["ChecksumType"]), ("CRC32", "COMPOSITE"))
        self.assertEqual([p["ChecksumCRC32"] for p in listing["Parts"]],
                         [p["ChecksumCRC32"] for p in listed])
        uploads = self.s3.list_multipart_uploads(Bucket=bucket)["Uploads"]
        self.assertEqual((uploads[0]["ChecksumAlgorithm"], uploads[0]["ChecksumType"]),
                         ("CRC32", "COMPOSITE"))
        # A COMPOSITE upload needs every part's checksum, and the right one.
        without = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in listed]
        error = self.assert_s3_error("InvalidRequest", self.s3.complete_multipart_upload,
                                     Bucket=bucket, Key="comp", UploadId=upload_id,
                                     MultipartUpload={"Parts": without})
        self.assertIn("It was missing for part 1 in the request", error["Error"]["Message"])
        wrong = [dict(listed[0], ChecksumCRC32=listed[1]["ChecksumCRC32"])] + listed[1:]
        self.assert_s3_error("InvalidPart", self.s3.complete_multipart_upload, Bucket=bucket,
                             Key="comp", UploadId=upload_id, MultipartUpload={"Parts": wrong})

        done = self.s3.complete_multipart_upload(Bucket=bucket, Key="comp", UploadId=upload_id,
                                                 MultipartUpload={"Parts": listed})
        expected = b64(digest("CRC32", b"".join(digest("CRC32", p) for p in parts))) + "-3"
        self.assertEqual((done["ChecksumCRC32"], done["ChecksumType"]), (expected, "COMPOSITE"))
        head = self.s3.head_object(Bucket=bucket, Key="comp", ChecksumMode="ENABLED")
        self.assertEqual((head["ChecksumCRC32"], head["ChecksumType"]), (expected, "COMPOSITE"))
        self.assertEqual(self.s3.get_object(Bucket=bucket, Key="comp", ChecksumMode="ENABLED")
                         ["Body"].read(), b"".join(parts))
        # One part: its own bytes and checksum.
        part = self.s3.get_object(Bucket=bucket, Key="comp", PartNumber=2, ChecksumMode="ENABLED")
        self.assertEqual(part["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual(part["Body"].read(), parts[1])
        self.assertEqual(part["ContentRange"], f"bytes {5 * MB}-{10 * MB - 1}/{10 * MB + 8}")
        self.assertEqual((part["PartsCount"], part["ETag"]), (3, done["ETag"]))
        self.assertEqual((part["ChecksumCRC32"], part["ChecksumType"]),
                         (listed[1]["ChecksumCRC32"], "COMPOSITE"))

    def test_full_object_crc_combined_from_the_parts(self):
        bucket = self.make_bucket()
        for algorithm in ("CRC32", "CRC32C", "CRC64NVME"):
            parts = [os.urandom(5 * MB), b"and a little more"]
            whole = b64(digest(algorithm, b"".join(parts)))
            checksum_type = None if algorithm == "CRC64NVME" else "FULL_OBJECT"  # its default
            created, upload_id, listed = self.upload(bucket, algorithm, algorithm, parts,
                                                     checksum_type)
            self.assertEqual(created["ChecksumType"], "FULL_OBJECT")
            # The whole object's CRC may be given; a wrong one, or the right one without the
            # type, is BadDigest.
            wrong = b64(b"\0" * (8 if algorithm == "CRC64NVME" else 4))
            for given, extra in ((wrong, {"ChecksumType": "FULL_OBJECT"}), (whole, {})):
                error = self.assert_s3_error(
                    "BadDigest", self.s3.complete_multipart_upload, Bucket=bucket, Key=algorithm,
                    UploadId=upload_id, MultipartUpload={"Parts": listed},
                    **{f"Checksum{algorithm}": given}, **extra)
                self.assertIn(f"The {algorithm.lower()} you specified did not match",
                              error["Error"]["Message"])
            # Part checksums may be left out of a FULL_OBJECT completion.
            plain = [{"PartNumber": p["PartNumber"], "ETag": p["ETag"]} for p in listed]
            done = self.s3.complete_multipart_upload(
                Bucket=bucket, Key=algorithm, UploadId=upload_id, MultipartUpload={"Parts": plain},
                ChecksumType="FULL_OBJECT", **{f"Checksum{algorithm}": whole})
            self.assertEqual((done[f"Checksum{algorithm}"], done["ChecksumType"]),
                             (whole, "FULL_OBJECT"), algorithm)
            head = self.s3.head_object(Bucket=bucket, Key=algorithm, ChecksumMode="ENABLED")
            self.assertEqual((head[f"Checksum{algorithm}"], head["ChecksumType"]),
                             (whole, "FULL_OBJECT"))
            # A part of a FULL_OBJECT object has no checksum of its own.
            part = self.s3.head_object(Bucket=bucket, Key=algorithm, PartNumber=1,
                                       ChecksumMode="ENABLED")
            self.assertNotIn(f"Checksum{algorithm}", part)
            self.assertEqual(part["ContentLength"], 5 * MB)

    def test_upload_checksum_rules(self):
        bucket = self.make_bucket()
        for algorithm, checksum_type, words in (
                ("SHA256", "FULL_OBJECT", "The FULL_OBJECT checksum type cannot be used with the sha256"),
                ("CRC64NVME", "COMPOSITE", "The COMPOSITE checksum type cannot be used with the crc64nvme")):
            error = self.assert_s3_error("InvalidRequest", self.s3.create_multipart_upload,
                                         Bucket=bucket, Key="k", ChecksumAlgorithm=algorithm,
                                         ChecksumType=checksum_type)
            self.assertIn(words, error["Error"]["Message"])
        self.assertNotIn("Uploads", self.s3.list_multipart_uploads(Bucket=bucket))
        upload_id = self.s3.create_multipart_upload(Bucket=bucket, Key="k",
                                                    ChecksumAlgorithm="SHA256")["UploadId"]
        # A part with another algorithm's checksum, or none.
        error = self.assert_s3_error("InvalidRequest", self.s3.upload_part, Bucket=bucket, Key="k",
                                     UploadId=upload_id, PartNumber=1, Body=b"x",
                                     ChecksumCRC32=b64(digest("CRC32", b"x")))
        self.assertEqual(error["Error"]["Message"], "Checksum Type mismatch occurred, expected "
                         "checksum Type: sha256, actual checksum Type: crc32")
        self.assertNotIn("Parts", self.s3.list_parts(Bucket=bucket, Key="k", UploadId=upload_id))
        # The same for the SHA-256 of other bytes: BadDigest.
        self.assert_s3_error("BadDigest", self.s3.upload_part, Bucket=bucket, Key="k",
                             UploadId=upload_id, PartNumber=1, Body=b"x",
                             ChecksumSHA256=b64(digest("SHA256", b"y")))
        # UploadPartCopy computes the upload's checksum itself.
        self.s3.put_object(Bucket=bucket, Key="src", Body=b"0123456789")
        copied = self.s3.upload_part_copy(Bucket=bucket, Key="k", UploadId=upload_id, PartNumber=1,
                                          CopySource=f"{bucket}/src", CopySourceRange="bytes=2-5")
        self.assertEqual(copied["CopyPartResult"]["ChecksumSHA256"], b64(digest("SHA256", b"2345")))
        done = self.s3.complete_multipart_upload(
            Bucket=bucket, Key="k", UploadId=upload_id, MultipartUpload={"Parts": [
                {"PartNumber": 1, "ETag": copied["CopyPartResult"]["ETag"],
                 "ChecksumSHA256": copied["CopyPartResult"]["ChecksumSHA256"]}]})
        self.assertEqual(done["ChecksumSHA256"],
                         b64(digest("SHA256", digest("SHA256", b"2345"))) + "-1")

    def test_copy_of_a_composite_object_is_one_piece(self):
        bucket = self.make_bucket()
        parts = [os.urandom(5 * MB), b"end"]
        _, upload_id, listed = self.upload(bucket, "mp", "CRC32", parts)
        self.s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                          MultipartUpload={"Parts": listed})
        copied = self.s3.copy_object(Bucket=bucket, Key="copy", CopySource=f"{bucket}/mp")
        result = copied["CopyObjectResult"]
        self.assertEqual(result["ETag"], '"%s"' % hashlib.md5(b"".join(parts)).hexdigest())
        self.assertEqual((result["ChecksumCRC32"], result["ChecksumType"]),
                         (b64(digest("CRC32", b"".join(parts))), "FULL_OBJECT"))
        again = self.s3.copy_object(Bucket=bucket, Key="copy2", CopySource=f"{bucket}/mp",
                                    ChecksumAlgorithm="SHA1")["CopyObjectResult"]
        self.assertEqual(again["ChecksumSHA1"], b64(digest("SHA1", b"".join(parts))))
        head = self.s3.head_object(Bucket=bucket, Key="copy2", ChecksumMode="ENABLED")
        self.assertEqual((head["ChecksumSHA1"], head["ChecksumType"]),
                         (again["ChecksumSHA1"], "FULL_OBJECT"))
        self.assertNotIn("PartsCount", self.s3.head_object(Bucket=bucket, Key="copy", PartNumber=1))


class PartNumberReadTest(S3TestCase):
    def test_single_put_object_is_its_only_part(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="one", Body=b"12345678",
                           ChecksumCRC32=b64(digest("CRC32", b"12345678")))
        got = self.s3.get_object(Bucket=bucket, Key="one", PartNumber=1, ChecksumMode="ENABLED")
        self.assertEqual(got["ResponseMetadata"]["HTTPStatusCode"], 206)
        self.assertEqual((got["Body"].read(), got["ContentRange"]), (b"12345678", "bytes 0-7/8"))
        self.assertNotIn("PartsCount", got)
        self.assertEqual(got["ChecksumType"], "FULL_OBJECT")
        error = self.assert_s3_error("InvalidPartNumber", self.s3.get_object, Bucket=bucket,
                                     Key="one", PartNumber=2)
        self.assertEqual(error["ResponseMetadata"]["HTTPStatusCode"], 416)
        self.assertEqual((error["Error"]["PartNumberRequested"], error["Error"]["ActualPartCount"]),
                         ("2", "1"))
        error = self.assert_s3_error("InvalidRequest", self.s3.get_object, Bucket=bucket,
                                     Key="one", PartNumber=1, Range="bytes=0-1")
        self.assertIn("Cannot specify both Range header and partNumber", error["Error"]["Message"])
        # Judged before the key is looked up.
        for number in ("0", "10001", "x"):
            status, _, body = signed("GET", f"{self.serval.endpoint}/{bucket}/gone?partNumber={number}")
            self.assertEqual(status, 400, body)
            self.assertIn(b"<Code>InvalidArgument</Code>", body)

    def test_parts_of_a_private_object_are_not_read_unsigned(self):
        bucket = self.make_bucket()
        self.s3.put_object(Bucket=bucket, Key="secret", Body=b"private bytes")
        for method in ("GET", "HEAD"):
            status, _, body = http(method, f"{self.serval.endpoint}/{bucket}/secret?partNumber=1")
            self.assertEqual(status, 403, body)
            if method == "GET":
                self.assertIn(b"<Code>AccessDenied</Code>", body)
                self.assertNotIn(b"private bytes", body)

    def test_multipart_object_parts_past_the_last(self):
        bucket = self.make_bucket()
        upload_id = self.s3.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
        parts = [os.urandom(5 * MB), os.urandom(5 * MB), b""]
        listed = [{"PartNumber": n, "ETag": self.s3.upload_part(
            Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=n, Body=data)["ETag"]}
            for n, data in enumerate(parts, 1)]
        # An upload without a checksum: listed checksums are wrong parts, and its mode is none.
        with_checksum = [dict(listed[0], ChecksumCRC32=b64(digest("CRC32", parts[0])))] + listed[1:]
        self.assert_s3_error("InvalidPart", self.s3.complete_multipart_upload, Bucket=bucket,
                             Key="mp", UploadId=upload_id, MultipartUpload={"Parts": with_checksum})
        error = self.assert_s3_error("InvalidRequest", self.s3.complete_multipart_upload,
                                     Bucket=bucket, Key="mp", UploadId=upload_id,
                                     MultipartUpload={"Parts": listed}, ChecksumType="COMPOSITE")
        self.assertIn("created using the null checksum mode", error["Error"]["Message"])
        self.s3.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                          MultipartUpload={"Parts": listed})
        second = self.s3.get_object(Bucket=bucket, Key="mp", PartNumber=2)
        self.assertEqual((second["Body"].read(), second["ContentLength"], second["PartsCount"]),
                         (parts[1], 5 * MB, 3))
        # The empty last part is no bytes, not the whole object.
        last = self.s3.get_object(Bucket=bucket, Key="mp", PartNumber=3)
        self.assertEqual((last["Body"].read(), last["ContentLength"]), (b"", 0))
        error = self.assert_s3_error("InvalidPartNumber", self.s3.get_object, Bucket=bucket,
                                     Key="mp", PartNumber=4)
        self.assertEqual(error["Error"]["ActualPartCount"], "3")
