// End-to-end test of serval's S3 with @aws-sdk/client-s3, lib-storage, s3-request-presigner and
// s3-presigned-post (JS SDK v3). Starts the real binary with a fresh data dir, as lambda.test.mjs does.
// Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import zlib from 'node:zlib';
import { startServal } from './serval_process.mjs';
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  ListObjectsV2Command, DeleteObjectCommand, CopyObjectCommand, DeleteBucketCommand,
  PutBucketCorsCommand, GetObjectTaggingCommand, PutObjectTaggingCommand, GetObjectAttributesCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';

let serval; let endpoint; let s3;

before(async () => {
  serval = await startServal('s3js');
  ({ endpoint } = serval);
  // Path style: virtual-host names (bucket.localhost) need a resolver that knows them; the
  // Python suite checks virtual-host addressing with the Host header.
  s3 = new S3Client({
    endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
});

after(async () => {
  s3?.destroy();
  await serval?.stop();
});

const md5 = (b) => createHash('md5').update(b).digest('hex');
const bucketName = () => `js-${randomUUID().slice(0, 8)}`;

test('objects round-trip with metadata, tags, copies and listing', async () => {
  const Bucket = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket }));
  const key = 'dir/ünïcode + space%.txt';
  const put = await s3.send(new PutObjectCommand({
    Bucket, Key: key, Body: 'hello js', ContentType: 'text/plain', Metadata: { who: 'js' },
    Tagging: 'a=1&b=2',
  }));
  assert.equal(put.ETag, `"${md5('hello js')}"`);
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: key }));
  assert.equal(await got.Body.transformToString(), 'hello js');
  assert.equal(got.ContentType, 'text/plain');
  assert.deepEqual(got.Metadata, { who: 'js' });
  assert.equal(got.TagCount, 2);
  await s3.send(new PutObjectTaggingCommand({ Bucket, Key: key, Tagging: { TagSet: [{ Key: 'k', Value: 'v' }] } }));
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: key }))).TagSet, [{ Key: 'k', Value: 'v' }]);
  await s3.send(new CopyObjectCommand({ Bucket, Key: 'copy.txt', CopySource: `${Bucket}/${encodeURIComponent(key)}` }));
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'copy.txt' }));
  assert.equal(head.ContentLength, 8);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket, Delimiter: '/' }));
  assert.deepEqual(listed.CommonPrefixes, [{ Prefix: 'dir/' }]);
  assert.deepEqual(listed.Contents.map((o) => o.Key), ['copy.txt']);
  await assert.rejects(s3.send(new GetObjectCommand({ Bucket, Key: 'missing' })), { name: 'NoSuchKey' });
  await assert.rejects(s3.send(new DeleteBucketCommand({ Bucket })), { name: 'BucketNotEmpty' });
  await s3.send(new DeleteObjectCommand({ Bucket, Key: key }));
  await s3.send(new DeleteObjectCommand({ Bucket, Key: 'copy.txt' }));
  await s3.send(new DeleteBucketCommand({ Bucket }));
});

test('a stream of unknown length goes up as aws-chunked with a trailing checksum', async () => {
  const Bucket = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket }));
  const data = randomBytes(300 * 1024);
  // A Readable has no length: the SDK frames it in aws-chunked with an x-amz-checksum trailer.
  await s3.send(new PutObjectCommand({
    Bucket, Key: 'streamed', Body: Readable.from([data.subarray(0, 100000), data.subarray(100000)]),
    ContentLength: data.length,
  }));
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'streamed', ChecksumMode: 'ENABLED' }));
  assert.equal(md5(Buffer.from(await got.Body.transformToByteArray())), md5(data));
  // The trailer's CRC32 was checked against the bytes and is kept with the object.
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(data));
  assert.equal(got.ChecksumCRC32, crc.toString('base64'));
});

test('lib-storage Upload sends a multipart upload whose object reads back whole', async () => {
  const Bucket = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket }));
  const data = randomBytes(12 * 1024 * 1024 + 5);
  const upload = new Upload({ client: s3, params: { Bucket, Key: 'big.bin', Body: data }, partSize: 5 * 1024 * 1024 });
  const done = await upload.done();
  assert.match(done.ETag, /-3"$/);
  const got = await s3.send(new GetObjectCommand({ Bucket, Key: 'big.bin', Range: 'bytes=5242870-5242889' }));
  assert.equal(got.ContentRange, `bytes 5242870-5242889/${data.length}`);
  assert.deepEqual(Buffer.from(await got.Body.transformToByteArray()), data.subarray(5242870, 5242890));
  const whole = await s3.send(new GetObjectCommand({ Bucket, Key: 'big.bin' }));
  assert.equal(md5(Buffer.from(await whole.Body.transformToByteArray())), md5(data));
  const attributes = await s3.send(new GetObjectAttributesCommand({
    Bucket, Key: 'big.bin', ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'ObjectSize'],
  }));
  assert.equal(attributes.ETag, done.ETag.replaceAll('"', ''));
  assert.equal(attributes.ObjectSize, data.length);
  assert.equal(attributes.ObjectParts.TotalPartsCount, 3);
  assert.ok(['FULL_OBJECT', 'COMPOSITE'].includes(attributes.Checksum.ChecksumType), attributes.Checksum);
});

