// End-to-end test of serval's IAM with @aws-sdk/client-iam (JS SDK v3): a role with an inline
// policy (the SDK hands the URL-encoded document back as is: decodeURIComponent + JSON.parse),
// a managed policy with two versions attached to it, AWS's AWSLambdaBasicExecutionRole, a user
// whose access key then signs requests, paginators, and IAM's errors as the SDK's exception
// classes. Starts the real binary with a fresh data dir. Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startServal } from './serval_process.mjs';
import {
  IAMClient, CreateRoleCommand, GetRoleCommand, DeleteRoleCommand, PutRolePolicyCommand,
  GetRolePolicyCommand, DeleteRolePolicyCommand, CreatePolicyCommand, CreatePolicyVersionCommand,
  GetPolicyVersionCommand, AttachRolePolicyCommand, DetachRolePolicyCommand,
  ListAttachedRolePoliciesCommand, DeletePolicyCommand, DeletePolicyVersionCommand,
  CreateUserCommand, CreateAccessKeyCommand, DeleteAccessKeyCommand, DeleteUserCommand,
  GetUserCommand, paginateListRoles, NoSuchEntityException, MalformedPolicyDocumentException,
  DeleteConflictException, EntityAlreadyExistsException,
} from '@aws-sdk/client-iam';

const account = '000000000000';
const basicExecution = 'arn:aws:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole';
const trust = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' },
    Action: 'sts:AssumeRole' }],
};
const readPhotos = {
  Version: '2012-10-17',
  Statement: [{ Effect: 'Allow', Action: 's3:GetObject', Resource: 'arn:aws:s3:::photos/*' }],
};
let serval; let endpoint; let iam;

const client = (credentials) => new IAMClient({
  endpoint, region: 'us-east-1', maxAttempts: 1, credentials,
});
const decode = (document) => JSON.parse(decodeURIComponent(document));
const unique = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;

before(async () => {
  serval = await startServal('iamjs');
  ({ endpoint } = serval);
  iam = client({ accessKeyId: 'test', secretAccessKey: 'test' });
});

after(async () => {
  iam?.destroy();
  await serval?.stop();
});

test('a role with inline and managed policies', async () => {
  const RoleName = unique('js-role');
  const { Role } = await iam.send(new CreateRoleCommand({
    RoleName, Path: '/js/', AssumeRolePolicyDocument: JSON.stringify(trust),
  }));
  assert.equal(Role.Arn, `arn:aws:iam::${account}:role/js/${RoleName}`);
  assert.match(Role.RoleId, /^AROA[A-Z0-9]{17}$/);
  assert.ok(Role.CreateDate instanceof Date);
  assert.deepEqual(decode((await iam.send(new GetRoleCommand({ RoleName })))
    .Role.AssumeRolePolicyDocument), trust);
  await assert.rejects(iam.send(new CreateRoleCommand({
    RoleName, AssumeRolePolicyDocument: JSON.stringify(trust),
  })), EntityAlreadyExistsException);

  await iam.send(new PutRolePolicyCommand({
    RoleName, PolicyName: 'read', PolicyDocument: JSON.stringify(readPhotos),
  }));
  const inline = await iam.send(new GetRolePolicyCommand({ RoleName, PolicyName: 'read' }));
  assert.deepEqual(decode(inline.PolicyDocument), readPhotos);

  const { Policy } = await iam.send(new CreatePolicyCommand({
    PolicyName: unique('js-policy'), PolicyDocument: JSON.stringify(readPhotos),
  }));
  const v2 = { ...readPhotos, Statement: [{ ...readPhotos.Statement[0], Action: 's3:*' }] };
  const { PolicyVersion } = await iam.send(new CreatePolicyVersionCommand({
    PolicyArn: Policy.Arn, PolicyDocument: JSON.stringify(v2), SetAsDefault: true,
  }));
  assert.equal(PolicyVersion.VersionId, 'v2');
  assert.equal(PolicyVersion.IsDefaultVersion, true);
  const got = await iam.send(new GetPolicyVersionCommand({ PolicyArn: Policy.Arn, VersionId: 'v2' }));
  assert.deepEqual(decode(got.PolicyVersion.Document), v2);
  const basic = await iam.send(new GetPolicyVersionCommand({
    PolicyArn: basicExecution, VersionId: 'v1',
  }));
  assert.deepEqual(decode(basic.PolicyVersion.Document).Statement[0].Action,
    ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents']);

  for (const PolicyArn of [Policy.Arn, basicExecution]) {
    await iam.send(new AttachRolePolicyCommand({ RoleName, PolicyArn }));
  }
  const attached = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName }));
  assert.deepEqual(attached.AttachedPolicies.map((p) => p.PolicyArn).sort(),
    [Policy.Arn, basicExecution].sort());
  await assert.rejects(iam.send(new DeleteRoleCommand({ RoleName })), DeleteConflictException);
  await assert.rejects(iam.send(new DeletePolicyCommand({ PolicyArn: Policy.Arn })),
    DeleteConflictException);

  for (const PolicyArn of [Policy.Arn, basicExecution]) {
    await iam.send(new DetachRolePolicyCommand({ RoleName, PolicyArn }));
  }
  await iam.send(new DeleteRolePolicyCommand({ RoleName, PolicyName: 'read' }));
  await iam.send(new DeletePolicyVersionCommand({ PolicyArn: Policy.Arn, VersionId: 'v1' }));
  await iam.send(new DeletePolicyCommand({ PolicyArn: Policy.Arn }));
  await iam.send(new DeleteRoleCommand({ RoleName }));
  await assert.rejects(iam.send(new GetRoleCommand({ RoleName })), (error) => {
    assert.ok(error instanceof NoSuchEntityException);
    assert.equal(error.message, `The role with name ${RoleName} cannot be found.`);
    assert.equal(error.$metadata.httpStatusCode, 404);
    return true;
  });
});

