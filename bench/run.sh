#!/usr/bin/env bash
# Runs the JMH benchmarks (src/test/java/io/egressgw/bench; never part of the test suite).
#   bench/run.sh                       every benchmark, with the settings in the classes
#   bench/run.sh PlacementBenchmark    only matching benchmarks; any org.openjdk.jmh.Main option works
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" org.openjdk.jmh.Main "$@"
