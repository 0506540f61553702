# Every target runs from a clean clone with nothing installed by hand: Go fetches the pinned
# tools and the modules through the module proxy. Each tool is pinned in a module of its own
# under internal/tools/, so no tool's dependencies move another's (or this module's).
GO        ?= go
STATICCHECK := $(GO) tool -modfile=internal/tools/lint/go.mod staticcheck
OASDIFF     := $(GO) tool -modfile=internal/tools/specdiff/go.mod oasdiff
BENCHSTAT   := $(GO) tool -modfile=internal/tools/benchstat/go.mod benchstat
ACTIONLINT  := $(GO) tool -modfile=internal/tools/actionlint/go.mod actionlint
# spec-update and the Go API gate are programs in tool modules of their own (they need YAML and
# go/packages, which this module must not require); go -C runs each in its module.
SPECUPDATE  := $(GO) -C internal/tools/specupdate run .
APIGATE     := $(GO) -C internal/tools/apidiff run .
# The spec watch and release-check judge the next version from both gates' tools above.
SPECWATCH   := $(GO) -C internal/tools/specwatch run .
BASE      ?= HEAD

# The last release's contract, which `make contract` compares against (see CONTRIBUTING.md):
# its spec, its Go API (export data per package) and its version; and the reviewed files that
# acknowledge a breaking change until the next release.
RELEASED        := spec/released
SPEC_ACCEPTED   := spec/accepted-spec-changes.txt
GO_ACCEPTED     := spec/accepted-go-changes.txt
# The contract tests, by name: the fake's answers and ContractTransport against openapi.yaml, and
# the live API when CLERK_DEV_SECRET_KEY is set. A regex over the existing test names (kept
# decoupled from a naming scheme): a new contract test must match it (its name contains one of these).
CONTRACT_TESTS  := Contract|Violation|Drift|BadRequests|Conforming|LiveAPI

.PHONY: test test-tools generate check-generated lint bench fuzz contract spec-valid spec-gate api-gate api-baseline contract-tests spec-diff spec-update spec-watch release-check record-release interop

# The race detector needs cgo and a C compiler; without one the tests still run, without -race.
RACE := $(shell CC="$$($(GO) env CC)"; if [ "$$($(GO) env CGO_ENABLED)" = 1 ] && command -v "$${CC%% *}" >/dev/null 2>&1; then echo -race; fi)
# Modules of their own that hold tests (HTTP/2 tests, interop, benchmarks): every go.mod below the
# root except the pinned tools (internal/tools/), testdata, node_modules and hidden directories.
# Found, not listed, so a new one is tested without editing this file; found with find, not git,
# so a copy without .git (a ZIP download) tests them all. When find fails, make test and make
# lint fail saying so, rather than test fewer modules than there are.
FIND        ?= find
FIND_FAILED := (find-failed)
TEST_MODULE_FILES := $(shell $(FIND) . \( -name '.?*' -o -name node_modules -o -name testdata -o -path ./internal/tools \) -prune -o -name go.mod -type f -print || echo '$(FIND_FAILED)')
TEST_MODULES := $(sort $(patsubst ./%/go.mod,%,$(filter-out ./go.mod,$(filter %/go.mod,$(TEST_MODULE_FILES)))))
# check-test-modules: the recipe line that stops make test and make lint when find failed.
check-test-modules = @case ' $(TEST_MODULE_FILES) ' in *' $(FIND_FAILED) '*) echo "$@: cannot list the test modules (find failed); refusing to check fewer modules than there are"; exit 1;; esac

## test: every test in every module, race detector on (off, with a note, when there is no C compiler).
test:
	$(check-test-modules)
	@if [ -z "$(RACE)" ]; then echo "note: no C compiler (or CGO_ENABLED=0): running the tests without -race"; fi
	$(GO) test $(RACE) -count=1 ./...
	@set -e; for m in $(TEST_MODULES); do echo "== $$m"; (cd $$m && $(GO) test $(RACE) -count=1 ./...); done

## generate: regenerate gen/ from openapi.yaml.
generate:
	$(GO) generate ./...

