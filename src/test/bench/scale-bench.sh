#!/usr/bin/env bash
# Scale benchmark of one node's dataplane (root; a network namespace egw-<id>-n1 and a bpffs under
# /tmp, both removed afterwards): 1,000,000 (rule set, prefix) routes and 64,000 local pods applied
# by a real agent dataplane; cold load, memlock per map, one-pod change, agent restart, and
# egw_classify per packet over 50,000 distinct packets per case. Prints Markdown for BENCHMARKS.md.
# Options: --routes N --pods N (defaults 1000000, 64000), --heap SIZE (JVM heap, default 6g).
# About 2-3 minutes.
set -euo pipefail
cd "$(dirname "$0")/../../.."
mvn -B -q test-compile >&2
mvn -B -q dependency:build-classpath -Dmdep.outputFile=target/bench.classpath >/dev/null
echo "Machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(free -g | awk '/^Mem:/{print $2}') GiB," \
  "kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M') UTC, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo
exec java -cp "target/test-classes:target/classes:$(cat target/bench.classpath)" io.egressgw.netns.ScaleBench "$@"
