// @clerkgen/signintokens-fake as a user gets it: the tarballs `make npm-pack` wrote (NPM_DIST,
// default dist/npm) installed offline into an empty project, then startFake() driven with
// Clerk's own @clerk/backend (from this directory's committed lockfile). Run by `make npm-test`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createClerkClient } from '@clerk/backend';
import { isClerkAPIResponseError } from '@clerk/backend/errors';

const here = path.dirname(fileURLToPath(import.meta.url));
const dist = process.env.NPM_DIST ?? path.resolve(here, '../../dist/npm');
const key = 'sk_test_npmpackage0123456789abcdefghij';
delete process.env.SIGNINTOKEN_FAKE_BINARY; // the installed package's binary, nothing else
delete process.env.SIGNINTOKEN_FAKE_KEY;

let project; // the empty project the tarballs are installed into
let entry; // its node_modules/@clerkgen/signintokens-fake/index.js
let fakePkg; // what that exports

before(async () => {
  const tarballs = fs.readdirSync(dist).filter((f) => f.endsWith('.tgz'));
  const main = tarballs.find((f) => /^clerkgen-signintokens-fake-\d/.test(f));
  const linux = tarballs.find((f) => f.startsWith('clerkgen-signintokens-fake-linux-x64-'));
  assert.ok(main && linux, `the main and linux-x64 tarballs in ${dist} (run make npm-pack): ${tarballs}`);
  project = fs.mkdtempSync(path.join(os.tmpdir(), 'signintokens-fake-consumer-'));
  fs.writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, version: '1.0.0' }));
  // --offline: nothing may be fetched. The other platforms' packages are optional and absent.
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', path.join(dist, main), path.join(dist, linux)], {
    cwd: project,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  entry = path.join(project, 'node_modules', '@clerkgen', 'signintokens-fake', 'index.js');
  fakePkg = await import(pathToFileURL(entry));
});

after(() => {
  if (project) fs.rmSync(project, { recursive: true, force: true });
});

// isRunning: the process exists and is not a zombie waiting for a parent that never reaps it.
function isRunning(pid) {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false; // gone between the two looks
  }
}

// gone waits, at most 10 s, for pid to end (--exit-with-parent looks every 250 ms).
async function gone(pid) {
  for (let i = 0; i < 100 && isRunning(pid); i++) await new Promise((r) => setTimeout(r, 100));
  return !isRunning(pid);
}

test('installed offline, the binary comes from the linux-x64 package', () => {
  const bin = fakePkg.binaryPath();
  assert.equal(bin, path.join(project, 'node_modules', '@clerkgen', 'signintokens-fake-linux-x64', 'bin', 'signintoken'));
  fs.accessSync(bin, fs.constants.X_OK);
  const installed = JSON.parse(fs.readFileSync(path.join(project, 'node_modules', '@clerkgen', 'signintokens-fake', 'package.json'), 'utf8'));
  const version = execFileSync(bin, ['version'], { encoding: 'utf8' });
  assert.match(version, new RegExp(`^signintoken v${installed.version.replaceAll('.', '\\.')} \\(Clerk API `), 'the binary is the version of the package');
  // The types ship with it.
  assert.ok(fs.existsSync(path.join(path.dirname(entry), 'index.d.ts')));
});

