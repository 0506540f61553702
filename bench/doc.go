// Package bench compares the cost of a sign-in-token call through this library's facade (api),
// its bare generated client (gen), a hand-written net/http + encoding/json client and
// clerk-sdk-go v2.4.2. It is a module of its own so that clerk-sdk-go never enters the
// library's go.mod. Everything is in its tests and benchmarks; see docs/performance.md and `make bench`.
package bench
