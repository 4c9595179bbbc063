# mlops-lab: build, test, grade and benchmark the course.
GO ?= go
# The Ryuk reaper image cannot be pulled on machines without a registry; the
# docker runtime's tests clean up after themselves instead.
export TESTCONTAINERS_RYUK_DISABLED ?= true

.PHONY: build test grade bench lint fuzz packages

build:
	$(GO) build -o bin/mlops-lab ./cmd/mlops-lab

# Unit tests, the three runtimes, and the check that every lab's solution
# scores full points and every untouched starter scores zero.
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 30m ./...

# Grade every lab's reference solution with the CLI, as an instructor's CI would.
grade:
	$(GO) run ./cmd/mlops-lab grade --all --solution

# Every benchmark (runtime start-up, grading, Kafka, ksqlDB, stream helper,
# windows, models), then mlkit beside scikit-learn where it is installed.
bench:
	$(GO) test -run '^$$' -bench . -benchmem -count=1 ./...
	sh scripts/bench_ml.sh

lint:
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)
	$(GO) vet ./...
	$(GO) vet -tags grading ./labs/... ./solutions/...
	$(GO) vet -tags grading,solution -overlay solutions/overlay.json ./labs/...
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 ./...
	@sh scripts/packages.sh | diff -u docs/packages.md - || (echo "docs/packages.md is out of date: make packages"; exit 1)

# The package diagram in docs/packages.md, from go list.
packages:
	sh scripts/packages.sh > docs/packages.md

# Fuzz what reads outside input, FUZZTIME each (a duration such as 60s, or a
# count such as 10000x): KSQL scripts, record decoders, CSV data sets. Each
# target's corpus is its f.Add seeds plus the files under its package's
# testdata/fuzz/FuzzNAME, which plain `go test` runs as regression cases; an
# input that fails is written there, and is committed with its fix.
FUZZTIME ?= 60s
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./pkg/ksql/parser/
	$(GO) test -run '^$$' -fuzz '^FuzzDecoders$$' -fuzztime $(FUZZTIME) ./pkg/ksql/format/
	$(GO) test -run '^$$' -fuzz '^FuzzLoadCSV$$' -fuzztime $(FUZZTIME) ./pkg/mlkit/
