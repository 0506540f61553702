// The fake's answers checked against Clerk's published file, by a validator that is not ours.
//
// clienttest checks every answer of the fake against our openapi.yaml, which is Clerk's two
// operations plus the overlay's additions (spec/overlay.yaml), with kin-openapi. This suite checks
// the same answers against Clerk's own full file (spec/clerk/2026-05-12.yml, byte for byte from
// clerk/openapi-specs) with another implementation: Stoplight Prism, run as a validating proxy
// (`prism proxy <Clerk's file> <the fake>/v1`) in front of the built `signintoken fake`. Every
// request goes through Prism, which validates the request and the fake's answer (status, body,
// headers, content type) and reports what it finds in an `sl-violations` header and in its log.
//
// Driven with @clerk/backend (as interop/js) and with plain HTTP for the requests an SDK will not
// send: create, create with an organization, revoke, revoke twice (400), an unknown id or user
// (404), the 422s, 401 and 429. The suite fails on any response violation Prism reports, of any
// severity, and on any request violation but those a test makes on purpose (named in that test).
// One exception, by name, in prism.js's overlayStatuses: 401 and 429, which the live API answers
// and Clerk's file does not list (our overlay adds them); Prism can only say it cannot match
// them, and checks nothing else of them, so their bodies are checked by clienttest against our
// openapi.yaml alone. The stub test proves the check can fail: a server answering off Clerk's
// schema, behind a Prism of its own, is reported (a body missing required fields, an extra
// field, the wrong content type, an error body without `errors`, a status Clerk's file does not
// declare); problems.test.js pins the rule itself. After the run, every violation in Prism's log
// must have reached a header, so none goes unread.
//
// The fake keeps its own verdict: each request a test sends breaking our openapi.yaml on purpose
// is marked as expected first (POST /__clienttest/expectations, with the kind of violation it
// must be), and the fake must exit 0, having seen exactly the violations marked and no other; a
// test proves that verdict fails the suite on a violation no test marked.
//
// Run by `make interop` (npm ci from the committed lockfile, then node --test with
// SIGNINTOKEN_BIN set to the built binary). Prism 5.14.2 is pinned, the last that runs on Node 20
// (5.15.10 and later require Node >= 24.14); with its dependencies it needs Node >= 20.16 (jsep),
// as package.json's engines says. Start-up is bounded (Prism reads the whole 700 KB file:
// a few seconds, tens on a loaded machine; its port is polled, at most 120 s), and so is every
// request (10 s).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { once } from 'node:events';
import {
  record, taken, problems, startFake, startPrism, loggedViolations, reportedViolations, expectViolation, fakeCounts, fakeProblems,
} from './prism.js';

record(); // before @clerk/backend is imported: see record
const { createClerkClient } = await import('@clerk/backend');
const { isClerkAPIResponseError } = await import('@clerk/backend/errors');

const requestTimeout = 10_000;
const testTimeout = { timeout: 60_000 }; // a few requests, each bounded by requestTimeout
let fake, stub, toFake, toStub, clerk;
let marked = 0; // violations marked as expected on the fake

// expecting marks the next violation the fake sees as expected, of kind.
async function expecting(kind) {
  await expectViolation(fake, kind);
  marked++;
}

