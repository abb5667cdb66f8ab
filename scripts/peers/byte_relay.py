"""Copies bytes between two sockets until either side closes, for the loopback relays of the tests
(connect_proxy.py, tls_front.py). Standard library only."""
import socket
import threading


def relay(source, sink):
    """Copies source -> sink until source closes, then shuts both down."""
    try:
        while True:
            data = source.recv(65536)
            if not data:
                break
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
