// The real serval binary for the JS suites: SERVAL_BIN (or <repo>/build/serval) started with
// --port 0 (it names the port the kernel gave it in its ready line) and a fresh data dir, and
// stopped with SIGTERM, which must end it cleanly (exit 0 within 5 s).

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..', '..');
const servalBin = process.env.SERVAL_BIN || path.join(repoRoot, 'build', 'serval');
// Serval's last line of start-up (src/server/serve.cc).
const readyLine = /^Serval ready on (http:\/\/[^\s:]+:\d+) in /m;

// Starts serval (with `args` added to `serval up`'s) and waits until it answers
// /_serval/health. Returns {endpoint, output(), stop()}.
export async function startServal(label, { args = [] } = {}) {
  // SERVAL_ENDPOINT: use an already-running endpoint (e.g. moto_server) instead of the binary.
  if (process.env.SERVAL_ENDPOINT) {
    return { endpoint: process.env.SERVAL_ENDPOINT.replace(/\/$/, ''), output: () => '', stop: async () => {} };
  }
  assert.ok(fs.existsSync(servalBin), `serval binary not found at ${servalBin} (set SERVAL_BIN)`);
  const tmpRoot = fs.mkdtempSync(path.join(os.tmpdir(), `serval-e2e-${label}-`));
  const child = spawn(servalBin, ['up', '--host', '127.0.0.1', '--port', '0',
    '--data-dir', path.join(tmpRoot, 'data'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let endpoint;
  const deadline = Date.now() + 15000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`serval exited early:\n${output}`);
    endpoint ??= output.match(readyLine)?.[1];
    if (endpoint) {
      try {
        const r = await fetch(`${endpoint}/_serval/health`);
        if (r.status === 200) break;
      } catch { /* not answering yet */ }
    }
    if (Date.now() > deadline) throw new Error(`serval not healthy:\n${output}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', (code, sig) => resolve({ code, sig })));
      child.kill('SIGTERM');
      const res = await Promise.race([exited,
        new Promise((resolve) => setTimeout(() => resolve(null), 5000))]);
      if (res === null) {
        child.kill('SIGKILL');
        assert.fail(`serval did not exit within 5 s of SIGTERM\n${output.slice(-3000)}`);
      }
      assert.equal(res.code, 0, `serval exit code ${res.code} signal ${res.sig}\n${output.slice(-3000)}`);
    }
    if (!process.env.SERVAL_E2E_KEEP) fs.rmSync(tmpRoot, { recursive: true, force: true });
  };
  return { endpoint, output: () => output, stop };
}
