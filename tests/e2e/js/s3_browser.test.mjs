// Browser uploads to serval's S3 in Debian's headless Chromium (puppeteer-core), from a page on
// another origin, as a web application does them: an HTML <form> posting a createPresignedPost
// form with a file the user picked (S3 answers 303 to the page's success_action_redirect), and
// script uploads with fetch — a FormData POST and a presigned PUT with a Content-Type, which
// needs the bucket's CORS rules to answer the browser's preflight. The objects are then read back
// with the SDK.
// Run: node --test tests/e2e/js/s3_browser.test.mjs

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  S3Client, CreateBucketCommand, PutBucketCorsCommand, GetObjectCommand, HeadObjectCommand,
  PutObjectCommand,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { launchChromium } from './chromium.mjs';
import { startServal } from './serval_process.mjs';

let serval; let s3; let browser; let page; let site; let origin;
const Bucket = `browser-${randomUUID().slice(0, 8)}`;
const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'serval-browser-upload-'));

// The application's own server: an empty page to run scripts in, the page with the form (its
// fields given in the query as JSON), and the page S3 redirects to once the form is stored.
function startSite() {
  return new Promise((resolve) => {
    const server = http.createServer((request, response) => {
      const url = new URL(request.url, 'http://site');
      response.setHeader('Content-Type', 'text/html; charset=utf-8');
      if (url.pathname === '/form') {
        const { action, fields } = JSON.parse(url.searchParams.get('spec'));
        const hidden = Object.entries(fields).map(([name, value]) =>
          `<input type="hidden" name="${name}" value="${value.replace(/"/g, '&quot;')}">`).join('\n');
        response.end(`<!doctype html><form method="post" enctype="multipart/form-data"
          action="${action}">${hidden}<input type="file" name="file" id="file">
          <button id="send" type="submit">Upload</button></form>`);
      } else {
        response.end(`<!doctype html><title>${url.pathname}</title><p id="where">${url.search}</p>`);
      }
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

before(async () => {
  serval = await startServal('s3browser');
  s3 = new S3Client({
    endpoint: serval.endpoint, region: 'us-east-1', forcePathStyle: true, maxAttempts: 1,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });
  site = await startSite();
  origin = `http://127.0.0.1:${site.address().port}`;
  await s3.send(new CreateBucketCommand({ Bucket }));
  await s3.send(new PutBucketCorsCommand({ Bucket, CORSConfiguration: { CORSRules: [{
    AllowedOrigins: [origin], AllowedMethods: ['GET', 'PUT', 'POST'], AllowedHeaders: ['*'],
    ExposeHeaders: ['ETag', 'Location'], MaxAgeSeconds: 60 }] } }));
  browser = await launchChromium();
  page = await browser.newPage();
});

after(async () => {
  await browser?.close();
  site?.close();
  s3?.destroy();
  await serval?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

async function body(Key) {
  return (await s3.send(new GetObjectCommand({ Bucket, Key }))).Body.transformToString();
}

test('an HTML form posts the picked file and S3 redirects back to the page', async () => {
  const { url, fields } = await createPresignedPost(s3, {
    Bucket, Key: 'forms/${filename}', Expires: 600,
    Fields: { success_action_redirect: `${origin}/done`, 'Content-Type': 'text/plain' },
  });
  const picked = path.join(scratch, 'notes from the user.txt');
  fs.writeFileSync(picked, 'typed in a browser\n');
  const spec = encodeURIComponent(JSON.stringify({ action: url, fields }));
  await page.goto(`${origin}/form?spec=${spec}`);
  await (await page.$('#file')).uploadFile(picked);
  await Promise.all([page.waitForNavigation(), page.click('#send')]);
  const landed = new URL(page.url());
  assert.equal(`${landed.origin}${landed.pathname}`, `${origin}/done`);
  assert.equal(landed.searchParams.get('bucket'), Bucket);
  assert.equal(landed.searchParams.get('key'), 'forms/notes from the user.txt');
  assert.match(landed.searchParams.get('etag'), /^"[0-9a-f]{32}"$/);
  assert.equal(await body('forms/notes from the user.txt'), 'typed in a browser\n');
  const head = await s3.send(new HeadObjectCommand({ Bucket, Key: 'forms/notes from the user.txt' }));
  assert.equal(head.ContentType, 'text/plain');
});

test('scripts on another origin upload with fetch: a FormData POST and a presigned PUT', async () => {
  const post = await createPresignedPost(s3, { Bucket, Key: 'fetched/post.json', Expires: 600 });
  const put = await getSignedUrl(s3, new PutObjectCommand({
    Bucket, Key: 'fetched/put.json', ContentType: 'application/json' }), { expiresIn: 600 });
  await page.goto(`${origin}/blank`);
  const answers = await page.evaluate(async ({ post, put }) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob(['{"via":"post"}'], { type: 'application/json' }), 'post.json');
    const posted = await fetch(post.url, { method: 'POST', body: form });
    // A Content-Type other than the CORS-safelisted ones makes the browser ask first (OPTIONS).
    const putted = await fetch(put, { method: 'PUT', body: '{"via":"put"}',
      headers: { 'Content-Type': 'application/json' } });
    return {
      post: { status: posted.status, etag: posted.headers.get('etag'),
        location: posted.headers.get('location') },
      put: { status: putted.status, etag: putted.headers.get('etag') },
    };
  }, { post, put });
  assert.equal(answers.post.status, 204);
  assert.match(answers.post.etag, /^"[0-9a-f]{32}"$/);
  assert.equal(answers.post.location, `${serval.endpoint}/${Bucket}/fetched%2Fpost.json`);
  assert.equal(answers.put.status, 200);
  assert.match(answers.put.etag, /^"[0-9a-f]{32}"$/);
  assert.equal(await body('fetched/post.json'), '{"via":"post"}');
  assert.equal(await body('fetched/put.json'), '{"via":"put"}');
});

test('a page on an origin the bucket does not allow cannot read S3 answers', async () => {
  const post = await createPresignedPost(s3, { Bucket, Key: 'fetched/denied.json', Expires: 600 });
  await page.goto(`http://localhost:${site.address().port}/blank`);  // another origin
  const outcome = await page.evaluate(async (post) => {
    const form = new FormData();
    for (const [name, value] of Object.entries(post.fields)) form.append(name, value);
    form.append('file', new Blob(['x']), 'denied.json');
    try {
      await fetch(post.url, { method: 'POST', body: form });
      return 'read';
    } catch (error) {
      return `blocked: ${error.name}`;
    }
  }, post);
  assert.equal(outcome, 'blocked: TypeError');
});
