# The outside listener of the connection-continuity tests: TCP and UDP echo on one address.
# argv: LOG ADDRESS TCP_PORT UDP_PORT
# It logs each flow's source once per (flow, source) as "tcp|udp FLOW ADDR:PORT", and
# "reset ADDR:PORT" when a TCP connection is reset. The UDP socket is bound to ADDRESS: answers
# must come from the address the flow was sent to, or conntrack does not match them.
import selectors
import socket
import sys

log_path, address, tcp_port, udp_port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
log = open(log_path, 'a', buffering=1)
sel = selectors.DefaultSelector()
t = socket.socket()
t.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
t.bind((address, tcp_port))
t.listen(256)
t.setblocking(False)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
u.bind((address, udp_port))
sel.register(t, selectors.EVENT_READ, 'accept')
sel.register(u, selectors.EVENT_READ, 'udp')
seen = set()


def note(kind, flow, addr):
    k = (kind, flow, addr)
    if k not in seen:
        seen.add(k)
        log.write('%s %s %s:%d\n' % (kind, flow, addr[0], addr[1]))


while True:
    for key, _ in sel.select():
        if key.data == 'accept':
            c, a = t.accept()
            c.setblocking(False)
            sel.register(c, selectors.EVENT_READ, ('tcp', a))
        elif key.data == 'udp':
            d, a = u.recvfrom(2048)
            note('udp', d.decode().strip(), a)
            u.sendto(d, a)
        else:
            c = key.fileobj
            a = key.data[1]
            try:
                d = c.recv(2048)
            except ConnectionError:
                log.write('reset %s:%d\n' % a)
                sel.unregister(c)
                c.close()
                continue
            if not d:
                sel.unregister(c)
                c.close()
                continue
            note('tcp', d.decode().split()[0], a)
            try:
                c.send(d)
            except ConnectionError:
                log.write('reset %s:%d\n' % a)
                sel.unregister(c)
                c.close()
