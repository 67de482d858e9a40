#!/usr/bin/env bash
# Dataplane benchmarks (root; network namespaces egw-<id>-*, removed afterwards): iperf3 throughput and
# new TCP connections/s through the gateway path vs the direct masquerade path, and the per-packet cost
# of egw_classify via BPF_PROG_TEST_RUN. Prints Markdown for BENCHMARKS.md. About 4 minutes.
# Arguments are passed on: --classifier-only runs just the BPF_PROG_TEST_RUN part (seconds).
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -B -q test-compile >&2
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
echo "Machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), kernel $(uname -r), $(date -u +%Y-%m-%d)"
echo
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.egressgw.netns.DataplaneBench "$@"
