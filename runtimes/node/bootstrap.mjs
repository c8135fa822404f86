#!/usr/bin/env node
// Serval's Node.js runtime bootstrap (nodejs18.x, nodejs20.x, nodejs22.x).
//
// Runs the function named by _HANDLER (e.g. `index.handler`) from LAMBDA_TASK_ROOT through the
// real aws-lambda-ric package (node_modules beside this file), the way AWS's own Node.js images
// call it: run(LAMBDA_TASK_ROOT, _HANDLER). The ric's native addon is replaced by the pure-JS
// client in rapid-client.cjs (see there for why).

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

const taskRoot = process.env.LAMBDA_TASK_ROOT || '/var/task';
const handler = process.env._HANDLER || '';
// The ric requires these; Serval sets them, but a missing one must not crash every invoke.
process.env.AWS_LAMBDA_FUNCTION_VERSION ||= '$LATEST';
try {
  process.chdir(taskRoot);
} catch {
  // Keep the current directory; the handler is still loaded by absolute path.
}

const { run } = await import('aws-lambda-ric');
await run(taskRoot, handler);
