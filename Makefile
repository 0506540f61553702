# Every target runs from a clean clone with nothing installed by hand: Go fetches the pinned
# tools (internal/tools/go.mod) and the modules through the module proxy.
GO    ?= go
TOOLS := $(GO) tool -modfile=internal/tools/go.mod

.PHONY: test generate check-generated lint bench contract

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
	$(TOOLS) staticcheck ./...

## bench: benchmarks, benchstat-friendly (compare two runs with benchstat old.txt new.txt).
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count 6 ./... | tee bench.txt