test('presigned GET and PUT URLs work with plain fetch and expire', async () => {
  const Bucket = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket }));
  const putUrl = await getSignedUrl(s3, new PutObjectCommand({ Bucket, Key: 'p.txt' }), { expiresIn: 60 });
  assert.equal((await fetch(putUrl, { method: 'PUT', body: 'presigned' })).status, 200);
  const getUrl = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: 'p.txt' }), { expiresIn: 60 });
  const r = await fetch(getUrl);
  assert.equal(r.status, 200);
  assert.equal(await r.text(), 'presigned');
  const expired = await getSignedUrl(s3, new GetObjectCommand({ Bucket, Key: 'p.txt' }),
    { expiresIn: 1, signingDate: new Date(Date.now() - 3600 * 1000) });
  const denied = await fetch(expired);
  assert.equal(denied.status, 403);
  assert.match(await denied.text(), /<Code>AccessDenied<\/Code>/);
  // The presigner moves x-amz-meta-* and x-amz-tagging into the query; S3 reads them as headers.
  const metaUrl = await getSignedUrl(s3, new PutObjectCommand({
    Bucket, Key: 'm.txt', Metadata: { owner: 'ann' }, Tagging: 'team=web' }), { expiresIn: 60 });
  assert.match(metaUrl, /x-amz-meta-owner=ann/);
  assert.equal((await fetch(metaUrl, { method: 'PUT', body: 'm' })).status, 200);
  assert.deepEqual((await s3.send(new HeadObjectCommand({ Bucket, Key: 'm.txt' }))).Metadata, { owner: 'ann' });
  assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket, Key: 'm.txt' }))).TagSet,
    [{ Key: 'team', Value: 'web' }]);
  // A browser page may put objects once the bucket allows its origin.
  await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [
    { AllowedOrigins: ['http://app.test'], AllowedMethods: ['PUT', 'GET'], AllowedHeaders: ['*'] }] } }));
  const preflight = await fetch(`${endpoint}/${Bucket}/p.txt`, { method: 'OPTIONS', headers: {
    Origin: 'http://app.test', 'Access-Control-Request-Method': 'PUT',
    'Access-Control-Request-Headers': 'content-type' } });
  assert.equal(preflight.status, 200);
  assert.equal(preflight.headers.get('access-control-allow-origin'), 'http://app.test');
});

test('a createPresignedPost form uploads with fetch and FormData, as a browser page does', async () => {
  const Bucket = bucketName();
  await s3.send(new CreateBucketCommand({ Bucket }));
  // The JS SDK capitalises its fields (Policy, X-Amz-*), sends a bucket field and turns every
  // field into a condition.
  const { url, fields } = await createPresignedPost(s3, {
    Bucket, Key: 'in/${filename}', Expires: 600,
    Fields: { 'Content-Type': 'image/png', 'success_action_status': '201' },
    Conditions: [['content-length-range', 1, 1024], ['starts-with', '$key', 'in/']],
  });
  assert.ok('Policy' in fields && 'X-Amz-Signature' in fields && fields.bucket === Bucket);
  const form = () => {
    const data = new FormData();
    for (const [name, value] of Object.entries(fields)) data.append(name, value);
    return data;
  };
  const data = form();
  data.append('file', new Blob([Buffer.from('png bytes')], { type: 'image/png' }), 'pic.png');
  const response = await fetch(url, { method: 'POST', body: data });
  assert.equal(response.status, 201, await response.clone().text());
  const xml = await response.text();
  assert.match(xml, /<PostResponse><Location>[^<]*<\/Location><Bucket>/);
  assert.match(xml, new RegExp(`<Key>in/pic.png</Key><ETag>&quot;${md5('png bytes')}&quot;</ETag>`));
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'in/pic.png' }));
  assert.equal(head.ContentType, 'image/png');
  assert.equal(head.ContentLength, 9);

  // Too large for the policy's content-length-range: refused, nothing stored.
  const tooBig = form();
  tooBig.append('file', new Blob([Buffer.alloc(2000, 1)]), 'big.bin');
  const refused = await fetch(url, { method: 'POST', body: tooBig });
  assert.equal(refused.status, 400);
  assert.match(await refused.text(), /<Code>EntityTooLarge<\/Code>.*<MaxSizeAllowed>1024<\/MaxSizeAllowed>/s);
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key: 'in/big.bin' })),
    (error) => error.$metadata.httpStatusCode === 404);
});
