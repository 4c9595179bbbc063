#!/bin/sh
# Compare pkg/mlkit with scikit-learn on the same three workloads.
#
# Runs the Go benchmarks (best ns/op of COUNT runs, default 5), then
# scripts/sklearn_bench.py when /usr/bin/python3 (or $PYTHON) can import
# sklearn, and prints one line per benchmark with both times and the speed-up
# (scikit-learn time / Go time; above 1 means Go is faster). Without
# scikit-learn it prints the Go figures only.
#
#   scripts/bench_ml.sh            # from the repository root
#   COUNT=10 scripts/bench_ml.sh
set -eu
cd "$(dirname "$0")/.."
COUNT="${COUNT:-5}"
PYTHON="${PYTHON:-/usr/bin/python3}"
BENCH='^Benchmark(KNNPredictDigits|LogisticFitBreastCancer|OLSDiabetes)$'

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "go test -bench (best of $COUNT)..." >&2
go test -run '^$' -bench "$BENCH" -count "$COUNT" ./pkg/mlkit >"$tmp/go.txt"
# Lines look like: BenchmarkOLSDiabetes-2   21328   54338 ns/op
awk '/^Benchmark/ {
	name = $1; sub(/^Benchmark/, "", name); sub(/-[0-9]+$/, "", name)
	for (i = 2; i < NF; i++) if ($(i+1) == "ns/op") ns = $i
	if (!(name in best) || ns < best[name]) best[name] = ns
} END { for (n in best) printf "%s %.9f\n", n, best[n] / 1e9 }' "$tmp/go.txt" | sort >"$tmp/go.best"

if "$PYTHON" -c 'import sklearn' 2>/dev/null; then
	echo "scikit-learn ($("$PYTHON" -c 'import sklearn; print(sklearn.__version__)'))..." >&2
	"$PYTHON" scripts/sklearn_bench.py datasets | sort >"$tmp/py.best"
else
	echo "scikit-learn not found for $PYTHON: showing Go only (apt-get install python3-sklearn)" >&2
	: >"$tmp/py.best"
fi

awk 'NR == FNR { py[$1] = $2; next }
BEGIN { printf "%-26s %12s %14s %10s\n", "benchmark", "go", "scikit-learn", "speed-up" }
{
	if ($1 in py) printf "%-26s %9.3f ms %11.3f ms %9.2fx\n", $1, $2 * 1e3, py[$1] * 1e3, py[$1] / $2
	else printf "%-26s %9.3f ms %14s %10s\n", $1, $2 * 1e3, "-", "-"
}' "$tmp/py.best" "$tmp/go.best"
