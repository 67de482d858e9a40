# A pod's client in the connection-continuity tests: TCP connections and UDP sockets to one
# destination, a message on each every 50 ms for SECONDS.
# argv: DST TCP_PORT UDP_PORT PREFIX TCP_FLOWS UDP_FLOWS SECONDS
# Prints one JSON line: per flow, the longest gap between answers, the first error and whether
# it was answered in the last second of the run. Flows are named PREFIX-tN and PREFIX-uN.
import json
import select
import socket
import sys
import time

dst, tcp_port, udp_port, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
tcp_flows, udp_flows, seconds = int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
flows = []
for i in range(tcp_flows):
    s = socket.create_connection((dst, tcp_port), timeout=5)
    s.setblocking(False)
    flows.append({'name': '%s-t%d' % (prefix, i), 'sock': s, 'tcp': True})
for i in range(udp_flows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    flows.append({'name': '%s-u%d' % (prefix, i), 'sock': s, 'tcp': False})
start = time.time()
end = start + seconds
for f in flows:
    f.update(last=start, gap=0.0, error='', lastAnswer=0.0)
nxt = start
while time.time() < end:
    now = time.time()
    if now >= nxt:
        nxt = now + 0.05
        for f in flows:
            if f['error']:
                continue
            msg = (f['name'] + '\n').encode()
            try:
                if f['tcp']:
                    f['sock'].send(msg)
                else:
                    f['sock'].sendto(msg, (dst, udp_port))
            except BlockingIOError:
                pass
            except OSError as e:
                f['error'] = repr(e)
    r, _, _ = select.select([f['sock'] for f in flows if not f['error']], [], [], 0.01)
    for f in flows:
        if f['sock'] in r:
            try:
                d = f['sock'].recv(65536)
                if f['tcp'] and not d:
                    f['error'] = 'closed'
                    continue
            except BlockingIOError:
                continue
            except OSError as e:
                f['error'] = repr(e)
                continue
            t = time.time()
            f['gap'] = max(f['gap'], t - f['last'])
            f['last'] = t
            f['lastAnswer'] = t
# A close with unread data resets the connection, which the listener would report as a reset of
# the flow: half-close, drain until the listener closes its side, then close.
for f in flows:
    if f['tcp'] and not f['error']:
        s = f['sock']
        try:
            s.setblocking(True)
            s.settimeout(1)
            s.shutdown(socket.SHUT_WR)
            while s.recv(65536):
                pass
        except OSError as e:
            f['error'] = 'at close: ' + repr(e)
    f['sock'].close()
out = [{'name': f['name'], 'maxGapMs': int(f['gap'] * 1000), 'error': f['error'],
        'answeredAfterMove': f['lastAnswer'] > end - 1} for f in flows]
print(json.dumps({'flows': out}))
