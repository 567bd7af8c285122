# supd — supervision trees of OS processes.
GO        ?= go
BIN       := bin
CONFIG    ?= examples/quickstart/supd.yaml
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X supd/internal/version.Version=$(VERSION) -X main.version=$(VERSION)
PREFIX    ?= /usr/local
FUZZTIME  ?= 60s

.PHONY: help build run test testdeps bench fuzz lint install clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build bin/supd and bin/supctl
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/supd ./cmd/supctl

run: build ## build and run supd on the example tree in the foreground
	$(BIN)/supd --config $(CONFIG)

test: testdeps ## run every test with the race detector
	$(GO) vet ./...
	$(GO) test -race -count=1 -timeout 20m ./...

testdeps: ## install the third-party programs the e2e tests run (as root)
	@if [ "$$(id -u)" = 0 ]; then command -v redis-server >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server) || true; fi
	@if [ "$$(id -u)" = 0 ]; then command -v tmux >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tmux) || true; fi

bench: build ## run the benchmarks (figures in BENCHMARKS.md)
	$(GO) test -run '^$$' -bench . -benchtime 1x -timeout 30m ./bench/...

fuzz: ## fuzz the config loader for FUZZTIME
	$(GO) test ./config -run '^$$' -fuzz FuzzLoad -fuzztime $(FUZZTIME)

lint: ## gofmt and go vet
	@test -z "$$(gofmt -l .)" || (gofmt -l . && exit 1)
	$(GO) vet ./...

install: build ## install supd and supctl into PREFIX/bin
	install -D -m 0755 $(BIN)/supd $(DESTDIR)$(PREFIX)/bin/supd
	install -D -m 0755 $(BIN)/supctl $(DESTDIR)$(PREFIX)/bin/supctl

clean: ## remove build output
	rm -rf $(BIN)
