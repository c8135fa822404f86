"""S3 multipart checksums and reads by part number, with boto3 (issue 10 part 3): an upload's
algorithm and type (COMPOSITE, FULL_OBJECT), each part held to it, the object's checksum of
checksums or whole-object CRC computed at completion, what GET/HEAD ?partNumber= answer, and
S3's errors for every mismatch; the CRC64NVME S3 gives what is uploaded without a checksum, and
GetObjectAttributes. Values are checked against checksums computed here and, where S3's own
answers were recorded, against those."""

import base64
import hashlib
import os
import re
import struct
import zlib

from botocore.config import Config

from serval_harness import ACCESS_KEY, REGION, SECRET_KEY
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


ALL_ATTRIBUTES = ["ETag", "Checksum", "ObjectParts", "StorageClass", "ObjectSize"]


class DefaultChecksumTest(S3TestCase):
    def client_without_checksums(self):
        """boto3 as older SDKs and the CLI send uploads: no x-amz-checksum-* at all."""
        import boto3
        return boto3.session.Session().client(
            "s3", endpoint_url=self.serval.endpoint, region_name=REGION,
            aws_access_key_id=ACCESS_KEY, aws_secret_access_key=SECRET_KEY,
            config=Config(request_checksum_calculation="when_required",
                          response_checksum_validation="when_required"))

    def test_a_put_without_a_checksum_gets_crc64nvme(self):
        bucket = self.make_bucket()
        base = f"{self.serval.endpoint}/{bucket}"
        # The first two values are S3's own answers for these bodies; the third body goes through
        # the blob worker rather than staying inline.
        for key, body, expected in [("empty", b"", "AAAAAAAAAAA="),
                                    ("data", b"test data..", "qUVrWYOrIAM="),
                                    ("blob", os.urandom(300 * 1024 + 5), None)]:
            status, headers, answer = signed("PUT", f"{base}/{key}", body)
            self.assertEqual(status, 200, answer)
            value = expected or b64(digest("CRC64NVME", body))
            self.assertEqual((headers.get("x-amz-checksum-crc64nvme"),
                              headers.get("x-amz-checksum-type")), (value, "FULL_OBJECT"), key)
            head = self.s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
            self.assertEqual((head["ChecksumCRC64NVME"], head["ChecksumType"]),
                             (value, "FULL_OBJECT"))
        self.assertNotIn("ChecksumCRC64NVME", self.s3.head_object(Bucket=bucket, Key="data"))
        # A checksum the client names is the one kept; listings say which each object has.
        self.s3.put_object(Bucket=bucket, Key="named", Body=b"x", ChecksumAlgorithm="SHA256")
        for listing in (self.s3.list_objects_v2(Bucket=bucket), self.s3.list_objects(Bucket=bucket)):
            listed = {entry["Key"]: entry for entry in listing["Contents"]}
            self.assertEqual((listed["data"]["ChecksumAlgorithm"], listed["data"]["ChecksumType"]),
                             (["CRC64NVME"], "FULL_OBJECT"))
            self.assertEqual(listed["named"]["ChecksumAlgorithm"], ["SHA256"])
        # A copy keeps it; so does a copy through the blob worker.
        for source, value in (("data", "qUVrWYOrIAM="), ("blob", None)):
            result = self.s3.copy_object(Bucket=bucket, Key=f"copy-{source}",
                                         CopySource=f"{bucket}/{source}")["CopyObjectResult"]
            value = value or head["ChecksumCRC64NVME"]
            self.assertEqual((result["ChecksumCRC64NVME"], result["ChecksumType"]),
                             (value, "FULL_OBJECT"))
        # What older SDKs send (no checksum named at all) gets it too.
        plain = self.client_without_checksums()
        answer = plain.put_object(Bucket=bucket, Key="plain", Body=b"aaa")
        self.assertEqual(answer["ChecksumCRC64NVME"], "Rnr2/5P7Gsk=")

    def test_a_multipart_upload_without_an_algorithm_completes_with_crc64nvme(self):
        bucket = self.make_bucket()
        plain = self.client_without_checksums()
        upload_id = plain.create_multipart_upload(Bucket=bucket, Key="mp")["UploadId"]
        parts = [os.urandom(5 * MB), b"the tail"]
        first = plain.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=1,
                                  Body=parts[0])
        self.assertFalse([name for name in first if name.startswith("Checksum")], first)
        # A part sent with a checksum shows that one only.
        crc32 = b64(digest("CRC32", parts[1]))
        second = plain.upload_part(Bucket=bucket, Key="mp", UploadId=upload_id, PartNumber=2,
                                   Body=parts[1], ChecksumCRC32=crc32)
        self.assertEqual(second["ChecksumCRC32"], crc32)
        self.assertNotIn("ChecksumCRC64NVME", second)
        for part in plain.list_parts(Bucket=bucket, Key="mp", UploadId=upload_id)["Parts"]:
            self.assertFalse([name for name in part if name.startswith("Checksum")], part)
        listed = [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]
        done = plain.complete_multipart_upload(Bucket=bucket, Key="mp", UploadId=upload_id,
                                               MultipartUpload={"Parts": listed})
        whole = b64(digest("CRC64NVME", b"".join(parts)))
        self.assertEqual((done["ChecksumCRC64NVME"], done["ChecksumType"]), (whole, "FULL_OBJECT"))
        head = self.s3.head_object(Bucket=bucket, Key="mp", ChecksumMode="ENABLED")
        self.assertEqual((head["ChecksumCRC64NVME"], head["ChecksumType"]), (whole, "FULL_OBJECT"))
        # A part of it has no checksum of its own (a FULL_OBJECT CRC covers only the whole).
        self.assertNotIn("ChecksumCRC64NVME", self.s3.head_object(
            Bucket=bucket, Key="mp", PartNumber=1, ChecksumMode="ENABLED"))
        attributes = self.s3.get_object_attributes(Bucket=bucket, Key="mp",
                                                   ObjectAttributes=ALL_ATTRIBUTES)
        self.assertEqual(attributes["ObjectParts"], {"TotalPartsCount": 2})
        self.assertEqual(attributes["Checksum"],
                         {"ChecksumCRC64NVME": whole, "ChecksumType": "FULL_OBJECT"})
        self.assertEqual(attributes["ETag"], done["ETag"].strip('"'))

        # UploadPartCopy into such an upload answers no checksum; the object still gets one.
        upload_id = plain.create_multipart_upload(Bucket=bucket, Key="copied")["UploadId"]
        copied = plain.upload_part_copy(Bucket=bucket, Key="copied", UploadId=upload_id,
                                        PartNumber=1, CopySource=f"{bucket}/mp")["CopyPartResult"]
        self.assertFalse([name for name in copied if name.startswith("Checksum")], copied)
        done = plain.complete_multipart_upload(
            Bucket=bucket, Key="copied", UploadId=upload_id,
            MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": copied["ETag"]}]})
        self.assertEqual(done["ChecksumCRC64NVME"], whole)


class ObjectAttributesTest(S3TestCase):
    upload = MultipartChecksumTest.upload
    def test_attributes_of_an_object_stored_whole(self):
        bucket = self.make_bucket()
        body = b"attribute"
        self.s3.put_object(Bucket=bucket, Key="one", Body=body, ChecksumAlgorithm="SHA256",
                           StorageClass="STANDARD_IA")
        got = self.s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=ALL_ATTRIBUTES)
        self.assertEqual(got["ETag"], hashlib.md5(body).hexdigest())
        self.assertEqual(got["Checksum"], {"ChecksumSHA256": b64(digest("SHA256", body)),
                                           "ChecksumType": "FULL_OBJECT"})
        self.assertEqual((got["StorageClass"], got["ObjectSize"]), ("STANDARD_IA", len(body)))
        self.assertNotIn("ObjectParts", got)
        self.assertIn("LastModified", got)
        only = self.s3.get_object_attributes(Bucket=bucket, Key="one", ObjectAttributes=["ObjectSize"])
        self.assertEqual([name for name in only if name != "ResponseMetadata"],
                         ["LastModified", "ObjectSize"])
        # On the wire: S3's order whatever the order asked, the ETag unquoted, a STANDARD class
        # named; a list with blanks, or spread over several header lines, is one list.
        self.s3.put_object(Bucket=bucket, Key="plain", Body=body)
        url = f"{self.serval.endpoint}/{bucket}/plain?attributes"
        status, headers, answer = signed("GET", url, headers={
            "x-amz-object-attributes": "ObjectSize, StorageClass,ETag"})
        self.assertEqual(status, 200, answer)
        self.assertIn("last-modified", headers)
        text = answer.decode()
        self.assertRegex(text, r"<GetObjectAttributesResponse xmlns=\"http://s3.amazonaws.com/"
                               r"doc/2006-03-01/\"><ETag>[0-9a-f]{32}</ETag><StorageClass>STANDARD"
                               r"</StorageClass><ObjectSize>9</ObjectSize></GetObjectAttributesResponse>")

        # Bad input: S3's errors, the attribute list judged before the key is looked up.
        for value, code in ((None, "InvalidRequest"), (" , ", "InvalidRequest"),
                            ("ETag,ETags", "InvalidArgument")):
            headers = {} if value is None else {"x-amz-object-attributes": value}
            status, _, answer = signed("GET", f"{self.serval.endpoint}/{bucket}/gone?attributes",
                                       headers=headers)
            self.assertEqual(status, 400, answer)
            self.assertIn(f"<Code>{code}</Code>".encode(), answer)
        self.assertIn(b"<ArgumentValue>ETags</ArgumentValue>", answer)
        self.assert_s3_error("NoSuchKey", self.s3.get_object_attributes, Bucket=bucket, Key="gone",
                             ObjectAttributes=["ETag"])
        self.assert_s3_error("NoSuchBucket", self.s3.get_object_attributes, Bucket=bucket + "-no",
                             Key="one", ObjectAttributes=["ETag"])
        # Not readable unsigned.
        status, _, answer = http("GET", f"{url}", headers={"x-amz-object-attributes": "ETag"})
        self.assertEqual(status, 403, answer)

    def test_parts_of_a_composite_object_are_listed_and_paged(self):
        bucket = self.make_bucket()
        parts = [os.urandom(5 * MB), os.urandom(5 * MB), b"the tail"]
        _, upload_id, listed = self.upload(bucket, "comp", "SHA256", parts)
        done = self.s3.complete_multipart_upload(Bucket=bucket, Key="comp", UploadId=upload_id,
                                                 MultipartUpload={"Parts": listed})
        got = self.s3.get_object_attributes(Bucket=bucket, Key="comp", ObjectAttributes=ALL_ATTRIBUTES)
        # The checksum of checksums without its "-3", as S3 shows it here.
        self.assertEqual(got["Checksum"], {"ChecksumSHA256": done["ChecksumSHA256"][:-2],
                                           "ChecksumType": "COMPOSITE"})
        self.assertEqual(got["ObjectParts"], {
            "TotalPartsCount": 3, "PartNumberMarker": 0, "NextPartNumberMarker": 3,
            "MaxParts": 1000, "IsTruncated": False,
            "Parts": [{"PartNumber": n, "Size": len(data),
                       "ChecksumSHA256": b64(digest("SHA256", data))}
                      for n, data in enumerate(parts, 1)]})
        self.assertEqual((got["ETag"], got["ObjectSize"]), (done["ETag"].strip('"'), 10 * MB + 8))
        page = self.s3.get_object_attributes(Bucket=bucket, Key="comp", ObjectAttributes=["ObjectParts"],
                                             MaxParts=1, PartNumberMarker=1)["ObjectParts"]
        self.assertEqual((page["NextPartNumberMarker"], page["IsTruncated"],
                          [part["PartNumber"] for part in page["Parts"]]), (2, True, [2]))
        past = self.s3.get_object_attributes(Bucket=bucket, Key="comp", ObjectAttributes=["ObjectParts"],
                                             PartNumberMarker=10)["ObjectParts"]
        self.assertEqual((past["NextPartNumberMarker"], past["IsTruncated"], past.get("Parts")),
                         (0, False, None))
