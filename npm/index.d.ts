// Types of @clerkgen/signintokens-fake. The control API is described in full by the fake's
// own OpenAPI document (GET /__clienttest/openapi.yaml; clienttest/control.yaml in the repository).

export interface FakeOptions {
  /** The user ids that exist; any other gets Clerk's 404. Default: every user exists. */
  users?: string[];
  /** Clerk's rate limit, "N/DURATION": "100/10s" as a development instance, "1000/10s" as production. Default: off. */
  rateLimit?: string;
  /** The sk_test_ key the fake accepts (passed in SIGNINTOKEN_FAKE_KEY, never on its command line). Default: random. */
  key?: string;
}

/** A fault for the coming API requests (POST /__clienttest/faults). */
export type Fault =
  | { kind: 'fail'; status: number; count?: number; retry_after_seconds?: number }
  | { kind: 'lose'; status: number; count?: number }
  | { kind: 'drop'; count?: number }
  | { kind: 'latency'; latency_ms: number };

/** A sign-in token as the fake keeps it; never its ticket or URL. Times are Unix milliseconds. */
export interface StoredToken {
  id: string;
  user_id: string;
  organization_id: string | null;
  status: 'pending' | 'accepted' | 'revoked';
  created_at: number;
  updated_at: number;
  expires_at: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  header: Record<string, string[]>;
  body: string;
}

export interface Control {
  /** GET /__clienttest/health: true when the fake answers 200 {"status":"ok"}. */
  health(): Promise<boolean>;
  /** Queue a fault, e.g. { kind: 'fail', status: 429, retry_after_seconds: 1 }. */
  fault(fault: Fault): Promise<void>;
  /** Mark the next count contract violations (of kind, if given) as expected: they never fail stop(). */
  expectViolations(count: number, kind?: string): Promise<void>;
  /** The tokens the fake keeps, oldest first. */
  tokens(): Promise<StoredToken[]>;
  /** The user signs in with the token (pending -> accepted). */
  acceptToken(id: string): Promise<StoredToken>;
  /** The authenticated API requests received (keys and tickets redacted). */
  requests(): Promise<{ requests: RecordedRequest[]; total: number }>;
  /** The contract violations seen. */
  violations(): Promise<{ violations: { message: string }[]; total: number }>;
  /** Forget every token, request, violation and queued fault. */
  reset(): Promise<void>;
}

export interface StopOptions {
  /** Resolve even when the fake saw unexpected contract violations (exit status 3). Default: false (reject). */
  allowViolations?: boolean;
}

export interface StopResult {
  /** The fake's exit status: 0, or 3 with allowViolations. */
  code: number;
  /** The fake's --summary-json document (opaque: its fields are the fake's), or null if it wrote none. */
  summary: unknown;
}

export interface Fake {
  /** The origin to give Clerk's SDKs, http://127.0.0.1:PORT (they add /v1). */
  apiUrl: string;
  /** The sk_test_ key the fake accepts. */
  secretKey: string;
  /** CLERK_API_URL and CLERK_SECRET_KEY, as Clerk's SDKs read them from the environment. */
  env: { CLERK_API_URL: string; CLERK_SECRET_KEY: string };
  /** The fake's process id. */
  pid: number;
  /** The fake's control API (faults, expectations, tokens, reset). */
  control: Control;
  /**
   * Stop the fake (SIGTERM) and wait for it. Resolves to its exit status and summary; rejects
   * with a FakeExitError on any failure status (3: unexpected contract violations), unless
   * allowViolations. Calling it again returns the same outcome.
   */
  stop(options?: StopOptions): Promise<StopResult>;
}

/** Start `signintoken fake` on a free loopback port; resolves once it serves. */
export function startFake(options?: FakeOptions): Promise<Fake>;

/** The signintoken binary startFake runs: $SIGNINTOKEN_FAKE_BINARY, or this platform's package's. */
export function binaryPath(): string;

export class FakeExitError extends Error {
  code: number | null;
  signal: string | null;
  summary: unknown;
  /** The tail of the fake's log (stderr): request lines and its summary; never the key. */
  log: string;
}

export class ControlError extends Error {
  status: number;
}
