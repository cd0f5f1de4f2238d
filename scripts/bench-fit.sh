#!/usr/bin/env bash
# Release-mode micro-figures for the trajectory fitter (docs/twin.md, "Trajectory fitting"):
# builds a throw-away package from Sources/TwinKit/Fitting, the optimiser and RNG it uses,
# the Monod test model and scenario (cut from the test file between the bench-fit markers)
# and scripts/bench-fit.swift, so the numbers are of the code the tests check.
#   scripts/bench-fit.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
OUT="$(mktemp -d "${TMPDIR:-/tmp}/fedtwin-bench-fit.XXXXXX")"
trap 'rm -rf "$OUT"' EXIT
mkdir -p "$OUT/Sources/BenchFit"
cat >"$OUT/Package.swift" <<'PKG'
// swift-tools-version:6.0
import PackageDescription
let package = Package(name: "BenchFit", targets: [.executableTarget(name: "BenchFit")], swiftLanguageModes: [.v6])
PKG
K="$ROOT/Sources/TwinKit"
cp "$K"/Fitting/*.swift "$K/NeuralNet/AdamOptimizer.swift" "$K/Random/SplitMix64.swift" \
   "$K/Random/Xoshiro256StarStar.swift" "$K/Random/Xoshiro256StarStar+Distributions.swift" "$OUT/Sources/BenchFit/"
cp scripts/bench-fit.swift "$OUT/Sources/BenchFit/BenchFit.swift"
T="$ROOT/Tests/TwinKitTests/TrajectoryFitterTests.swift"
{
    echo "import Foundation"
    sed -n '/bench-fit: model begin/,/bench-fit: model end/p' "$T"
    echo "enum TrajectoryFitterTests {"
    echo "    typealias Problem = TrajectoryProblem<MonodFedBatch.Inputs>"
    sed -n '/bench-fit: scenario begin/,/bench-fit: scenario end/p' "$T"
    echo "}"
} >"$OUT/Sources/BenchFit/Scenario.swift"
swift build -c release --package-path "$OUT" >"$OUT/build.log" 2>&1 || { tail -30 "$OUT/build.log"; exit 1; }
"$OUT/.build/release/BenchFit"
