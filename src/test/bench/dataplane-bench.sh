#!/usr/bin/env bash
# Dataplane benchmarks (root; network namespaces egw-<id>-*, removed afterwards): iperf3 TCP throughput,
# 64-byte UDP packets/s at the listener and new TCP connections/s through the gateway path, the local
# gateway path, the direct masquerade path and the plain two-hop kernel forward (5 rounds), and the
# per-packet cost of egw_classify via BPF_PROG_TEST_RUN. Prints Markdown for BENCHMARKS.md, with the
# load average before and after. About 5-10 minutes.
# Arguments are passed on: --rounds N (default 5); --classifier-only runs just the BPF_PROG_TEST_RUN
# part (seconds).
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -B -q test-compile >&2
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
echo "Machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M') UTC"
echo "Before: $(uptime)"
echo
java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.egressgw.netns.DataplaneBench "$@"
echo "After ($(date -u '+%H:%M') UTC): $(uptime)"
