// The machinery of the Prism check (see prism.test.js for what it proves): the built
// `signintoken fake` and Stoplight Prism as processes, a recorder of Prism's verdicts, and the one
// rule that turns a verdict into a failure (problems).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import readline from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

// Clerk's published file, byte for byte (spec/clerk/SOURCE says where from).
export const clerkSpec = fileURLToPath(new URL('../../spec/clerk/2026-05-12.yml', import.meta.url));

// Statuses our overlay (spec/overlay.yaml) adds to Clerk's file, excepted by name: the live API
// answers 401 (no key, a wrong key, a malformed Authorization header) and 429 (rate limit) on
// both operations, and Clerk's file lists neither, so Prism can only say it cannot match the
// status. That one finding is excepted for these statuses; nothing else is, for any status.
export const overlayStatuses = [401, 429];

const unmatchedStatus = /^Unable to match the returned status code/;

// problems returns what fails the check in one exchange Prism saw: every response violation
// (body, headers, content type, a status Clerk's file does not declare) other than an overlay
// status's unmatched status, and every request violation not matched by one of expectedRequest
// (regexps, for the requests a test makes wrong on purpose); each expected one must be there.
export function problems({ status, violations }, expectedRequest = []) {
  const found = [];
  const unseen = new Set(expectedRequest);
  for (const v of violations) {
    const where = v.location.join('.');
    if (v.location[0] === 'request') {
      const expected = expectedRequest.find((re) => re.test(v.message));
      if (expected) {
        unseen.delete(expected);
        continue;
      }
    } else if (overlayStatuses.includes(status) && unmatchedStatus.test(v.message)) {
      continue;
    }
    found.push(`${where}: ${v.message} (${v.severity})`);
  }
  for (const re of unseen) found.push(`expected a request violation matching ${re}, Prism reported none`);
  return found;
}

// A recorder of every exchange through the Prism proxies: fetch wrapped to read the
// sl-violations header Prism adds to an answer when it found violations (without --errors it
// forwards everything, so the fake's 422s are checked too, and reports each violation there).
// @clerk/backend takes no fetch of its own but binds the global one when it is imported, so
// record() must run before the SDK is imported.
const exchanges = [];
const reported = new Map(); // origin -> violations read from its headers, in all
let proxyOrigins = [];

export function record() {
  const inner = globalThis.fetch;
  globalThis.fetch = async (input, init) => {
    const res = await inner(input, init);
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (proxyOrigins.includes(url.origin)) {
      const header = res.headers.get('sl-violations');
      const violations = header ? JSON.parse(header) : [];
      reported.set(url.origin, (reported.get(url.origin) ?? 0) + violations.length);
      exchanges.push({
        origin: url.origin,
        method: (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase(),
        path: url.pathname,
        status: res.status,
        violations,
      });
    }
    return res;
  };
}

// taken returns the exchanges recorded through origin since the last call, and forgets them.
export function taken(origin) {
  const mine = exchanges.filter((e) => e.origin === origin);
  exchanges.splice(0, exchanges.length, ...exchanges.filter((e) => e.origin !== origin));
  return mine;
}

// reportedViolations counts the violations read from origin's headers so far.
export function reportedViolations(origin) {
  return reported.get(origin) ?? 0;
}

// The children still running, killed however this process ends: normally, on an uncaught
// error, or on SIGINT/SIGTERM (make's timeout, Ctrl-C), which then end it as they would have.
const running = new Set();
process.on('exit', () => running.forEach((proc) => proc.kill('SIGKILL')));
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    running.forEach((proc) => proc.kill('SIGKILL'));
    process.kill(process.pid, signal);
  });
}

// A child process whose output is kept (its last 256 KB) for the failure message.
function child(cmd, args, opts) {
  const proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
  running.add(proc);
  let output = '';
  const keep = (chunk) => {
    output = (output + chunk).slice(-256 * 1024);
  };
  proc.stderr.on('data', keep);
  const exited = once(proc, 'exit').then(([code, signal]) => (running.delete(proc), { code, signal }));
  return {
    proc,
    keep,
    exited,
    output: () => output,
    // stop sends SIGTERM and waits at most 10 s before SIGKILL.
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) {
        proc.kill('SIGTERM');
        const late = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(late);
      }
      return exited;
    },
  };
}

// The handlers above cannot run when this process is killed with SIGKILL (a CI job cancelled, a
// runner out of memory). The fake stops then by its own --exit-with-parent; Prism has no such
// flag, so every Node child is started with exit-with-parent.js preloaded, which ends it when its
// stdin, a pipe from this process, closes: the kernel closes it when this process ends, however.
const exitWithParent = fileURLToPath(new URL('./exit-with-parent.js', import.meta.url));

// nodeChild runs a Node.js script (with its args) as a child tied to this process's life.
export function nodeChild(script, args = [], opts = {}) {
  return child(process.execPath, ['--import', exitWithParent, script, ...args], { stdio: ['pipe', 'pipe', 'pipe'], ...opts });
}