## check-generated: fail when gen/ is not exactly what openapi.yaml and oapi-codegen.yaml produce.
## Compares the working tree with a fresh generation (not with git), and leaves gen/ as it was.
check-generated:
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; cp -R gen "$$tmp/gen"; \
	$(GO) generate ./... || exit 1; \
	if ! diff -r "$$tmp/gen" gen > "$$tmp/diff"; then \
		rm -rf gen; cp -R "$$tmp/gen" gen; \
		echo "check-generated: FAIL: gen/ is not what 'go generate ./...' makes from openapi.yaml (edited by hand, or not regenerated):"; \
		head -40 "$$tmp/diff"; echo "Run 'make generate' and commit gen/ with the spec."; exit 1; \
	fi; echo "check-generated: gen/ is what openapi.yaml generates"

## lint: gofmt, go vet and the pinned staticcheck, in this module and in every test module; the
## pinned actionlint over every GitHub Actions workflow (.github/workflows/).
WORKFLOWS = $(wildcard .github/workflows/*.yml .github/workflows/*.yaml)
lint:
	$(check-test-modules)
	$(if $(WORKFLOWS),$(ACTIONLINT) $(WORKFLOWS))
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "not gofmt'd: $$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...
	@set -e; for m in $(TEST_MODULES); do echo "== lint $$m"; \
		(cd $$m && $(GO) vet ./... && $(GO) tool -modfile=$(CURDIR)/internal/tools/lint/go.mod staticcheck ./...); done

## bench: benchmarks, benchstat-friendly, into files (compare two runs: benchstat old.txt new.txt).
## bench-clients.txt: Create and Revoke through api, bare gen, a hand-written client and
## clerk-sdk-go on one in-memory transport, interleaved (-count), and the facade against the
## hand-written client in alternating blocks (CreatePaired: their CPU ratio);
## bench-clients-table.txt sets them side by side. bench-loopback.txt: 2,000 calls over loopback
## at concurrency 1/8/32 with the connections opened. bench.txt: this module's own benchmarks
## (among them clienttest's BenchmarkValidatedCreate: the fake's contract-checked req/s). See
## docs/performance.md (the published figures) and CONTRIBUTING.md, Benchmarks.
BENCH_COUNT ?= 10
bench: SHELL := bash
bench: .SHELLFLAGS := -o pipefail -ec
bench:
	cd bench && $(GO) test -run '^$$' -bench '^Benchmark(Create|Revoke|CreatePaired)$$' -benchmem -count $(BENCH_COUNT) . | tee ../bench-clients.txt
	{ $(BENCHSTAT) -filter '.name:/^(Create|Revoke)$$/' -col /client bench-clients.txt; \
	  $(BENCHSTAT) -filter '.name:CreatePaired' bench-clients.txt; } | tee bench-clients-table.txt
	cd bench && $(GO) test -run '^$$' -bench '^BenchmarkLoopback$$' -benchmem -benchtime 2000x -count 3 . | tee ../bench-loopback.txt
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.txt

## fuzz: every fuzz target, FUZZTIME each, on top of its committed seed corpus
## (testdata/fuzz/<FuzzName>/). Targets are found, not listed, in any module (each runs from its
## package's directory). The default budget is a count of inputs (about 5-10 s each on 2 cores),
## not a duration: with a duration, Go's fuzzing coordinator can report its own deadline as a
## failure ("context deadline exceeded", no input written) when a worker is mid-input as time runs
## out on a loaded machine (golang/go#75804); a count has no deadline to race. FUZZTIME=1m still
## works for a longer local run. FUZZ_TIMEOUT bounds each target however slow the machine.
FUZZTIME ?= 40000x
FUZZ_TIMEOUT ?= 5m
FUZZ_PKGS := $(shell grep -rl --include='*_test.go' '^func Fuzz' . 2>/dev/null | grep -v '^./internal/tools/' | xargs -r -n1 dirname | sort -u)
fuzz:
	@set -e; for pkg in $(FUZZ_PKGS); do \
		for f in $$(grep -h '^func Fuzz' $$pkg/*_test.go | sed 's/^func \(Fuzz[A-Za-z0-9_]*\).*/\1/'); do \
			echo "== $$pkg $$f ($(FUZZTIME))"; \
			(cd $$pkg && $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) -timeout $(FUZZ_TIMEOUT) .); \
		done; \
	done

## contract: the one gate (CI runs it): the spec loads and validates; gen/ is what it generates;
## no breaking change to the wire contract (spec-gate) or to the Go API (api-gate) since the last
## release unless acknowledged; the contract tests. Each step says why when it fails.
contract: spec-valid check-generated spec-gate api-gate contract-tests
	@echo "contract: ok"

## spec-valid: openapi.yaml loads and validates (examples included) and matches APIVersion; the
## released contract is recorded. (What changed in the operations is spec-gate's to judge.)
spec-valid:
	$(GO) test -count=1 -run '^TestSpecIsValid|^TestAPIVersion|^TestReleased' .

## spec-gate: oasdiff between the last release's spec and openapi.yaml. ERR-level (breaking) changes
## fail unless acknowledged in $(SPEC_ACCEPTED), each with a reason; every change is listed.
# The spec paths stay relative: oasdiff's --err-ignore takes the first field of a line that starts
# with "/" as the API path, and an absolute file path in the copied line would take its place.
spec-gate:
	@test -f $(RELEASED)/openapi.yaml || { echo "spec-gate: no released spec at $(RELEASED)/openapi.yaml; record one with 'make record-release VERSION=vX.Y.Z'"; exit 1; }
	@echo "== wire contract: changes since $$(cat $(RELEASED)/VERSION) (oasdiff)"
	@$(OASDIFF) changelog --format singleline $(RELEASED)/openapi.yaml openapi.yaml
	@# oasdiff ignores whatever follows the error line, so the reason the Go API gate requires is checked here.
	@if reasonless=$$(grep -nvE '^[[:space:]]*(#|$$)' $(SPEC_ACCEPTED) | grep -vE ' -- .*[^[:space:]]'); then \
		echo "spec-gate: FAIL: an acknowledgement in $(SPEC_ACCEPTED) needs a reason: '<the error line> -- <why>':"; \
		echo "$$reasonless"; exit 1; fi
	@if ! out=$$($(OASDIFF) breaking --fail-on ERR --format singleline --err-ignore $(SPEC_ACCEPTED) $(RELEASED)/openapi.yaml openapi.yaml 2>&1); then \
		echo "spec-gate: FAIL: breaking changes to the wire contract since $$(cat $(RELEASED)/VERSION), not acknowledged:"; \
		echo "$$out"; \
		echo "Undo the change, or acknowledge each error line in $(SPEC_ACCEPTED) as '<the line> -- <why>' (and bump the version as semver says)."; \
		exit 1; fi; echo "spec-gate: ok (no unacknowledged breaking change)"

## api-gate: apidiff between the last release's Go API and the code, for every public package of
## the module (found, not listed: not a command, not under internal/ or cmd/). A public package
## with no recorded API fails, saying how to record it (api-baseline) or acknowledge it.
api-gate:
	@$(APIGATE) check -repo "$(CURDIR)" -baseline "$(CURDIR)/$(RELEASED)/go" -accept "$(CURDIR)/$(GO_ACCEPTED)"

## api-baseline: PKG=<package> AT=<release tag or commit>: record one public package's Go API as it
## was at that release, into $(RELEASED)/go/ (for a package that shipped without a recorded API).
## Reads the release from git (git archive), so it needs the repository's history.
api-baseline:
	@test -n "$(PKG)" && test -n "$(AT)" || { echo "usage: make api-baseline PKG=<package, as api-gate names it> AT=<release tag or commit>"; exit 2; }
	@git rev-parse -q --verify "$(AT)^{commit}" >/dev/null || { echo "api-baseline: no revision '$(AT)' here (a release tag, or the commit that recorded the release: git log -- $(RELEASED)/VERSION)"; exit 1; }
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; git archive "$(AT)" | tar -x -C "$$tmp" && \
	$(APIGATE) record -repo "$$tmp" -baseline "$(CURDIR)/$(RELEASED)/go" -packages "$(PKG)"

## contract-tests: the fake's answers and ContractTransport against openapi.yaml. With
## CLERK_DEV_SECRET_KEY (an sk_test_ key) and CLERK_DEV_USER_ID set, also the live Clerk
## development instance, so drift between Clerk and the spec shows up here.
## Each name in CONTRACT_TESTS must still name a test: a renamed test would otherwise leave the
## gate passing on zero tests.
contract-tests:
	@listed="$$($(GO) test -list . ./clienttest)"; for name in $$(echo '$(CONTRACT_TESTS)' | tr '|' ' '); do \
		echo "$$listed" | grep -q "^[A-Za-z]*$$name" || { echo "contract-tests: no test in ./clienttest matches '$$name' (renamed?); update CONTRACT_TESTS in the Makefile"; exit 1; }; \
	done
	$(GO) test $(RACE) -count=1 -v -run '$(CONTRACT_TESTS)' ./clienttest

## test-tools: vet, staticcheck and the tests of spec-update, the Go API gate and the spec watch
## (modules of their own, which make test and make lint skip). The spec watch's test runs make
## spec-watch over a loopback copy of Clerk's published tree on copies of the repository.
test-tools:
	@set -e; for m in internal/tools/specupdate internal/tools/apidiff internal/tools/specwatch; do echo "== $$m"; \
		(cd $$m && $(GO) vet ./... && $(GO) tool -modfile=../lint/go.mod staticcheck ./... && $(GO) test -count=1 ./...); done

## spec-diff: what openapi.yaml changed since BASE (a git revision, default HEAD; e.g. BASE=v0.1.0), by oasdiff.
## Breaking changes are listed as errors: a change to the contract is a change for every user.
spec-diff:
	@if ! git rev-parse -q --verify "$(BASE)^{commit}" >/dev/null; then \
		echo "spec-diff: no revision '$(BASE)' in this repository (BASE must be a commit, tag or branch, e.g. BASE=HEAD~1)"; exit 1; fi; \
	if ! git rev-parse -q --verify "$(BASE):openapi.yaml" >/dev/null; then \
		echo "spec-diff: revision '$(BASE)' has no openapi.yaml"; exit 1; fi; \
	tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	git show "$(BASE):openapi.yaml" > "$$tmp/base.yaml"; \
	$(OASDIFF) changelog "$$tmp/base.yaml" openapi.yaml

## spec-update: take a Clerk Backend API spec: FROM= a path, an http(s) URL, or a version name
## (FROM=2026-05-12 reads $CLERK_SPECS_BASE/bapi/2026-05-12.yml; the base defaults to Clerk's
## published specs, github.com/clerk/openapi-specs). Prints what it read (where, size, sha256);
## refuses a file over 10 MiB, alias bombs, alias recursion and external $refs. Writes openapi.yaml
## (Clerk's file + spec/overlay.yaml), keeps the file taken in spec/clerk/ with its SOURCE, and
## regenerates gen/. API_VERSION=YYYY-MM-DD when neither the name nor info.version gives a date.
spec-update:
	@test -n "$(FROM)" || { echo "usage: make spec-update FROM=<path | http(s) URL | version, e.g. 2026-05-12> [API_VERSION=YYYY-MM-DD]"; exit 2; }
	$(SPECUPDATE) -from "$(FROM)" -dir "$(CURDIR)" -overlay "$(CURDIR)/spec/overlay.yaml" -out "$(CURDIR)/openapi.yaml" -record "$(CURDIR)/spec/clerk" $(if $(API_VERSION),-api-version "$(API_VERSION)")
	$(GO) generate ./...

## spec-watch: take Clerk's newest published API version (or VERSION=YYYY-MM-DD) when openapi.yaml
## does not follow it yet: spec-update from Clerk's file, APIVersion set, both gates run against
## the last release; prints a pull-request body (also into BODY=file): the version change, the
## wire and Go API changes, the next version under semver. Versions are listed from
## SPEC_WATCH_LISTING (default: GitHub's contents API of clerk/openapi-specs bapi/), files read
## from $$CLERK_SPECS_BASE/bapi/<version>.yml. OUTPUTS=file appends key=value results (GitHub
## Actions' $$GITHUB_OUTPUT). Run weekly by .github/workflows/spec-watch.yml. Nothing to take: no change.
SPECWATCH_GATES = -repo "$(CURDIR)" -oasdiff "$(OASDIFF)" -apigate "$(APIGATE)" -released "$(RELEASED)" -go-accepted "$(GO_ACCEPTED)"
spec-watch:
	@$(SPECWATCH) watch $(SPECWATCH_GATES) -spec-update "$(MAKE) --no-print-directory -C $(CURDIR) spec-update" \
		$(if $(VERSION),-version "$(VERSION)") $(if $(BODY),-body "$(abspath $(BODY))") $(if $(OUTPUTS),-outputs "$(abspath $(OUTPUTS))")

## release-check: the next version to release, from both gates' changes since the last release
## (the same judgement as spec-watch's), with the rule and the changes behind it.
release-check:
	@$(SPECWATCH) release-check $(SPECWATCH_GATES)

## record-release: VERSION=vX.Y.Z: record the current spec and Go API as the released contract the
## gates compare against, and clear the acknowledgements (they were for this release). Only a
## valid spec with gen/ generated from it, api.Version = VERSION and a CHANGELOG.md section for it.
record-release: check-generated
	@echo "$(VERSION)" | grep -Eq '^v[0-9]+\.[0-9]+\.[0-9]+$$' || { echo "usage: make record-release VERSION=vX.Y.Z (semver)"; exit 2; }
	$(GO) test -count=1 -run '^TestSpecIsValid|^TestAPIVersion' .
	@$(GO) doc ./api Version | grep -qF 'Version = "$(patsubst v%,%,$(VERSION))"' || { echo "record-release: api.Version is not $(patsubst v%,%,$(VERSION)); set it to the version being released"; exit 1; }
	@grep -qF '## [$(VERSION)]' CHANGELOG.md || { echo "record-release: CHANGELOG.md has no '## [$(VERSION)] - YYYY-MM-DD' section; move the Unreleased entries under one"; exit 1; }
	mkdir -p $(RELEASED)/go
	cp openapi.yaml $(RELEASED)/openapi.yaml
	@$(APIGATE) record -repo "$(CURDIR)" -baseline "$(CURDIR)/$(RELEASED)/go"
	echo "$(VERSION)" > $(RELEASED)/VERSION
	@for f in $(SPEC_ACCEPTED) $(GO_ACCEPTED); do sed -i.bak '/^[^#]/d' $$f && rm -f $$f.bak; done
	@echo "recorded $(VERSION) in $(RELEASED)/. Commit, and tag $(VERSION)."

## interop: Clerk's own SDKs against the built `signintoken fake` process — clerk-sdk-go
## (interop/go, a module of its own) and @clerk/backend (interop/js: npm ci from the committed
## lockfile, Node's test runner, through interop/with-fake.sh, the CI recipe of docs/fake-in-ci.md); the
## fake's answers validated against Clerk's published file (spec/clerk/) by Stoplight Prism as a
## proxy (interop/prism: an npm project of its own, so Prism's dependencies stay out of
## interop/js's; bounded by PRISM_TIMEOUT however Prism behaves); and the fake's memory targets,
## measured without -race.
PRISM_TIMEOUT ?= 600
interop:
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "interop: needs Node.js 20 and npm"; exit 1; }
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	$(GO) build -o "$$dir/signintoken" ./cmd/signintoken; \
	echo "== clerk-sdk-go (interop/go)"; (cd interop/go && $(GO) test -count=1 ./...); \
	echo "== @clerk/backend (interop/js)"; (cd interop/js && npm ci --no-audit --no-fund && SIGNINTOKEN_BIN="$$dir/signintoken" ../with-fake.sh "$$dir/signintoken" -- node --test); \
	echo "== the fake's answers against Clerk's published file, through Stoplight Prism (interop/prism)"; \
	(cd interop/prism && npm ci --no-audit --no-fund && SIGNINTOKEN_BIN="$$dir/signintoken" timeout $(PRISM_TIMEOUT) node --test); \
	echo "== the fake's memory targets"; $(GO) test -count=1 -v -run '^TestFakeMemory' ./cmd/signintoken

