// End-to-end test of serval's SNS with @aws-sdk/client-sns (JS SDK v3): topics, an HTTP
// subscription confirmed with the token SNS posts, Publish with every attribute type,
// PublishBatch, and SNS's errors as the SDK's exception classes. Starts the real binary with a
// fresh data dir, as lambda.test.mjs does. Run: node --test tests/e2e/js/

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import { startServal } from './serval_process.mjs';
import {
  SNSClient, CreateTopicCommand, GetTopicAttributesCommand,
  SubscribeCommand, ConfirmSubscriptionCommand, ListSubscriptionsByTopicCommand,
  PublishCommand, PublishBatchCommand, DeleteTopicCommand, ListTagsForResourceCommand,
  NotFoundException, InvalidParameterException, paginateListTopics,
} from '@aws-sdk/client-sns';

let serval; let endpoint; let sns;
let hook; let hookUrl; const posts = [];

before(async () => {
  serval = await startServal('snsjs');
  ({ endpoint } = serval);
  sns = new SNSClient({
    endpoint, region: 'us-east-1', maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  // The subscriber: records every POST.
  hook = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      posts.push({ headers: req.headers, body });
      res.writeHead(200).end();
    });
  });
  await new Promise((r) => hook.listen(0, '127.0.0.1', r));
  hookUrl = `http://127.0.0.1:${hook.address().port}/sns`;
});

after(async () => {
  sns?.destroy();
  hook?.close();
  await serval?.stop();
});

const topicName = () => `js-${randomUUID().slice(0, 8)}`;

async function waitForPosts(count, ms = 15000) {
  const deadline = Date.now() + ms;
  while (posts.length < count) {
    if (Date.now() > deadline) throw new Error(`${posts.length} of ${count} posts\n${serval.output()}`);
    await new Promise((r) => setTimeout(r, 25));
  }
  return posts.slice();
}

test('topics: create with tags, list by pages, attributes, delete', async () => {
  const name = topicName();
  const { TopicArn } = await sns.send(new CreateTopicCommand({
    Name: name, Attributes: { DisplayName: 'JS' }, Tags: [{ Key: 'k', Value: 'v' }],
  }));
  assert.equal(TopicArn, `arn:aws:sns:us-east-1:000000000000:${name}`);
  const attributes = (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes;
  assert.equal(attributes.DisplayName, 'JS');
  assert.deepEqual((await sns.send(new ListTagsForResourceCommand({ ResourceArn: TopicArn }))).Tags,
    [{ Key: 'k', Value: 'v' }]);
  for (let i = 0; i < 105; i++) await sns.send(new CreateTopicCommand({ Name: `${name}-${i}` }));
  const seen = [];
  let pages = 0;
  for await (const page of paginateListTopics({ client: sns }, {})) {
    pages += 1;
    seen.push(...page.Topics.map((t) => t.TopicArn));
  }
  assert.ok(pages >= 2, `pages: ${pages}`);
  assert.equal(new Set(seen).size, seen.length);
  assert.ok(seen.includes(TopicArn));
  await sns.send(new DeleteTopicCommand({ TopicArn }));
  await assert.rejects(sns.send(new GetTopicAttributesCommand({ TopicArn })), NotFoundException);
});

test('http subscription: confirm with the token, then attributes of every type arrive', async () => {
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicName() }));
  const start = posts.length;
  await sns.send(new SubscribeCommand({ TopicArn, Protocol: 'http', Endpoint: hookUrl }));
  const confirmation = JSON.parse((await waitForPosts(start + 1))[start].body);
  assert.equal(confirmation.Type, 'SubscriptionConfirmation');
  const { SubscriptionArn } = await sns.send(new ConfirmSubscriptionCommand({
    TopicArn, Token: confirmation.Token,
  }));
  const listed = await sns.send(new ListSubscriptionsByTopicCommand({ TopicArn }));
  assert.equal(listed.Subscriptions[0].SubscriptionArn, SubscriptionArn);
  const { MessageId } = await sns.send(new PublishCommand({
    TopicArn, Message: 'from js', Subject: 'JS',
    MessageAttributes: {
      s: { DataType: 'String', StringValue: 'text' },
      n: { DataType: 'Number', StringValue: '3.5' },
      b: { DataType: 'Binary', BinaryValue: new Uint8Array([1, 2, 3]) },
      a: { DataType: 'String.Array', StringValue: '["x", 1]' },
    },
  }));
  const post = (await waitForPosts(start + 2))[start + 1];
  assert.equal(post.headers['x-amz-sns-message-id'], MessageId);
  const body = JSON.parse(post.body);
  assert.equal(body.Message, 'from js');
  assert.deepEqual(body.MessageAttributes, {
    s: { Type: 'String', Value: 'text' },
    n: { Type: 'Number', Value: '3.5' },
    b: { Type: 'Binary', Value: 'AQID' },
    a: { Type: 'String.Array', Value: '["x", 1]' },
  });
  const batch = await sns.send(new PublishBatchCommand({
    TopicArn,
    PublishBatchRequestEntries: [{ Id: 'one', Message: 'b1' }, { Id: 'two', Message: 'b2' }],
  }));
  assert.deepEqual(batch.Successful.map((s) => s.Id).sort(), ['one', 'two']);
  const messages = (await waitForPosts(start + 4)).slice(start + 2)
    .map((p) => JSON.parse(p.body).Message).sort();
  assert.deepEqual(messages, ['b1', 'b2']);
});

test('errors are SNS exceptions', async () => {
  await assert.rejects(sns.send(new PublishCommand({
    TopicArn: 'arn:aws:sns:us-east-1:000000000000:absent', Message: 'x',
  })), NotFoundException);
  await assert.rejects(sns.send(new CreateTopicCommand({ Name: 'bad name' })),
    InvalidParameterException);
  const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: topicName() }));
  await assert.rejects(sns.send(new PublishCommand({ TopicArn, Message: '' })),
    (e) => e instanceof InvalidParameterException && /Empty message/.test(e.message));
});
