'use strict';
// @clerkgen/signintokens-fake: runs `signintoken fake` (the contract-checked fake Clerk API)
// for a Node test run. The binary comes from the optional dependency for this platform
// (@clerkgen/signintokens-fake-<platform>-<arch>, the esbuild pattern): nothing is downloaded
// at install time or at run time. See docs/install-fake.md in the repository.
//
// The fake never outlives the test run: it is started with --exit-with-parent (it stops when
// this Node process is gone, even after SIGKILL), and is sent SIGTERM when Node exits without
// stop(). Its key travels in the environment (SIGNINTOKEN_FAKE_KEY), never on its command line
// (which any user of the machine can read in /proc).

const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

// The platform packages, by Node's process.platform and process.arch.
const platformPackages = {
  'darwin arm64': '@clerkgen/signintokens-fake-darwin-arm64',
  'darwin x64': '@clerkgen/signintokens-fake-darwin-x64',
  'linux arm64': '@clerkgen/signintokens-fake-linux-arm64',
  'linux x64': '@clerkgen/signintokens-fake-linux-x64',
  'win32 arm64': '@clerkgen/signintokens-fake-win32-arm64',
  'win32 x64': '@clerkgen/signintokens-fake-win32-x64',
};

// Bounds: nothing here waits without one.
const readyTimeoutMs = 30_000; // the fake prints its two readiness lines once listening
const stopTimeoutMs = 15_000; // it drains requests for at most 5 s after SIGTERM
const controlTimeoutMs = 10_000; // one control API call
const stderrKeptBytes = 64 * 1024; // the log's tail, for error messages and the summary text

// The fake's exit statuses (docs/install-fake.md; `signintoken fake --help`).
const exitViolations = 3;

/** The signintoken binary for this platform: SIGNINTOKEN_FAKE_BINARY, or the platform package's. */
function binaryPath() {
  const override = process.env.SIGNINTOKEN_FAKE_BINARY;
  if (override) return override;
  const pkg = platformPackages[`${process.platform} ${process.arch}`];
  if (!pkg) {
    throw new Error(
      `@clerkgen/signintokens-fake: no signintoken binary is published for ${process.platform}/${process.arch}; ` +
        'build one (go install github.com/clerkgen/signintokens/cmd/signintoken@latest) and set SIGNINTOKEN_FAKE_BINARY to its path',
    );
  }
  const exe = process.platform === 'win32' ? 'signintoken.exe' : 'signintoken';
  try {
    return require.resolve(`${pkg}/bin/${exe}`);
  } catch {
    throw new Error(
      `@clerkgen/signintokens-fake: ${pkg} is not installed. It is an optional dependency: ` +
        'install without --omit=optional / --no-optional, and with the lockfile made on any platform ' +
        '(npm records every platform\'s package), or set SIGNINTOKEN_FAKE_BINARY',
    );
  }
}

/** fakeArgs checks the options and turns them into the fake's command line (the key is not on it). */
function fakeArgs(options, summaryFile) {
  const { users, rateLimit, key, ...unknown } = options;
  const names = Object.keys(unknown);
  if (names.length > 0) throw new TypeError(`startFake: unknown option ${JSON.stringify(names[0])} (want users, rateLimit, key)`);
  const args = ['fake', '--addr', '127.0.0.1:0', '--exit-with-parent', '--summary-json', summaryFile];
  if (users !== undefined) {
    if (!Array.isArray(users) || users.length === 0 || !users.every((u) => typeof u === 'string' && /^[^,\s]+$/.test(u))) {
      throw new TypeError('startFake: users must be a non-empty array of user ids (e.g. ["user_a", "user_b"])');
    }
    args.push('--users', users.join(','));
  }
  if (rateLimit !== undefined) {
    if (typeof rateLimit !== 'string' || !/^\d+\/[\w.]+$/.test(rateLimit)) {
      throw new TypeError('startFake: rateLimit must be "N/DURATION", e.g. "100/10s" (a development instance) or "1000/10s"');
    }
    args.push('--rate-limit', rateLimit);
  }
  if (key !== undefined && (typeof key !== 'string' || !key.startsWith('sk_test_'))) {
    throw new TypeError('startFake: key must be an sk_test_ key (a fake\'s, never a real one)');
  }
  return args;
}