# --- Release artifacts, the npm package and the GitHub Action (docs/install-fake.md) ----------
# GoReleaser is pinned in a tool module of its own; its SBOM tool, cyclonedx-gomod, in another.
GORELEASER      ?= $(GO) tool -modfile=internal/tools/goreleaser/go.mod goreleaser
# RELEASE_TARGETS narrows the snapshot to some of .goreleaser.yaml's targets (comma-separated,
# e.g. linux_amd64_v1, what CI builds); empty: all of them.
RELEASE_TARGETS ?=
# The version the npm tarballs and their binary carry: the library's, unless given.
NPM_VERSION     ?= $(shell sed -n 's/^const Version = "\(.*\)"/\1/p' api/version.go)

.PHONY: goreleaser-check release-snapshot release-test npm-pack npm-pack-release npm-test action-test

## goreleaser-check: goreleaser check (the configuration is valid for the pinned GoReleaser).
## (release-check, above, is the next version from the gates.)
goreleaser-check:
	$(GORELEASER) check

## release-snapshot: the release artifacts into dist/release/, nothing published and no image
## (no Docker engine needed). RELEASE_TARGETS=linux_amd64_v1 builds one target.
release-snapshot:
	@set -e; config=.goreleaser.yaml; \
	if [ -n "$(RELEASE_TARGETS)" ]; then \
		grep -c '^    targets: \[.*\]$$' .goreleaser.yaml | grep -qx 1 || { echo "release-snapshot: .goreleaser.yaml has no one-line 'targets: [...]' to narrow"; exit 1; }; \
		mkdir -p dist; config=dist/goreleaser-narrowed.yaml; \
		sed 's/^    targets: \[.*\]$$/    targets: [$(RELEASE_TARGETS)]/' .goreleaser.yaml > $$config; \
	fi; \
	$(GORELEASER) release --snapshot --clean --skip=docker --config $$config

