// Records what velocityjs 2.1.7 renders for each case in velocity_cases.json, the table that
// velocity_cases_test.cc checks Serval against.
//
//   cd tests/e2e/js && npm ci        # once: installs velocityjs (a devDependency)
//   node src/services/apigateway/vtl/testdata/render_with_velocityjs.mjs          # verify
//   node src/services/apigateway/vtl/testdata/render_with_velocityjs.mjs --write  # re-record
//
// Verify mode exits 1 when a recorded `expected` is not what velocityjs renders. --write
// rewrites every `expected` (cases where velocityjs throws record "ERROR: <message>").
// `serval_expected` and `why` are written by hand where Velocity 1.7, as API Gateway runs it,
// answers differently from velocityjs; this script keeps them as they are.

import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const require = createRequire(new URL('../../../../../tests/e2e/js/package.json', import.meta.url));
const velocity = require('velocityjs');

const casesPath = `${here}velocity_cases.json`;
const cases = JSON.parse(readFileSync(casesPath, 'utf8'));
const write = process.argv.includes('--write');

function render(template, vars) {
  try {
    return velocity.render(template, structuredClone(vars));
  } catch (e) {
    return `ERROR: ${String(e.message).split('\n')[0]}`;
  }
}

let mismatches = 0;
for (const c of cases) {
  const actual = render(c.template, c.vars);
  if (write) {
    c.expected = actual;
  } else if (actual !== c.expected) {
    mismatches++;
    console.log(`${c.name}: recorded ${JSON.stringify(c.expected)}, velocityjs renders ${JSON.stringify(actual)}`);
  }
}
if (write) {
  writeFileSync(casesPath, JSON.stringify(cases, null, 2) + '\n');
  console.log(`recorded ${cases.length} cases`);
} else {
  console.log(`${cases.length} cases, ${mismatches} mismatches`);
  process.exitCode = mismatches === 0 ? 0 : 1;
}
