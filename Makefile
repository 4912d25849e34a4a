# aiorun's build, test and benchmark entry points.
GO      ?= go
BIN     ?= aiorun
PKGS    := ./...
FUZZTIME ?= 60s

.PHONY: all build test test-short test-remote bench-remote bench bench-peers bench-plot fuzz lint cover docs clean

all: build

## build: a static binary without cgo (aiorun needs none; without the
## dynamic loader and libc it starts about 1 ms sooner).
build:
	CGO_ENABLED=0 $(GO) build -o $(BIN) .

## test: vet, then every test with the race detector (unit and end-to-end).
test:
	$(GO) vet $(PKGS)
	$(GO) test -race -count=1 $(PKGS)

## test-remote: the end-to-end scripts of the ssh and Slurm executors
## (testdata/remote/*.txtar) against a private sshd and a single-node Slurm
## that testdata/remote/*-up.sh stand up on this machine (root, and the
## packages .ci/run installs); an engine that cannot start fails the test.
test-remote:
	AIORUN_TEST_REMOTE=1 $(GO) test -race -count=1 -timeout 20m -run '^TestRemote' -v .

## bench-remote: per-job overhead through ssh (connection reuse) and Slurm
## steps (bench/remote.sh; stands up the same engines).
bench-remote:
	bash bench/remote.sh

## test-short: the tests without the race detector, for a quick loop.
test-short:
	$(GO) test -count=1 $(PKGS)

## bench: Go micro-benchmarks, then aiorun against its peers (bench-peers);
## never part of test.
bench:
	$(GO) test -run='^$$' -bench=. -benchmem $(PKGS)
	bash bench/run.sh $(BENCHFLAGS)

## bench-peers: aiorun against xargs -P, make -j, GNU parallel, concurrently and
## a bare Go runner on workloads W1-W5 (bench/run.sh; installs what it needs).
## Tables on stdout and in bench/out/results.md. BENCHFLAGS=--quick for a
## smoke run; WORKLOADS="W1 W4", ROUNDS=5 and RUNNERS="aiorun xargs" pick.
bench-peers:
	bash bench/run.sh $(BENCHFLAGS)

## bench-plot: docs/scaling.svg, wall time and peak RSS against the number of
## jobs (100 to 20,000 `true` at -j 8) for aiorun and its peers; takes minutes.
bench-plot:
	bash bench/run.sh --plot $(BENCHFLAGS)

## fuzz: fuzz the job-file loader for FUZZTIME (not part of test or CI).
fuzz:
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./internal/jobfile/

## docs: man pages (docs/man/*.1) and markdown pages (docs/cli/*.md) from the
## cobra command tree (internal/tools/gendocs), dated by the last commit.
docs:
	SOURCE_DATE_EPOCH=$$(git log -1 --format=%ct 2>/dev/null || date +%s) $(GO) run ./internal/tools/gendocs -out docs

## lint: formatting, vet, and staticcheck (installed on first use).
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.6.1 $(PKGS)

## cover: test coverage, summarised per function.
cover:
	$(GO) test -count=1 -coverprofile=coverage.out -coverpkg=./... $(PKGS)
	$(GO) tool cover -func=coverage.out | tail -n 1

clean:
	rm -f $(BIN) coverage.out