// startFake runs the built fake with flags on a free loopback port, with a random key it makes
// itself (so no key is on its command line), and reads its two readiness lines, at most 30 s.
export async function startFake(bin, flags = []) {
  const fake = child(bin, ['fake', '--addr', '127.0.0.1:0', '--exit-with-parent', ...flags]);
  const lines = readline.createInterface({ input: fake.proc.stdout });
  const timer = setTimeout(() => lines.close(), 30_000); // ends the loop below
  const env = {};
  try {
    for await (const line of lines) {
      const m = /^(CLERK_API_URL|CLERK_SECRET_KEY)=(.+)$/.exec(line);
      if (m) env[m[1]] = m[2];
      if (env.CLERK_API_URL && env.CLERK_SECRET_KEY) break;
    }
  } finally {
    clearTimeout(timer);
  }
  if (!env.CLERK_API_URL || !env.CLERK_SECRET_KEY) {
    await fake.stop();
    throw new Error(`the fake printed no readiness lines (it stopped, or 30 s passed):\n${fake.output()}`);
  }
  fake.proc.stdout.on('data', fake.keep).resume(); // leaving the loop closed lines, which paused it
  return { ...fake, apiURL: env.CLERK_API_URL, secretKey: env.CLERK_SECRET_KEY };
}

// freePort asks the system for a free loopback port (Prism takes a port number, not a listener).
async function freePort() {
  const srv = net.createServer().listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address();
  srv.close();
  await once(srv, 'close');
  return port;
}

// connects reports whether something accepts connections on port, within 1 s.
function connects(port) {
  return new Promise((resolve) => {
    const sock = net.connect({ host: '127.0.0.1', port, timeout: 1000 });
    sock.once('connect', () => (sock.destroy(), resolve(true)));
    sock.once('timeout', () => (sock.destroy(), resolve(false)));
    sock.once('error', () => resolve(false));
  });
}

const prismCLI = fileURLToPath(import.meta.resolve('@stoplight/prism-cli/dist/index.js'));

// startPrism runs `prism proxy` with Clerk's file in front of upstream (an origin ending in /v1:
// Clerk's file names its paths without the /v1 its server URL carries, and Prism matches the
// paths alone) and waits until it accepts connections, polling its port, at most startTimeoutMs
// (Prism reads the whole 700 KB file first: seconds, more on a loaded machine). What answers
// there must be this Prism, which says so in its log: a neighbour that took the port first would
// answer without validating anything (and this Prism, unable to listen, exits). Without
// --errors: see record.
export async function startPrism(upstream, { startTimeoutMs = 120_000 } = {}) {
  const port = await freePort();
  const prism = nodeChild(prismCLI, ['proxy', clerkSpec, upstream, '--host', '127.0.0.1', '--port', String(port)]);
  prism.proc.stdout.on('data', prism.keep);
  const origin = `http://127.0.0.1:${port}`;
  proxyOrigins = [...proxyOrigins, origin];
  const deadline = Date.now() + startTimeoutMs;
  let gone = false;
  prism.exited.then(() => (gone = true));
  const listening = () => prism.output().includes(`Prism is listening on ${origin}`);
  while (!((await connects(port)) && listening())) {
    if (gone) throw new Error(`prism exited before listening:\n${prism.output()}`);
    if (Date.now() > deadline) {
      await prism.stop();
      throw new Error(`prism did not listen on ${origin} within ${startTimeoutMs / 1000} s:\n${prism.output()}`);
    }
    await delay(100);
  }
  return { ...prism, origin };
}

// loggedViolations returns the lines of Prism's log that report a violation: each one it found,
// whether or not it also reached a header.
export function loggedViolations(log) {
  return log.split('\n').filter((line) => /\[VALIDATOR\].*Violation: /.test(line));
}

// The fake's control API (clienttest/control.yaml is its reference), with the fake's key;
// straight to the fake, not through Prism (Clerk's file knows nothing of /__clienttest/).
async function control(fake, method, path, body) {
  const res = await fetch(`${fake.apiURL}/__clienttest/${path}`, {
    method,
    headers: { Authorization: `Bearer ${fake.secretKey}`, ...(body && { 'Content-Type': 'application/json' }) },
    body: body && JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} /__clienttest/${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

// expectViolation tells the fake that the next request breaking our openapi.yaml, with a
// violation of kind, is sent on purpose: it is then counted as expected and fails nothing.
export function expectViolation(fake, kind) {
  return control(fake, 'POST', 'expectations', { count: 1, kind });
}

// fakeCounts returns the fake's counts of each kind of event (control.yaml's Counts).
export async function fakeCounts(fake) {
  return (await control(fake, 'GET', 'requests')).counts;
}

// fakeProblems returns what fails the check in the fake's own verdict on a run in which the
// suite marked `marked` violations as expected: any exit but 0 (3: a violation no test marked;
// 4: an answer of the fake's own broke its contract; a crash), and counts, read just before it
// stopped, that disagree (a marked violation that never reached the fake is no test at all).
export function fakeProblems({ exit, counts }, marked) {
  const found = [];
  if (exit.code !== 0) found.push(`the fake exited ${JSON.stringify(exit)} (3: a violation no test marked as expected; 4: a fake error)`);
  if (counts.unexpected_violations !== 0) found.push(`the fake saw ${counts.unexpected_violations} unexpected violation(s)`);
  if (counts.fake_errors !== 0) found.push(`the fake saw ${counts.fake_errors} fake error(s)`);
  if (counts.expected_violations !== marked) found.push(`${marked} violation(s) marked as expected, the fake saw ${counts.expected_violations}`);
  return found;
}
