#!/usr/bin/env node
// Serval's Node.js runtime bootstrap (nodejs18.x, nodejs20.x, nodejs22.x).
//
// Runs the function named by _HANDLER (e.g. `index.handler`) from LAMBDA_TASK_ROOT through the
// real aws-lambda-ric package (node_modules beside this file), the way AWS's own Node.js images
// call it: run(LAMBDA_TASK_ROOT, _HANDLER). The ric's native addon is replaced by the pure-JS
// client in rapid-client.cjs (see there for why). Clients of the AWS SDK for JavaScript v3 reach
// Serval whatever its version (see below).

import { readFileSync } from 'node:fs';
import http from 'node:http';
import Module from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const nativeShim = path.join(here, 'rapid-client.cjs');
const ricDir = `${path.sep}node_modules${path.sep}aws-lambda-ric${path.sep}`;

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function resolveRapidClient(request, parent, ...rest) {
  if (request === './rapid-client.node' && parent?.filename?.includes(ricDir)) return nativeShim;
  return resolveFilename.call(this, request, parent, ...rest);
};

// Serval gives every environment AWS_ENDPOINT_URL, its own address. The JS SDK v3 reads it from
// @smithy/middleware-endpoint 2.1 on; clients of older versions, which a function may bundle in
// its zip, would call the real AWS. So when code loads an endpoint resolver of such a version,
// the resolver gives clients created without an `endpoint` AWS_ENDPOINT_URL instead, as newer
// ones do. (A function bundled into one file by esbuild or webpack loads no package, and is left
// as it is.)
const oldEndpointResolvers = new Map([
  ['@aws-sdk/config-resolver', { name: 'resolveEndpointsConfig' }], // before endpoint rulesets
  ['@aws-sdk/middleware-endpoint', { name: 'resolveEndpointConfig' }],
  ['@smithy/middleware-endpoint', { name: 'resolveEndpointConfig', before: [2, 1] }],
]);
const checkedPackages = new WeakMap(); // exports object -> the same exports, or a Proxy of them

function withConfiguredEndpoint(resolve) {
  return function resolveWithConfiguredEndpoint(input, ...rest) {
    const configured = process.env.AWS_ENDPOINT_URL;
    const ignored = process.env.AWS_IGNORE_CONFIGURED_ENDPOINT_URLS?.toLowerCase() === 'true';
    const defaulted = input?.endpoint == null && configured && !ignored;
    return resolve.call(this, defaulted ? { ...input, endpoint: configured } : input, ...rest);
  };
}

// [major, minor, patch] of the package `request` names, as `parent` resolves it; [] if unknown.
function packageVersion(request, parent) {
  try {
    const main = Module._resolveFilename(request, parent);
    const modules = `${path.sep}node_modules${path.sep}`;
    const manifest = `${main.slice(0, main.lastIndexOf(modules))}${modules}${request}/package.json`;
    return JSON.parse(readFileSync(manifest, 'utf8')).version.split('.').map(Number);
  } catch {
    return [];
  }
}

function isBefore(version, [major, minor]) {
  return version[0] < major || (version[0] === major && version[1] < minor);
}

const load = Module._load;
Module._load = function loadWithConfiguredEndpoint(request, parent, ...rest) {
  const exports = load.call(this, request, parent, ...rest);
  const resolver = oldEndpointResolvers.get(request);
  if (!resolver || exports === null || typeof exports !== 'object') return exports;
  let checked = checkedPackages.get(exports);
  if (!checked) {
    checked = exports;
    const resolve = exports[resolver.name];
    if (typeof resolve === 'function' &&
        (!resolver.before || isBefore(packageVersion(request, parent), resolver.before))) {
      const replacement = withConfiguredEndpoint(resolve);
      // A Proxy, because the packages export through getters that cannot be redefined.
      checked = new Proxy(exports, {
        get: (target, key, receiver) =>
          key === resolver.name ? replacement : Reflect.get(target, key, receiver),
      });
    }
    checkedPackages.set(exports, checked);
  }
  return checked;
};

// A spare environment (started before its function was known, with _SERVAL_SPARE set) waits,
// the ric already loaded, until Serval gives it a function: the answer is the function's whole
// environment (NAME=value, each NUL-terminated), which replaces the spare's; the code is at
// LAMBDA_TASK_ROOT by then.
function awaitFunction() {
  const address = process.env.AWS_LAMBDA_RUNTIME_API;
  const colon = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const request = http.get(
      { host: address.slice(0, colon), port: address.slice(colon + 1), path: '/serval/assignment',
        agent: false },
      (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('end', () => {
          if (response.statusCode !== 200) {
            reject(new Error(`Serval did not assign a function: ${response.statusCode}`));
            return;
          }
          for (const name of Object.keys(process.env)) delete process.env[name];
          for (const variable of Buffer.concat(chunks).toString('utf8').split('\0')) {
            const equals = variable.indexOf('=');
            if (equals > 0) process.env[variable.slice(0, equals)] = variable.slice(equals + 1);
          }
          resolve();
        });
      },
    );
    request.on('error', reject);
  });
}

const { run } = await import('aws-lambda-ric');
if (process.env._SERVAL_SPARE) await awaitFunction();

const taskRoot = process.env.LAMBDA_TASK_ROOT || '/var/task';
const handler = process.env._HANDLER || '';
// The ric requires these; Serval sets them, but a missing one must not crash every invoke.
process.env.AWS_LAMBDA_FUNCTION_VERSION ||= '$LATEST';
try {
  process.chdir(taskRoot);
} catch {
  // Keep the current directory; the handler is still loaded by absolute path.
}
await run(taskRoot, handler);
