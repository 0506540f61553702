# Every target runs from a clean clone with nothing installed by hand: Go fetches the pinned
# tools and the modules through the module proxy. Each tool is pinned in a module of its own
# under internal/tools/, so no tool's dependencies move another's (or this module's).
GO        ?= go
STATICCHECK := $(GO) tool -modfile=internal/tools/lint/go.mod staticcheck
OASDIFF     := $(GO) tool -modfile=internal/tools/specdiff/go.mod oasdiff
BASE      ?= HEAD

.PHONY: test generate check-generated lint bench contract spec-diff

## test: every test, race detector on.
test:
	$(GO) test -race -count=1 ./...

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
