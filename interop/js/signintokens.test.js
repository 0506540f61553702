// @clerk/backend against the built `signintoken fake`, configured with exactly the two lines the
// fake printed (interop/with-fake.sh puts them in the environment). Run by `make interop`.
// The tests in this file run in order, against one fake.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { createClerkClient } from '@clerk/backend';
import { isClerkAPIResponseError } from '@clerk/backend/errors';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const { CLERK_API_URL, CLERK_SECRET_KEY } = process.env;
const clerk = createClerkClient({ secretKey: CLERK_SECRET_KEY, apiUrl: CLERK_API_URL });

// The fake's control API (see clienttest/control.yaml): same origin, same key.
async function control(method, path, body) {
  const res = await fetch(`${CLERK_API_URL}/__clienttest/${path}`, {
    method,
    headers: { Authorization: `Bearer ${CLERK_SECRET_KEY}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} /__clienttest/${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function storedToken(id) {
  const { tokens } = await control('GET', 'tokens');
  return tokens.find((t) => t.id === id);
}

// What SignInToken declares (its fields, in @clerk/backend 3.25.0's SignInToken.d.ts). A field
// the SDK adds fails checkFields until it is checked here too.
const declared = ['id', 'userId', 'token', 'status', 'url', 'createdAt', 'updatedAt'];

// checkFields asserts every field as the spec describes it: a sit_ id, the user, the status,
// the ticket and URL while pending (the spec omits both once revoked), Unix milliseconds.
function checkFields(tok, { userId, status, since }) {
  assert.deepEqual(Object.keys(tok).sort(), [...declared].sort(), 'SignInToken fields');
  assert.match(tok.id, /^sit_\w+$/);
  assert.equal(tok.userId, userId);
  assert.equal(tok.status, status);
  const now = Date.now();
  if (status === 'pending') {
    assert.match(tok.token, /^[\w-]+\.[\w-]+\.[\w-]+$/, 'token is a JWT');
    assert.ok(tok.url.includes(tok.token), 'url carries the ticket');
    assert.ok(Number.isInteger(tok.createdAt) && tok.createdAt >= since && tok.createdAt <= now, `createdAt ${tok.createdAt} in ms`);
    assert.equal(tok.updatedAt, tok.createdAt);
  } else {
    assert.equal(tok.token, undefined, 'no token once revoked');
    assert.equal(tok.url, undefined, 'no url once revoked');
    assert.ok(Number.isInteger(tok.createdAt) && tok.createdAt > 0 && tok.createdAt <= now, `createdAt ${tok.createdAt} in ms`);
    assert.ok(Number.isInteger(tok.updatedAt) && tok.updatedAt >= since && tok.updatedAt <= now, `updatedAt ${tok.updatedAt} in ms`);
  }
}

// rejectsWith asserts the SDK's ClerkAPIResponseError, with Clerk's error body read.
async function rejectsWith(promise, status, code) {
  let err;
  await assert.rejects(promise, (e) => ((err = e), true));
  assert.ok(isClerkAPIResponseError(err), `${err} is not a ClerkAPIResponseError`);
  assert.equal(err.status, status);
  assert.ok(err.errors.length > 0, 'errors parsed');
  const [first] = err.errors;
  if (code) assert.equal(first.code, code);
  assert.ok(first.code && first.message && first.longMessage, `error ${JSON.stringify(first)}`);
  assert.ok(err.clerkTraceId, 'clerk_trace_id read');
  return err;
}

before(() => {
  // Exactly the printed lines: an origin (the SDK adds /v1) and a development key.
  assert.match(CLERK_API_URL ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, 'CLERK_API_URL (run through interop/with-fake.sh)');
  assert.match(CLERK_SECRET_KEY ?? '', /^sk_test_/, 'CLERK_SECRET_KEY');
});

test('create, revoke, revoke twice', async () => {
  const since = Date.now();
  const tok = await clerk.signInTokens.createSignInToken({ userId: 'user_2interop', expiresInSeconds: 3600 });
  checkFields(tok, { userId: 'user_2interop', status: 'pending', since });
  const stored = await storedToken(tok.id);
  assert.equal(stored.expires_at - stored.created_at, 3600 * 1000, 'expiresInSeconds reached the fake');
  assert.equal(stored.organization_id, null);

  const revoked = await clerk.signInTokens.revokeSignInToken(tok.id);
  checkFields(revoked, { userId: 'user_2interop', status: 'revoked', since });
  assert.equal(revoked.id, tok.id);
  assert.equal(revoked.createdAt, tok.createdAt);

  await rejectsWith(clerk.signInTokens.revokeSignInToken(tok.id), 400, 'sign_in_token_cannot_be_revoked_code');
});

test('create with an organization', async () => {
  const since = Date.now();
  const tok = await clerk.signInTokens.createSignInToken({ userId: 'user_2interop', orgId: 'org_2interop', expiresInSeconds: 60 });
  checkFields(tok, { userId: 'user_2interop', status: 'pending', since });
  assert.equal((await storedToken(tok.id)).organization_id, 'org_2interop');
});

test('revoking an unknown id is 404', async () => {
  await rejectsWith(clerk.signInTokens.revokeSignInToken('sit_2doesnotexist'), 404, 'resource_not_found');
});

test('a queued 429 reaches the SDK with Retry-After', async () => {
  await control('POST', 'faults', { kind: 'fail', status: 429, retry_after_seconds: 2 });
  const err = await rejectsWith(clerk.signInTokens.createSignInToken({ userId: 'user_2interop', expiresInSeconds: 60 }), 429);
  assert.equal(err.retryAfter, 2);
  // The fault was consumed: the next call succeeds.
  await clerk.signInTokens.createSignInToken({ userId: 'user_2interop', expiresInSeconds: 60 });
});

// The mistake this fake used to invite: apiUrl ending in /v1, to which the SDK adds its own.
// The request fails, and the fake says why. This test provokes it on purpose, so it says so
// first: the violation is expected, and the job stays green.
test('an apiUrl ending in /v1 is diagnosed', async () => {
  await control('POST', 'expectations', { count: 1, kind: 'path_has_v1_twice' });
  const doubled = createClerkClient({ secretKey: CLERK_SECRET_KEY, apiUrl: `${CLERK_API_URL}/v1` });
  await rejectsWith(doubled.signInTokens.createSignInToken({ userId: 'user_2interop', expiresInSeconds: 60 }), 404);
  const { violations } = await control('GET', 'violations');
  const last = violations.at(-1);
  assert.equal(last.kind, 'path_has_v1_twice', JSON.stringify(violations));
  assert.equal(last.expected, true);
  assert.match(last.message, /\/v1 twice.*CLERK_API_URL=http:\/\/127\.0\.0\.1:\d+, without \/v1/);
});

// A test of the wrong-key path is a normal negative test: answered 401 as Clerk answers it,
// counted as an auth failure, never a violation. The job stays green, with no reset.
test('a bad key is 401, and leaves the job green', async () => {
  const before = (await control('GET', 'requests')).counts;
  const wrong = createClerkClient({ secretKey: 'sk_test_notthefakeskey', apiUrl: CLERK_API_URL });
  await rejectsWith(wrong.signInTokens.createSignInToken({ userId: 'user_2interop', expiresInSeconds: 60 }), 401, 'clerk_key_invalid');
  const after = (await control('GET', 'requests')).counts;
  assert.equal(after.auth_failures, before.auth_failures + 1);
  assert.equal(after.unexpected_violations, before.unexpected_violations);
});

// A test that sends a bad request on purpose (an empty userId) marks it expected first; the
// fake answers it as Clerk would and reports it apart.
test('an expected violation leaves the job green', async () => {
  await control('POST', 'expectations', { count: 1, kind: 'form_param_missing' });
  await rejectsWith(clerk.signInTokens.createSignInToken({ userId: '', expiresInSeconds: 60 }), 422, 'form_param_missing');
  const { violations } = await control('GET', 'violations');
  assert.deepEqual({ kind: violations.at(-1).kind, expected: violations.at(-1).expected }, { kind: 'form_param_missing', expected: true });
});

// startFake runs another fake, apart from the one this file runs against, for a test that
// must see it fail: SIGNINTOKEN_BIN is the built binary (make interop sets it).
async function startFake() {
  const bin = process.env.SIGNINTOKEN_BIN;
  assert.ok(bin, 'SIGNINTOKEN_BIN (make interop sets it)');
  const child = spawn(bin, ['fake', '--addr', '127.0.0.1:0', '--exit-with-parent'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const vars = {};
  for await (const line of createInterface({ input: child.stdout })) {
    const at = line.indexOf('=');
    vars[line.slice(0, at)] = line.slice(at + 1);
    if (vars.CLERK_API_URL && vars.CLERK_SECRET_KEY) break;
  }
  child.stdout.resume();
  return {
    client: createClerkClient({ secretKey: vars.CLERK_SECRET_KEY, apiUrl: vars.CLERK_API_URL }),
    async stop() {
      child.kill('SIGTERM');
      return { code: await exited, stderr };
    },
  };
}

// The same bad request, not marked, fails the job (exit 3), even though the code under test
// swallowed the 422.
test('an unexpected violation turns the job red (exit 3)', async () => {
  const other = await startFake();
  await other.client.signInTokens.createSignInToken({ userId: '', expiresInSeconds: 60 }).catch(() => {});
  const { code, stderr } = await other.stop();
  assert.equal(code, 3, stderr);
  assert.match(stderr, /1 unexpected violation,/);
  assert.match(stderr, /- unexpected violation \(form_param_missing\)/);
});

// Last: what this file's fake will report at exit. with-fake.sh fails the job on anything
// unexpected; this says which test caused it.
test('nothing unexpected', async () => {
  const { counts } = await control('GET', 'requests');
  assert.equal(counts.unexpected_violations, 0, JSON.stringify(await control('GET', 'violations')));
  assert.equal(counts.fake_errors, 0);
  assert.equal(counts.expected_violations, 2);
});
