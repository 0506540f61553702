# Every target runs from a clean clone with nothing installed by hand: Go fetches the pinned
# tools and the modules through the module proxy. Each tool is pinned in a module of its own
# under internal/tools/, so no tool's dependencies move another's (or this module's).
GO        ?= go
STATICCHECK := $(GO) tool -modfile=internal/tools/lint/go.mod staticcheck
OASDIFF     := $(GO) tool -modfile=internal/tools/specdiff/go.mod oasdiff
BASE      ?= HEAD

.PHONY: test generate check-generated lint bench contract spec-diff interop

# The race detector needs cgo and a C compiler; without one the tests still run, without -race.
RACE := $(shell CC="$$($(GO) env CC)"; if [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$${CC%% *}" >/dev/null 2>&1; then echo -race; fi)
# Modules of their own that hold tests (HTTP/2 tests, interop, benchmarks): every go.mod below the
# root except the pinned tools. Found, not listed, so a new one is tested without editing this file.
TEST_MODULES := $(shell git ls-files '*/go.mod' 2>/dev/null | grep -v '^internal/tools/' | xargs -r -n1 dirname)

## test: every test in every module, race detector on (off, with a note, when there is no C compiler).
test:
	@if [ -z "$(RACE)" ]; then echo "note: no C compiler (or CGO_ENABLED=0): running the tests without -race"; fi
	$(GO) test $(RACE) -count=1 ./...
	@set -e; for m in $(TEST_MODULES); do echo "== $$m"; (cd $$m && $(GO) test $(RACE) -count=1 ./...); done

## generate: regenerate gen/ from openapi.yaml.
generate:
	$(GO) generate ./...

## check-generated: fail when gen/ is not exactly what openapi.yaml and oapi-codegen.yaml produce.
check-generated:
	$(GO) generate ./...
	@if [ -n "$$(git status --porcelain -- gen)" ]; then \
		echo "gen/ differs from 'go generate ./...' output; regenerate and commit it:"; \
		git status --porcelain -- gen; git --no-pager diff --stat -- gen; exit 1; \
	fi

## lint: gofmt, go vet and the pinned staticcheck.
lint:
	@unformatted="$$(gofmt -l $$(git ls-files '*.go'))"; \
	if [ -n "$$unformatted" ]; then echo "not gofmt'd: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

## bench: benchmarks, benchstat-friendly (compare two runs with benchstat old.txt new.txt).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.txt

## contract: the contract checks: the fake's answers and ContractTransport against openapi.yaml.
## With CLERK_DEV_SECRET_KEY (an sk_test_ key) and CLERK_DEV_USER_ID set, also the live Clerk
## development instance, so drift between Clerk and the spec shows up here.
contract:
	$(GO) test -race -count=1 -v -run 'Contract|Violation|Drift|BadRequests|Conforming|LiveAPI' ./clienttest

## spec-diff: what openapi.yaml changed since BASE (default HEAD; e.g. BASE=HEAD~1), by oasdiff.
## Breaking changes are listed as errors: a change to the contract is a change for every user.
spec-diff:
	@if ! git rev-parse -q --verify "$(BASE):openapi.yaml" >/dev/null; then \
		echo "spec-diff: no openapi.yaml at $(BASE); nothing to compare"; exit 0; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git show "$(BASE):openapi.yaml" > "$$tmp/base.yaml"; \
	$(OASDIFF) changelog "$$tmp/base.yaml" openapi.yaml

## interop: Clerk's own SDKs against the built `signintoken fake` process — clerk-sdk-go
## (interop/go, a module of its own) and @clerk/backend (interop/js: npm ci from the committed
## lockfile, Node's test runner, through interop/with-fake.sh, the README's CI recipe) — and
## the fake's memory targets, measured without -race.
interop:
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "interop: needs Node.js 20 and npm"; exit 1; }
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) build -o "$$dir/signintoken" ./cmd/signintoken; \
	echo "== clerk-sdk-go (interop/go)"; (cd interop/go && $(GO) test -count=1 ./...); \
	echo "== @clerk/backend (interop/js)"; (cd interop/js && npm ci --no-audit --no-fund && ../with-fake.sh "$$dir/signintoken" -- node --test); \
	echo "== the fake's memory targets"; $(GO) test -count=1 -v -run '^TestFakeMemory' ./cmd/signintoken
