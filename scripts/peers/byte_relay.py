"""Copies bytes between two sockets until either side closes, for the loopback relays of the tests
(connect_proxy.py, tls_front.py, the browser tests' LatencyRelay). Standard library only."""
import socket
import threading
import time


def relay(source, sink, delay=0):
    """Copies source -> sink until source closes (waiting `delay` seconds before each chunk), then shuts
    both down."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
            if delay:
                time.sleep(delay)
            sink.sendall(data)
    except OSError:
        pass
    finally:
        for end in (source, sink):
            try:
                end.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


def both_ways(client, upstream):
    """Relays upstream -> client on a thread and client -> upstream on this one."""
    threading.Thread(target=relay, args=(upstream, client), daemon=True).start()
    relay(client, upstream)