test('@clerk/backend creates and revokes against startFake(), a queued 429 and an expected violation; stop() resolves 0', async () => {
  const fake = await fakePkg.startFake({ users: ['user_npm'], rateLimit: '100/10s' });
  try {
    assert.match(fake.apiUrl, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(fake.env, { CLERK_API_URL: fake.apiUrl, CLERK_SECRET_KEY: fake.secretKey });
    const clerk = createClerkClient({ secretKey: fake.env.CLERK_SECRET_KEY, apiUrl: fake.env.CLERK_API_URL });

    const tok = await clerk.signInTokens.createSignInToken({ userId: 'user_npm', expiresInSeconds: 600 });
    assert.match(tok.id, /^sit_/);
    assert.equal(tok.status, 'pending');
    const revoked = await clerk.signInTokens.revokeSignInToken(tok.id);
    assert.equal(revoked.status, 'revoked');
    assert.deepEqual((await fake.control.tokens()).map((t) => [t.id, t.status]), [[tok.id, 'revoked']]);

    // A user --users does not name is Clerk's 404, not a violation.
    await assert.rejects(clerk.signInTokens.createSignInToken({ userId: 'user_other', expiresInSeconds: 60 }), (e) => isClerkAPIResponseError(e) && e.status === 404);

    await fake.control.fault({ kind: 'fail', status: 429, retry_after_seconds: 2 });
    await assert.rejects(
      clerk.signInTokens.createSignInToken({ userId: 'user_npm', expiresInSeconds: 60 }),
      (e) => isClerkAPIResponseError(e) && e.status === 429 && e.retryAfter === 2,
    );

    // expires_in_seconds as a string breaks the contract; the test says it will.
    await fake.control.expectViolations(1);
    await assert.rejects(clerk.signInTokens.createSignInToken({ userId: 'user_npm', expiresInSeconds: 'soon' }));
  } finally {
    const { code, summary } = await fake.stop();
    assert.equal(code, 0);
    assert.equal(typeof summary, 'object', 'the --summary-json document');
  }
  assert.equal(isRunning(fake.pid), false, 'stopped means gone');
});

test('an unexpected violation: stop() rejects with exit status 3 and the summary', async () => {
  const fake = await fakePkg.startFake();
  const clerk = createClerkClient({ secretKey: fake.env.CLERK_SECRET_KEY, apiUrl: fake.env.CLERK_API_URL });
  await assert.rejects(clerk.signInTokens.createSignInToken({ userId: 'user_npm', expiresInSeconds: 'soon' }));
  await assert.rejects(fake.stop(), (err) => {
    assert.equal(err.name, 'FakeExitError');
    assert.equal(err.code, 3);
    assert.match(err.message, /unexpected contract violations/);
    assert.match(err.message, /1 (contract|unexpected) violation/, 'the fake\'s own summary');
    assert.ok(!err.message.includes(fake.secretKey) && !err.log.includes(fake.secretKey), 'never the key');
    return true;
  });
  // Asked not to reject, the same outcome resolves.
  const { code } = await fake.stop({ allowViolations: true });
  assert.equal(code, 3);
});

test('the key goes to the fake in SIGNINTOKEN_FAKE_KEY, never on its command line', async () => {
  const fake = await fakePkg.startFake({ key });
  try {
    const cmdline = fs.readFileSync(`/proc/${fake.pid}/cmdline`, 'utf8');
    assert.ok(cmdline.includes('--exit-with-parent'), cmdline);
    assert.ok(!cmdline.includes(key), 'the key is not in /proc/PID/cmdline');
    assert.equal(fake.secretKey, key, 'the fake took the key from SIGNINTOKEN_FAKE_KEY');
  } finally {
    await fake.stop();
  }
});

test('the fake answers its health endpoint', async () => {
  const fake = await fakePkg.startFake();
  try {
    assert.equal(await fake.control.health(), true);
  } finally {
    await fake.stop();
  }
});

// A runner killed with SIGKILL runs no handler: --exit-with-parent must stop the fake.
test('a test runner killed with SIGKILL leaves no fake behind', async () => {
  const runner = spawn(process.execPath, ['--input-type=module', '-e', `
    const { startFake } = await import(${JSON.stringify(pathToFileURL(entry).href)});
    const fake = await startFake();
    console.log(JSON.stringify({ pid: fake.pid }));
    setInterval(() => {}, 1000); // a runner busy with its tests
  `], { stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise((resolve, reject) => {
    runner.stdout.once('data', (b) => resolve(b.toString()));
    runner.once('exit', (code) => reject(new Error(`runner exited ${code} before starting the fake`)));
  });
  const { pid } = JSON.parse(line);
  assert.ok(isRunning(pid), 'the fake runs while its runner does');
  runner.kill('SIGKILL');
  assert.ok(await gone(pid), `fake ${pid} still running 10 s after its runner was killed`);
});

// A runner that ends without stop() (a forgotten stop, an uncaught error) is not held open by
// the fake, and takes it along.
test('a runner that exits without stop() ends, and leaves no fake behind', async () => {
  // Its own temporary directory, to see that startFake's (for the summary) goes too.
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'signintokens-fake-runner-'));
  try {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', `
      const { startFake } = await import(${JSON.stringify(pathToFileURL(entry).href)});
      const fake = await startFake();
      console.log(JSON.stringify({ pid: fake.pid }));
    `], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, TMPDIR: tmp } });
    const { pid } = JSON.parse(out);
    assert.ok(await gone(pid), `fake ${pid} still running after its runner exited`);
    assert.deepEqual(fs.readdirSync(tmp), [], 'startFake left its temporary directory behind');
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});

test('startFake refuses bad options before starting anything', async () => {
  await assert.rejects(fakePkg.startFake({ key: 'sk_live_real' }), /sk_test_/);
  await assert.rejects(fakePkg.startFake({ users: [] }), /users/);
  await assert.rejects(fakePkg.startFake({ users: ['a,b'] }), /users/);
  await assert.rejects(fakePkg.startFake({ rateLimit: 100 }), /rateLimit/);
  await assert.rejects(fakePkg.startFake({ port: 8080 }), /unknown option "port"/);
});

test('a fake that refuses to start rejects startFake with its reason', async () => {
  await assert.rejects(fakePkg.startFake({ rateLimit: '0/10s' }), (err) => {
    assert.equal(err.code, 2);
    assert.match(err.message, /rate-limit/);
    return true;
  });
});
