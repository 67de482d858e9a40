#!/usr/bin/env bash
# Runs the JMH benchmarks (src/test/java/io/egressgw/bench; never part of the test suite).
#   bench/run.sh                       every benchmark, with the settings in the classes
#   bench/run.sh PlacementBenchmark    only matching benchmarks; any org.openjdk.jmh.Main option works
#   bench/run.sh --probe               median wall and thread-CPU time of the same scenarios
#                                      (useful on a shared machine, see BENCHMARKS.md)
set -euo pipefail
cd "$(dirname "$0")/.."
mvn -B -q test-compile dependency:build-classpath \
  -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
CP="target/test-classes:target/classes:$(cat target/bench.classpath)"
if [ "${1:-}" = "--probe" ]; then
  exec java -Xmx4g -cp "$CP" io.egressgw.bench.CpuTimeProbe
fi
exec java -cp "$CP" org.openjdk.jmh.Main "$@"
