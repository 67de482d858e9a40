#!/usr/bin/env bash
# Conntrack replication end to end (root; network namespaces egw-<id>-*, removed afterwards): a
# pod on node 1 opens RATE new UDP flows per second (default 10000, first argument) for SECONDS
# (default 10, second argument); node 1's agent SNATs them to its floating IP and replicates its
# conntrack events; node 2's agent, the standby, installs the batches. Prints Markdown for
# BENCHMARKS.md: per-flow lag (first datagram sent -> installed on the standby), installs per
# second, lost events, both agents' memory. About 30 s after the build.
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -B -q test-compile >&2
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
cc -O2 -Wall -o target/flowgen src/test/bench/flowgen.c
echo "Machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" \
  io.egressgw.netns.ReplicationLagBench "${1:-10000}" "${2:-10}" target/flowgen
