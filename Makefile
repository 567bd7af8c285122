# supd — supervision trees of OS processes.
GO        ?= go
BIN       := bin
CONFIG    ?= examples/quickstart/supd.yaml
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X supd/internal/version.Version=$(VERSION)
PREFIX    ?= /usr/local
FUZZTIME  ?= 30s

.PHONY: help build run test testdeps bench fuzz lint install clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build bin/supd and bin/supctl
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/supd ./cmd/supctl

run: build ## build and run supd on the example tree in the foreground
	$(BIN)/supd --config $(CONFIG)

test: testdeps lint ## check formatting, vet and go.mod, then run every test with the race detector
	$(GO) test -race -count=1 -timeout 20m ./...

testdeps: ## install the third-party programs the e2e tests run (redis-server; needs root)
	@if command -v redis-server >/dev/null; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server; \
	else \
		echo "testdeps: redis-server is missing and only root can install it: the redis tests will skip" >&2; \
	fi

bench: build ## run the benchmarks (figures in BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./bench/...

fuzz: ## run every fuzz target of every package for FUZZTIME each
	@set -e; for dir in $$(grep -rl --include='*_test.go' '^func Fuzz' . | xargs -n1 dirname | sort -u); do \
		for target in $$($(GO) test -list '^Fuzz' $$dir | grep '^Fuzz'); do \
			echo "$(GO) test $$dir -fuzz '^$$target$$' -fuzztime $(FUZZTIME)"; \
			$(GO) test $$dir -run '^$$' -fuzz "^$$target\$$" -fuzztime $(FUZZTIME); \
		done; \
	done

lint: ## gofmt, go vet, and go.mod/go.sum as go mod tidy leaves them
	@test -z "$$(gofmt -l .)" || { echo "lint: not gofmt'ed:" >&2; gofmt -l . >&2; exit 1; }
	$(GO) vet ./...
	@$(GO) mod tidy -diff >/dev/null || { echo "lint: go.mod/go.sum are not tidy; run go mod tidy:" >&2; $(GO) mod tidy -diff >&2; exit 1; }

install: build ## install supd and supctl into PREFIX/bin
	install -D -m 0755 $(BIN)/supd $(DESTDIR)$(PREFIX)/bin/supd
	install -D -m 0755 $(BIN)/supctl $(DESTDIR)$(PREFIX)/bin/supctl

clean: ## remove build output
	rm -rf $(BIN)