// A server that answers off Clerk's schema on purpose: the check must report each answer.
function startStub() {
  const json = 'application/json';
  const answers = {
    // SignInToken without user_id, created_at, updated_at, and with a field it does not declare.
    'POST /v1/sign_in_tokens': [200, json, { object: 'sign_in_token', id: 'sit_2stub', status: 'pending', extra: true }],
    'POST /v1/sign_in_tokens/sit_2text/revoke': [200, 'text/plain', 'revoked'],
    'POST /v1/sign_in_tokens/sit_2noerrors/revoke': [404, json, { error: 'not found' }],
    'POST /v1/sign_in_tokens/sit_2teapot/revoke': [418, json, { errors: [] }],
  };
  const srv = http.createServer((req, res) => {
    const [status, type, body] = answers[`${req.method} ${req.url}`] ?? [500, json, { errors: [] }];
    res.writeHead(status, { 'Content-Type': type });
    res.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
  srv.listen(0, '127.0.0.1');
  return once(srv, 'listening').then(() => ({ srv, origin: `http://127.0.0.1:${srv.address().port}` }));
}

before(async () => {
  const bin = process.env.SIGNINTOKEN_BIN;
  assert.ok(bin, 'SIGNINTOKEN_BIN: the built signintoken binary (make interop sets it)');
  [fake, stub] = await Promise.all([startFake(bin, ['--users', 'user_2prism']), startStub()]);
  [toFake, toStub] = await Promise.all([startPrism(`${fake.apiURL}/v1`), startPrism(`${stub.origin}/v1`)]);
  // Clerk's paths have no /v1 (its server URL carries it), so the /v1 is the upstream's and the
  // SDK, which adds apiVersion to apiUrl, is told to add none.
  clerk = createClerkClient({ secretKey: fake.secretKey, apiUrl: toFake.origin, apiVersion: '' });
}, { timeout: 180_000 }); // startPrism's bound (120 s) and the fake's (30 s), with room

after(async () => {
  const counts = fake && (await fakeCounts(fake));
  const [prismToFake, prismToStub, fakeExit] = await Promise.all([toFake?.stop(), toStub?.stop(), fake?.stop()]);
  stub?.srv.close();
  for (const [proxy, exit] of [[toFake, prismToFake], [toStub, prismToStub]]) {
    if (!proxy) continue;
    // Every violation Prism logged reached a header this suite read.
    const logged = loggedViolations(proxy.output());
    assert.equal(logged.length, reportedViolations(proxy.origin), `Prism (${proxy.origin}) logged:\n${logged.join('\n')}`);
    assert.ok(exit.code === 0 || exit.signal === 'SIGTERM', `prism exited ${JSON.stringify(exit)}`);
  }
  // The fake's verdict: every violation it saw was marked, and none of its answers broke its
  // contract (the 401s are auth failures, which fail nothing without --strict).
  if (fake) assert.deepEqual(fakeProblems({ exit: fakeExit, counts }, marked), [], `the fake's log:\n${fake.output()}`);
}, { timeout: 30_000 }); // each stop is bounded by 10 s

// checked asserts that the exchanges through proxy since the last check are those with statuses
// (in order) and that Prism found nothing in them but the request violations named in expected.
function checked(proxy, statuses, expected = []) {
  const seen = taken(proxy.origin);
  assert.deepEqual(seen.map((e) => e.status), statuses, 'statuses through Prism');
  for (const e of seen) {
    assert.deepEqual(problems(e, expected), [], `${e.method} ${e.path} answered ${e.status}: Prism found`);
  }
}

// post sends a request through proxy as plain HTTP: what no SDK sends. authorization: null
// sends none.
async function post(proxy, path, { authorization = bearer(), body, type = 'application/json' } = {}) {
  const headers = {};
  if (authorization !== null) headers.Authorization = authorization;
  if (body !== undefined) headers['Content-Type'] = type;
  const res = await fetch(`${proxy.origin}${path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(requestTimeout) });
  return { status: res.status, body: await res.text() };
}

const bearer = () => `Bearer ${fake.secretKey}`;

async function rejectsWith(promise, status) {
  await assert.rejects(promise, (err) => isClerkAPIResponseError(err) && err.status === status);
}

test('create, revoke, revoke twice (400)', testTimeout, async () => {
  const tok = await clerk.signInTokens.createSignInToken({ userId: 'user_2prism', expiresInSeconds: 3600 });
  assert.equal(tok.status, 'pending');
  const revoked = await clerk.signInTokens.revokeSignInToken(tok.id);
  assert.equal(revoked.status, 'revoked');
  await rejectsWith(clerk.signInTokens.revokeSignInToken(tok.id), 400);
  checked(toFake, [200, 200, 400]);
});

test('create with an organization', testTimeout, async () => {
  const tok = await clerk.signInTokens.createSignInToken({ userId: 'user_2prism', orgId: 'org_2prism', expiresInSeconds: 60 });
  assert.equal(tok.userId, 'user_2prism');
  checked(toFake, [200]);
});

test('an unknown id or user is 404', testTimeout, async () => {
  await rejectsWith(clerk.signInTokens.revokeSignInToken('sit_2doesnotexist'), 404);
  await rejectsWith(clerk.signInTokens.createSignInToken({ userId: 'user_2nobody', expiresInSeconds: 60 }), 404);
  checked(toFake, [404, 404]);
});

test('the 422s: requests Clerk allows and our spec refuses', testTimeout, async () => {
  // An empty user_id, and no body at all: valid in Clerk's file (its requestBody is optional);
  // the fake answers 422 as Clerk does. (Not 60.0 seconds, also valid there: Prism forwards the
  // body it parsed, re-serialized, so the fake would see 60.)
  await expecting('form_param_missing');
  assert.equal((await post(toFake, '/sign_in_tokens', { body: '{"user_id":""}' })).status, 422);
  await expecting('request_body_invalid');
  assert.equal((await post(toFake, '/sign_in_tokens')).status, 422);
  checked(toFake, [422, 422]);
});

test('the 422s: requests Clerk refuses too', testTimeout, async () => {
  const cases = [
    ['{}', 'form_param_missing', /must have required property 'user_id'/],
    ['{"user_id":"user_2prism","expires_in_seconds":0}', 'form_param_value_invalid', /expires_in_seconds must be >= 1/],
    ['{"user_id":42}', 'form_param_value_invalid', /user_id must be string/],
    ['[]', 'request_body_invalid', /Request body must be object/],
    ['{"user_id":"user_2prism"}', 'request_body_invalid', /Supported content types: application\/json/, 'text/plain'],
  ];
  for (const [body, kind, violation, type] of cases) {
    await expecting(kind);
    assert.equal((await post(toFake, '/sign_in_tokens', { body, type })).status, 422, body);
    checked(toFake, [422], [violation]);
  }
});

test('401: a wrong key, no key, the key without Bearer, another scheme (the overlay adds 401)', testTimeout, async () => {
  const wrong = createClerkClient({ secretKey: 'sk_test_notthefakeskey', apiUrl: toFake.origin, apiVersion: '' });
  await rejectsWith(wrong.signInTokens.createSignInToken({ userId: 'user_2prism', expiresInSeconds: 60 }), 401);
  checked(toFake, [401]);
  const body = '{"user_id":"user_2prism"}';
  for (const authorization of [null, fake.secretKey, `Basic ${btoa('user:pass')}`]) {
    assert.equal((await post(toFake, '/sign_in_tokens', { authorization, body })).status, 401);
    checked(toFake, [401], [/Invalid security scheme used/]);
  }
});

test('429 with Retry-After (the overlay adds 429)', testTimeout, async () => {
  const res = await fetch(`${fake.apiURL}/__clienttest/faults`, {
    method: 'POST',
    headers: { Authorization: bearer(), 'Content-Type': 'application/json' },
    body: JSON.stringify({ kind: 'fail', status: 429, retry_after_seconds: 2 }),
    signal: AbortSignal.timeout(requestTimeout),
  });
  assert.ok(res.ok, `queue a 429: ${res.status} ${await res.text()}`);
  await assert.rejects(clerk.signInTokens.createSignInToken({ userId: 'user_2prism', expiresInSeconds: 60 }), (err) => err.status === 429 && err.retryAfter === 2);
  checked(toFake, [429]);
});

// The check can fail: each answer below breaks Clerk's file, and problems must name it.
test('the check reports a stub answering off Clerk\'s schema', testTimeout, async () => {
  const cases = [
    ['/sign_in_tokens', [/required property 'user_id'/, /required property 'created_at'/, /required property 'updated_at'/, /additional properties; found 'extra'/]],
    ['/sign_in_tokens/sit_2text/revoke', [/media type "text\/plain"/]],
    ['/sign_in_tokens/sit_2noerrors/revoke', [/required property 'errors'/]],
    ['/sign_in_tokens/sit_2teapot/revoke', [/Unable to match the returned status code/]],
  ];
  for (const [path, want] of cases) {
    const body = path === '/sign_in_tokens' ? '{"user_id":"user_2prism"}' : undefined;
    await post(toStub, path, { authorization: 'Bearer sk_test_stub', body });
    const [e] = taken(toStub.origin);
    const found = problems(e).join('\n');
    for (const re of want) assert.match(found, re, `${path}: the check must report ${re}`);
  }
});

// The fake's verdict can fail the suite: a fake of its own (behind no Prism: the verdict is the
// fake's, and it saw the request either way) gets one violation marked as expected and one not;
// after() would report both the exit 3 and the count. A marked violation that never reached the
// fake fails too.
test('the fake\'s verdict fails the suite on a violation no test marked', testTimeout, async () => {
  const witness = await startFake(process.env.SIGNINTOKEN_BIN);
  const direct = { origin: `${witness.apiURL}/v1` };
  const authorization = `Bearer ${witness.secretKey}`;
  await expectViolation(witness, 'form_param_missing');
  assert.equal((await post(direct, '/sign_in_tokens', { authorization, body: '{"user_id":""}' })).status, 422);
  assert.equal((await post(direct, '/sign_in_tokens', { authorization, body: '{"user_id":42}' })).status, 422);
  const counts = await fakeCounts(witness);
  const found = fakeProblems({ exit: await witness.stop(), counts }, 1).join('\n');
  assert.match(found, /the fake exited \{"code":3/);
  assert.match(found, /1 unexpected violation/);
  const unmet = fakeProblems({ exit: { code: 0, signal: null }, counts: { ...counts, unexpected_violations: 0, expected_violations: 0 } }, 1);
  assert.match(unmet.join('\n'), /1 violation\(s\) marked as expected, the fake saw 0/);
});