## release-test: the snapshot's linux/amd64 archive: checksums verify, its binary is static and
## prints the build's version, and it serves the fake (.ci/check-release-snapshot).
release-test:
	.ci/check-release-snapshot dist/release

## npm-pack: the npm tarballs of @clerkgen/signintokens-fake and its linux-x64 package, with a
## static linux/amd64 binary built as the release builds it, into dist/npm/.
npm-pack:
	@command -v node >/dev/null && command -v npm >/dev/null || { echo "npm-pack: needs Node.js 20 and npm"; exit 1; }
	rm -rf dist/npm && mkdir -p dist/npm/bin
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags "-s -w -X main.version=v$(NPM_VERSION)" -o dist/npm/bin/signintoken ./cmd/signintoken
	node npm/scripts/pack.mjs --version $(NPM_VERSION) --out dist/npm --binary linux-x64=dist/npm/bin/signintoken

## npm-pack-release: the npm tarballs of the main package and all six platform packages, from
## the binaries a full `make release-snapshot` (or release) left in dist/release, into
## dist/npm-release/, at the version GoReleaser built; `npm publish` each (platforms first).
npm-pack-release:
	@set -e; d=dist/release; v=$$(sed -n 's/.*"version":"\([^"]*\)".*/\1/p' $$d/metadata.json); \
	node npm/scripts/pack.mjs --version "$$v" --out dist/npm-release \
		--binary linux-x64=$$d/signintoken_linux_amd64_v1/signintoken --binary linux-arm64=$$d/signintoken_linux_arm64_v8.0/signintoken \
		--binary darwin-x64=$$d/signintoken_darwin_amd64_v1/signintoken --binary darwin-arm64=$$d/signintoken_darwin_arm64_v8.0/signintoken \
		--binary win32-x64=$$d/signintoken_windows_amd64_v1/signintoken.exe --binary win32-arm64=$$d/signintoken_windows_arm64_v8.0/signintoken.exe

## npm-test: the npm package's tests (npm/test, node --test) on the tarballs npm-pack wrote,
## installed offline into an empty project; @clerk/backend from npm/test's committed lockfile.
npm-test: npm-pack
	cd npm/test && npm ci --no-audit --no-fund && NPM_DIST=$(CURDIR)/dist/npm node --test

## action-test: the GitHub Action's scripts (action/) in a simulated runner (GITHUB_ENV,
## RUNNER_TEMP), with the locally built binary.
action-test:
	@set -e; dir=$$(mktemp -d); trap 'rm -rf "$$dir"' EXIT; \
	CGO_ENABLED=0 $(GO) build -trimpath -o "$$dir/signintoken" ./cmd/signintoken; \
	SIGNINTOKEN_TEST_BINARY="$$dir/signintoken" action/test.sh
