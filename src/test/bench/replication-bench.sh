#!/usr/bin/env bash
# Conntrack replication, the standby's side (root; network namespaces egw-<id>-*, removed
# afterwards): a real agent installs N replicated SNAT entries (default 100000, first argument) in
# batches of 512 and then takes the floating IP over. Prints Markdown for BENCHMARKS.md. About a
# minute.
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -B -q test-compile >&2
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
echo "Machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), kernel $(uname -r), $(date -u +%Y-%m-%d)"
echo
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.egressgw.netns.ReplicationBench "$@"