test('bad documents are MalformedPolicyDocument', async () => {
  const RoleName = unique('js-bad');
  await assert.rejects(iam.send(new CreateRoleCommand({
    RoleName, AssumeRolePolicyDocument: '{"Statement": [',
  })), (error) => {
    assert.ok(error instanceof MalformedPolicyDocumentException);
    assert.equal(error.message, 'Syntax errors in policy.');
    return true;
  });
});

test('roles page with the paginator', async () => {
  const PathPrefix = `/${unique('page')}/`;
  const names = [];
  for (let i = 0; i < 3; i += 1) {
    names.push(unique(`js-page${i}`));
    await iam.send(new CreateRoleCommand({
      RoleName: names[i], Path: PathPrefix, AssumeRolePolicyDocument: JSON.stringify(trust),
    }));
  }
  const seen = [];
  for await (const page of paginateListRoles({ client: iam, pageSize: 2 }, { PathPrefix })) {
    seen.push(...page.Roles.map((r) => r.RoleName));
  }
  assert.deepEqual(seen, [...names].sort());
  for (const RoleName of names) await iam.send(new DeleteRoleCommand({ RoleName }));
});

test('a user access key signs requests until deleted', async () => {
  const UserName = unique('js-user');
  await iam.send(new CreateUserCommand({ UserName }));
  const { AccessKey } = await iam.send(new CreateAccessKeyCommand({ UserName }));
  assert.match(AccessKey.AccessKeyId, /^AKIA[A-Z0-9]{16}$/);
  const asUser = client({
    accessKeyId: AccessKey.AccessKeyId, secretAccessKey: AccessKey.SecretAccessKey,
  });
  assert.equal((await asUser.send(new GetUserCommand({}))).User.UserName, UserName);
  await iam.send(new DeleteAccessKeyCommand({ UserName, AccessKeyId: AccessKey.AccessKeyId }));
  await assert.rejects(asUser.send(new GetUserCommand({})), (error) => {
    assert.equal(error.name, 'InvalidClientTokenId');
    assert.equal(error.$metadata.httpStatusCode, 403);
    return true;
  });
  asUser.destroy();
  await iam.send(new DeleteUserCommand({ UserName }));
});