/** tail keeps the last max bytes of what is appended (the fake's log), bounded however long it runs. */
function tail(max) {
  let chunks = [];
  let size = 0;
  return {
    push(b) {
      chunks.push(b);
      size += b.length;
      while (size - chunks[0].length >= max) size -= chunks.shift().length;
    },
    text() {
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}

/**
 * summaryText is the fake's own closing summary from its log: from the last line that starts
 * "signintoken fake: N request(s), M contract violation(s)" to the end.
 */
function summaryText(log) {
  const lines = log.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    if (/^signintoken fake: \d+ requests?, /.test(lines[i])) return lines.slice(i).join('\n').trimEnd();
  }
  return lines.slice(-20).join('\n').trimEnd();
}

/** FakeExitError: the fake exited with a failure status; code, summary and log say what it saw. */
class FakeExitError extends Error {
  constructor(message, { code, signal, summary, log }) {
    super(message);
    this.name = 'FakeExitError';
    this.code = code;
    this.signal = signal;
    this.summary = summary;
    this.log = log;
  }
}

/** ControlError: the fake's control API refused a call (its status and the fake's reason). */
class ControlError extends Error {
  constructor(message, status) {
    super(message);
    this.name = 'ControlError';
    this.status = status;
  }
}

/** control wraps the fake's control API (clienttest/control.yaml) at apiUrl, with its key. */
function controlClient(apiUrl, secretKey) {
  async function call(method, pathname, body) {
    const res = await fetch(`${apiUrl}/__clienttest${pathname}`, {
      method,
      headers: { Authorization: `Bearer ${secretKey}`, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(controlTimeoutMs),
    });
    const text = await res.text();
    if (!res.ok) {
      let reason = text.slice(0, 500);
      try {
        reason = JSON.parse(text).error ?? reason;
      } catch {}
      throw new ControlError(`${method} /__clienttest${pathname}: ${res.status}: ${reason}`, res.status);
    }
    return text ? JSON.parse(text) : undefined;
  }
  return {
    /** GET /__clienttest/health: true when the fake answers 200 {"status":"ok"}. Needs no key. */
    async health() {
      try {
        const res = await fetch(`${apiUrl}/__clienttest/health`, { signal: AbortSignal.timeout(controlTimeoutMs) });
        return res.status === 200 && (await res.json()).status === 'ok';
      } catch {
        return false;
      }
    },
    /** Queue a fault: {kind: 'fail', status: 429, retry_after_seconds: 1}, {kind: 'lose', status: 503}, {kind: 'drop'}, {kind: 'latency', latency_ms}. */
    fault: (fault) => call('POST', '/faults', fault),
    /** Mark the next count violations (of kind, if given) as expected: reported apart, never failing stop(). */
    expectViolations: (count, kind) => call('POST', '/expectations', kind === undefined ? { count } : { count, kind }),
    /** The sign-in tokens the fake keeps, oldest first (never their ticket or URL). */
    tokens: async () => (await call('GET', '/tokens')).tokens,
    /** The user signs in with the token: pending -> accepted. */
    acceptToken: (id) => call('POST', `/tokens/${encodeURIComponent(id)}/accept`),
    /** The authenticated API requests received: { requests, total }. */
    requests: () => call('GET', '/requests'),
    /** The contract violations seen: { violations, total }. */
    violations: () => call('GET', '/violations'),
    /** Forget every token, request, violation and queued fault. */
    reset: () => call('POST', '/reset'),
  };
}

/**
 * startFake starts `signintoken fake` on a free loopback port and resolves once it serves.
 * @param {import('./index').FakeOptions} [options]
 * @returns {Promise<import('./index').Fake>}
 */
async function startFake(options = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'signintokens-fake-'));
  const summaryFile = path.join(dir, 'summary.json');
  let args;
  let bin;
  try {
    args = fakeArgs(options, summaryFile);
    bin = binaryPath();
  } catch (err) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const env = { ...process.env };
  if (options.key !== undefined) env.SIGNINTOKEN_FAKE_KEY = options.key;

  const child = spawn(bin, args, { env, stdio: ['ignore', 'pipe', 'pipe'], windowsHide: true });
  const log = tail(stderrKeptBytes);
  child.stderr.on('data', (b) => log.push(b));
  const exited = new Promise((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  // Node exiting without stop() (a test that forgot it, an uncaught error) stops the fake too;
  // --exit-with-parent covers the exits where this handler never runs (SIGKILL, a crash).
  // The directory goes first: nobody will read the summary, and the fake writes it only once
  // signalled, so it finds no directory to leave it in. An exit handler must not throw.
  const onExit = () => {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch {}
    child.kill('SIGTERM');
  };
  process.once('exit', onExit);
  const cleanup = () => {
    process.removeListener('exit', onExit);
    fs.rmSync(dir, { recursive: true, force: true });
  };

  let ready;
  try {
    ready = await readiness(child, exited, log);
  } catch (err) {
    if (child.pid !== undefined) {
      child.kill('SIGKILL');
      await exited;
    }
    cleanup();
    throw err;
  }
  const { apiUrl, secretKey } = ready;
  // While the test runs, the fake must not keep Node alive on its own: a test that forgets
  // stop() would hang its runner. stop() holds it again until the fake has exited.
  const handles = [child, child.stdout, child.stderr];
  handles.forEach((h) => h.unref());

  let stopped;
  function stop({ allowViolations = false } = {}) {
    stopped ??= (async () => {
      handles.forEach((h) => h.ref());
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), stopTimeoutMs);
      const { code, signal } = await exited;
      clearTimeout(timer);
      let summary = null;
      try {
        summary = JSON.parse(fs.readFileSync(summaryFile, 'utf8'));
      } catch {} // killed before writing it, or a fake that failed: the exit status says
      cleanup();
      return { code, signal, summary };
    })();
    return stopped.then(({ code, signal, summary }) => {
      if (code === 0 || (code === exitViolations && allowViolations)) return { code, summary };
      const text = log.text();
      const why =
        code === exitViolations
          ? 'it saw unexpected contract violations'
          : signal
            ? `it was killed by ${signal}`
            : `exit status ${code}`;
      throw new FakeExitError(`signintoken fake failed: ${why}\n${summaryText(text)}`, { code, signal, summary, log: text });
    });
  }

  return {
    apiUrl,
    secretKey,
    env: { CLERK_API_URL: apiUrl, CLERK_SECRET_KEY: secretKey },
    pid: child.pid,
    control: controlClient(apiUrl, secretKey),
    stop,
  };
}

