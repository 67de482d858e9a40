#!/usr/bin/env bash
# What a controller restart costs egress in the lab (root; the lab's egw- namespaces, removed by
# `./egw lab down` at the end): brings the lab up, probes the echo service every 25 ms from two
# selected pods (alice/frontend, paul/frontend, egress IP 192.168.1.100) and two others
# (alice/backend, bob/frontend, their node's address), restarts the controller, keeps probing for
# AFTER seconds (default 30, first argument), then prints every gap: a run of probes without the
# pod's usual answer, with its span in seconds after the restart began (the restart's start time is
# printed, to match against lab-run/*.log). The probers stop on their own after 95 s. About 2 minutes after the build.
set -euo pipefail
cd "$(dirname "$0")/../../.."
AFTER="${1:-30}"
OUT="$(mktemp -d /tmp/egw-restart-probes.XXXXXX)"
./egw lab up > "$OUT/lab-up.log" 2>&1 || { echo "lab up failed: $OUT/lab-up.log" >&2; exit 1; }
trap './egw lab down > "$OUT/lab-down.log" 2>&1' EXIT
CP="target/quarkus-app/app/*"
echo "Machine: $(nproc) CPUs, kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for p in alice-frontend paul-frontend alice-backend bob-frontend; do
  ip netns exec "egw-pod-$p" java -Xmx32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CP" \
    io.egressgw.lab.LabProber 203.0.113.10 8000 25 300 4000 90 > "$OUT/probe-$p.log" 2>/dev/null < <(sleep 95) &
done
sleep 8
RESTART_NS="$(java -cp "$CP" io.egressgw.lab.LabProber --now)"
echo "controller restart at $(date -u +%T.%N | cut -c1-12) UTC"
./egw lab restart controller
sleep "$AFTER"
wait
for p in alice-frontend paul-frontend alice-backend bob-frontend; do
  awk -v pod="$p" -v restart="$RESTART_NS" '
    function clock(t) { return sprintf("%+8.3f s", (t - restart) / 1e9) }
    { n++; seen[$2]++; t[n] = $1; v[n] = $2 }
    END {
      for (s in seen) if (seen[s] > best) { best = seen[s]; usual = s }
      gaps = 0; last = 0; bad = 0
      for (i = 1; i <= n; i++) {
        if (v[i] == usual) {
          if (bad > 0) { gaps++; printf "  %-15s gap %s -> %s  %5d ms  %d probes without %s\n", pod, clock(last), clock(t[i]), (t[i] - last) / 1e6, bad, usual }
          last = t[i]; bad = 0
        } else bad++
      }
      printf "%-15s answered as %-15s %5d probes, %d gaps\n", pod, usual, n, gaps
    }' "$OUT/probe-$p.log"
done
echo "probe logs: $OUT"
