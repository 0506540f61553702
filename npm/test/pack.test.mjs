// npm/scripts/pack.mjs as a developer runs it: from a clone whose path has a space in it
// ("~/My Projects/signintokens"), which a file: URL spells %20.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const npmDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

test('pack.mjs works from a clone whose path has a space', () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'signintokens-pack-'));
  try {
    const clone = path.join(tmp, 'My Projects', 'npm');
    fs.cpSync(npmDir, clone, { recursive: true, filter: (src) => !/\/(test|node_modules)$/.test(src) });
    const binary = path.join(tmp, 'signintoken');
    fs.writeFileSync(binary, '#!/bin/sh\n', { mode: 0o755 });
    const out = path.join(tmp, 'out');
    execFileSync(process.execPath, [path.join(clone, 'scripts', 'pack.mjs'), '--version', '1.2.3', '--out', out, '--binary', `linux-x64=${binary}`], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    const tarballs = fs.readdirSync(out).filter((f) => f.endsWith('.tgz')).sort();
    assert.deepEqual(tarballs, ['clerkgen-signintokens-fake-1.2.3.tgz', 'clerkgen-signintokens-fake-linux-x64-1.2.3.tgz']);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