/** readiness waits, at most readyTimeoutMs, for the fake's two lines on stdout. */
function readiness(child, exited, log) {
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => fail(new Error(`signintoken fake did not start within ${readyTimeoutMs / 1000} s`)), readyTimeoutMs);
    function fail(err) {
      clearTimeout(timer);
      child.stdout.removeListener('data', onData);
      reject(err);
    }
    function onData(b) {
      out += b.toString('utf8');
      if (out.length > 4096) return fail(new Error('signintoken fake: unexpected output before its readiness lines'));
      const m = /^CLERK_API_URL=(http:\/\/[^\s]+)\nCLERK_SECRET_KEY=(sk_test_[^\s]+)\n/.exec(out);
      if (!m) return;
      clearTimeout(timer);
      child.stdout.removeListener('data', onData);
      child.stdout.resume(); // nothing more is printed there; never let it fill
      resolve({ apiUrl: m[1], secretKey: m[2] });
    }
    child.stdout.on('data', onData);
    child.once('error', (err) => fail(new Error(`signintoken fake could not be started: ${err.message}`)));
    exited.then(({ code, signal }) => {
      // Usage errors (exit 2) say why on stderr; the log never holds the key.
      fail(new FakeExitError(`signintoken fake exited before it was ready (${signal ?? `exit status ${code}`}):\n${log.text().trim().slice(-2000)}`, { code, signal, summary: null, log: log.text() }));
    });
  });
}

module.exports = { startFake, binaryPath, FakeExitError, ControlError };
