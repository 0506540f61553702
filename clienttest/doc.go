// Package clienttest is a fake of Clerk's sign-in-token API for tests: stateful like Clerk,
// and checked against the same openapi.yaml the client is generated from.
//
// Use it to test code that mints or revokes sign-in links without the live API:
//
//	func TestInviteSendsALink(t *testing.T) {
//		clerk := clienttest.NewServer(t, clienttest.WithUsers("user_2abc"))
//		inviter := NewInviter(clerk.Client()) // your code, given an *api.Client
//
//		if err := inviter.Invite(ctx, "user_2abc"); err != nil {
//			t.Fatal(err)
//		}
//		if toks := clerk.Tokens(); len(toks) != 1 || toks[0].Status != api.StatusPending {
//			t.Fatalf("tokens = %v", toks)
//		}
//	}
//
// # Behaviour
//
// Create answers a pending token with a fresh sit_… id, a unique JWT-shaped ticket and a
// sign-in URL pointing at the fake (following it signs the user in: the token becomes
// accepted). Revoke of a pending token answers it revoked; of any other token, 400
// sign_in_token_cannot_be_revoked_code; of an unknown id, 404 resource_not_found. WithUsers
// limits the users that exist. Accept plays the user signing in.
//
// # Contract checks
//
// Every request is checked against openapi.yaml (security included). One that breaks it is
// answered as Clerk would (401 for a missing or wrong key; 422 form_param_missing or
// form_param_value_invalid with meta.param_name; 422 request_body_invalid for a body that is
// not a JSON object; 404 for an unknown operation) and reported to the test with t.Errorf,
// unless AllowContractViolations is given. Every answer the fake itself gives is checked too.
// Reports say where and why, and never quote a key, a token or a URL.
//
// ContractTransport does the same checks on any exchange, so a CI job can run a team's tests
// against a real Clerk development instance and learn when the live API drifts from the spec.
//
// # Faults
//
// FailNext answers the next requests with an error, unprocessed (a 429 with Retry-After, a
// 503). LoseNext processes them and then loses the answer (an error status, or a dropped
// connection): the case in which a careless client mints a token twice. WithLatency and
// SetLatency slow every answer. WithRateLimit emulates Clerk's per-instance rate limit: past n
// authenticated requests in a window, 429 too_many_requests with an accurate Retry-After.
//
// The contract is parsed once per process. A Server is safe for concurrent use, under
// t.Parallel and from many goroutines.
package clienttest
