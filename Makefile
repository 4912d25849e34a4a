# aiorun's build, test and benchmark entry points.
GO      ?= go
BIN     ?= aiorun
PKGS    := ./...
FUZZTIME ?= 60s

.PHONY: all build test test-short bench fuzz lint cover clean

all: build

build:
	$(GO) build -o $(BIN) .

## test: vet, then every test with the race detector (unit and end-to-end).
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

## test-short: the tests without the race detector, for a quick loop.
test-short:
	$(GO) test -count=1 $(PKGS)

## bench: Go micro-benchmarks (never part of test).
bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)

## fuzz: fuzz the job-file loader for FUZZTIME (not part of test or CI).
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./internal/jobfile/

## lint: formatting, vet, and staticcheck (installed on first use).
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@2025.1.1 $(PKGS)

## cover: test coverage, summarised per function.
cover:
	$(GO) test -count=1 -coverprofile=coverage.out -coverpkg=./... $(PKGS)
	$(GO) tool cover -func=coverage.out | tail -n 1

clean:
	rm -f $(BIN) coverage.out
