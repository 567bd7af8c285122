# supd — supervision trees of OS processes.
GO        ?= go
BIN       := bin
CONFIG    ?= examples/quickstart/supd.yaml
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS   := -s -w -X supd/internal/version.Version=$(VERSION)
PREFIX    ?= /usr/local
FUZZTIME  ?= 30s

.PHONY: help build run test testdeps soak bench fuzz lint install docs package clean

help: ## list the targets
	@grep -E '^[a-z]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-8s %s\n", $$1, $$2}'

build: ## build bin/supd and bin/supctl
	$(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/supd ./cmd/supctl

run: build ## build and run supd on the example tree in the foreground
	$(BIN)/supd --config $(CONFIG)

test: testdeps lint ## check formatting, vet and go.mod, then run every test with the race detector
	$(GO) test -race -count=1 -timeout 20m ./...

testdeps: ## install the third-party programs the tests run (as root): redis-server, systemd-analyze, man, tmux
	@missing=; \
	command -v redis-server >/dev/null || missing="$$missing redis-server"; \
	command -v systemd-analyze >/dev/null || missing="$$missing systemd"; \
	command -v man >/dev/null || missing="$$missing man-db"; \
	command -v tmux >/dev/null || missing="$$missing tmux"; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
		echo "testdeps:$$missing missing and only root can install them: the tests that need them will skip" >&2; \
	fi

soak: ## the chaos test of the e2e suite with a storm of 120 s instead of 20 s
	$(GO) test -count=1 -timeout 20m -run '^TestChaos$$' -v ./e2e -chaos.storm 120s

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

# The Debian package's version: the git description, as Debian spells it.
PKG_VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null | sed 's/^v//; s/-/+/g; s/^[^0-9]/0.0.0~git&/')
PKG_STAGE   := $(BIN)/pkg

package: build ## build the Debian package bin/supd_VERSION_ARCH.deb (with nfpm)
	rm -rf $(PKG_STAGE) && mkdir -p $(PKG_STAGE)/man
	cp $(BIN)/supd $(BIN)/supctl $(PKG_STAGE)/
	for f in docs/*.[1-8]; do s=$${f##*.}; mkdir -p $(PKG_STAGE)/man/man$$s && \
		gzip -9n < $$f > $(PKG_STAGE)/man/man$$s/$${f##*/}.gz || exit 1; done
	PKG_VERSION='$(PKG_VERSION)' PKG_ARCH=$$($(GO) env GOARCH) PKG_STAGE='$(PKG_STAGE)' \
		$(GO) tool nfpm package --config packaging/nfpm.yaml --packager deb --target $(BIN)/

# Each line generates part of docs/ from the code; the tests fail when a
# committed copy is stale.
docs: ## regenerate docs/ from the code: man pages, completions, the config reference
	$(GO) test ./cmd/supd -run '^TestDocs$$' -count=1 -update
	$(GO) test ./cmd/supctl -run '^TestDocs$$' -count=1 -update
	$(GO) run ./config/internal/gendoc -o docs

clean: ## remove build output
	rm -rf $(BIN)
