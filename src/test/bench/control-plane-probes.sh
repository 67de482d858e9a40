#!/usr/bin/env bash
# What a control-plane fault costs egress in the lab (root; the lab's egw- namespaces, removed by
# `./egw lab down` at the end). Brings the lab up, probes the echo service every 25 ms from two
# selected pods (alice/frontend, paul/frontend, egress IP 192.168.1.100) and two others
# (alice/backend, bob/frontend, their node's address), injects the fault, keeps probing for AFTER
# seconds once it is healed, then prints every gap: a run of probes without the pod's usual answer,
# with its span in seconds after the fault began (printed too, to match against lab-run/*.log).
#
#   control-plane-probes.sh [restart [AFTER]]          the controller SIGKILLed and started at once
#   control-plane-probes.sh controller-down SECONDS [AFTER]
#       the controller SIGKILLed, kept down SECONDS, then the router's neighbour table flushed and
#       each floating IP asked for with a fresh ARP request (every answering MAC printed); then
#       the controller started (issue 12: "controller killed for 60 s")
#   control-plane-probes.sh api-down SECONDS [AFTER]
#       the Kubernetes API (the lab's emulator process) SIGSTOPped for SECONDS, then the same flush
#       and ARP requests, then SIGCONT (issue 12: "the Kubernetes API unreachable for 60 s")
#
# AFTER defaults to 30 s. The probers stop on their own after the fault, the heal and AFTER. A few
# minutes after the build (restart about 2).
set -euo pipefail
cd "$(dirname "$0")/../../.."
MODE="${1:-restart}"
case "$MODE" in
  restart) DOWN=0; AFTER="${2:-30}" ;;
  controller-down|api-down) DOWN="${2:?seconds down}"; AFTER="${3:-30}" ;;
  *) echo "usage: $0 [restart [AFTER]] | controller-down SECONDS [AFTER] | api-down SECONDS [AFTER]" >&2; exit 2 ;;
esac
OUT="$(mktemp -d /tmp/egw-control-plane-probes.XXXXXX)"
./egw lab up > "$OUT/lab-up.log" 2>&1 || { echo "lab up failed: $OUT/lab-up.log" >&2; exit 1; }
trap './egw lab down > "$OUT/lab-down.log" 2>&1' EXIT
CP="target/quarkus-app/app/*"
# the probers outlive the fault, a controller start (up to 60 s on a loaded machine) and AFTER
PROBE_S=$((8 + DOWN + 60 + AFTER))
echo "Machine: $(nproc) CPUs, kernel $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
for p in alice-frontend paul-frontend alice-backend bob-frontend; do
  ip netns exec "egw-pod-$p" java -Xmx32m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -cp "$CP" \
    io.egressgw.lab.LabProber 203.0.113.10 8000 25 300 100000 "$PROBE_S" > "$OUT/probe-$p.log" 2>/dev/null < <(sleep $((PROBE_S + 5))) &
done
sleep 8
FAULT_NS="$(java -cp "$CP" io.egressgw.lab.LabProber --now)"
echo "$MODE at $(date -u +%T.%N | cut -c1-12) UTC"

# Who answers ARP for each floating IP, asked from the router after it forgot its neighbours.
arp_owners() {
  ip netns exec egw-ext ip neigh flush dev eth0
  for ip in 192.168.1.100 192.168.1.101 192.168.1.102; do
    macs="$(ip netns exec egw-ext arping -c 2 -w 2 -i eth0 "$ip" 2>/dev/null \
      | grep -oiE 'from ([0-9a-f]{2}:){5}[0-9a-f]{2}' | awk '{print $2}' | sort -u | tr '\n' ' ')"
    echo "  after the neighbour flush, $ip answered by: ${macs:-NOBODY}"
  done
}

pid_of() { cat "lab-run/$1.pid"; }
case "$MODE" in
  restart)
    ./egw lab restart controller ;;
  controller-down)
    kill -KILL "$(pid_of controller)"
    sleep "$DOWN"
    arp_owners
    ./egw lab restart controller ;;
  api-down)
    kill -STOP -- "-$(pid_of kube-api)"
    sleep "$DOWN"
    arp_owners
    kill -CONT -- "-$(pid_of kube-api)" ;;
esac
echo "healed at $(date -u +%T.%N | cut -c1-12) UTC"
sleep "$AFTER"
wait
for p in alice-frontend paul-frontend alice-backend bob-frontend; do
  awk -v pod="$p" -v fault="$FAULT_NS" '
    function clock(t) { return sprintf("%+8.3f s", (t - fault) / 1e9) }
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
