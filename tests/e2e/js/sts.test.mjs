// End-to-end test of STS and IAM enforcement with the JS SDK v3 (@aws-sdk/client-sts,
// client-iam, client-s3) against `serval up --iam enforce`: a user's key assumes a role whose
// trust policy names the user; the session's credentials (with their token) read the bucket the
// role allows and are refused the other with S3's AccessDenied and AWS's message; a role that
// does not trust the user is refused. Starts the real binary with a fresh data dir.
// Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServal } from './serval_process.mjs';
import {
  IAMClient, CreateRoleCommand, PutRolePolicyCommand, CreateUserCommand, CreateAccessKeyCommand,
} from '@aws-sdk/client-iam';
import { STSClient, AssumeRoleCommand, GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import {
  S3Client, CreateBucketCommand, PutObjectCommand, GetObjectCommand,
} from '@aws-sdk/client-s3';

const account = '000000000000';
const operator = { accessKeyId: 'test', secretAccessKey: 'test' };
let serval; let endpoint;
const unique = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;
const config = (credentials) => ({
  endpoint, region: 'us-east-1', maxAttempts: 1, credentials, forcePathStyle: true,
});

before(async () => {
  serval = await startServal('stsjs', { args: ['--iam', 'enforce'] });
  ({ endpoint } = serval);
});

after(async () => {
  await serval?.stop();
});

test('AssumeRole hands out credentials that act as the role', async () => {
  const iam = new IAMClient(config(operator));
  const s3 = new S3Client(config(operator));
  const allowed = unique('js-allowed');
  const denied = unique('js-denied');
  for (const Bucket of [allowed, denied]) {
    await s3.send(new CreateBucketCommand({ Bucket }));
    await s3.send(new PutObjectCommand({ Bucket, Key: 'k.txt', Body: `in ${Bucket}` }));
  }
  const UserName = unique('js-user');
  const { User } = await iam.send(new CreateUserCommand({ UserName }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName }));
  const RoleName = unique('js-reader');
  const { Role } = await iam.send(new CreateRoleCommand({
    RoleName,
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { AWS: User.Arn }, Action: 'sts:AssumeRole' }],
    }),
  }));
  await iam.send(new PutRolePolicyCommand({
    RoleName, PolicyName: 'read',
    PolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: `arn:aws:s3:::${allowed}/*` }],
    }),
  }));

  const sts = new STSClient(config({
    accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey,
  }));
  assert.equal((await sts.send(new GetCallerIdentityCommand({}))).Arn, User.Arn);
  const assumed = await sts.send(new AssumeRoleCommand({
    RoleArn: Role.Arn, RoleSessionName: 'js-session', DurationSeconds: 1800,
  }));
  const sessionArn = `arn:aws:sts::${account}:assumed-role/${RoleName}/js-session`;
  assert.equal(assumed.AssumedRoleUser.Arn, sessionArn);
  assert.match(assumed.Credentials.AccessKeyId, /^ASIA/);
  assert.ok(assumed.Credentials.Expiration instanceof Date);
  const lifetime = assumed.Credentials.Expiration.getTime() - Date.now();
  assert.ok(lifetime > 1700e3 && lifetime <= 1800e3, `lifetime ${lifetime} ms`);

  const session = {
    accessKeyId: assumed.Credentials.AccessKeyId,
    secretAccessKey: assumed.Credentials.SecretAccessKey,
    sessionToken: assumed.Credentials.SessionToken,
  };
  const asRole = new S3Client(config(session));
  const read = await asRole.send(new GetObjectCommand({ Bucket: allowed, Key: 'k.txt' }));
  assert.equal(await read.Body.transformToString(), `in ${allowed}`);
  await assert.rejects(asRole.send(new GetObjectCommand({ Bucket: denied, Key: 'k.txt' })), (e) => {
    assert.equal(e.name, 'AccessDenied');
    assert.equal(e.$metadata.httpStatusCode, 403);
    assert.equal(e.message, `User: ${sessionArn} is not authorized to perform: s3:GetObject on `
      + `resource: arn:aws:s3:::${denied}/k.txt because no identity-based policy allows the `
      + 's3:GetObject action');
    return true;
  });
  assert.equal((await new STSClient(config(session)).send(new GetCallerIdentityCommand({}))).Arn,
    sessionArn);

  // A role whose trust policy does not name the user.
  const { Role: other } = await iam.send(new CreateRoleCommand({
    RoleName: unique('js-lambda-only'),
    AssumeRolePolicyDocument: JSON.stringify({
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' },
        Action: 'sts:AssumeRole' }],
    }),
  }));
  await assert.rejects(sts.send(new AssumeRoleCommand({
    RoleArn: other.Arn, RoleSessionName: 'nope',
  })), (e) => e.name === 'AccessDenied'
    && e.message === `User: ${User.Arn} is not authorized to perform: sts:AssumeRole on `
      + `resource: ${other.Arn}`);
});
