#!/usr/bin/env python3
"""A black hole on loopback for bench/run.sh: a listening socket with a backlog of 1 that never accepts.
Once its accept queue is full the kernel drops every further SYN, so a client's connect neither succeeds
nor is refused: it hangs as it would against a firewall that drops packets. Prints its port, then sleeps
until killed (or --max-seconds).

  python3 bench/black_hole.py [--max-seconds 600]
"""
import argparse
import socket
import time

parser = argparse.ArgumentParser()
parser.add_argument("--max-seconds", type=float, default=600)
args = parser.parse_args()
listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
listener.bind(("127.0.0.1", 0))
listener.listen(0)
# Fill the accept queue ourselves, so that not even the first ping's connect completes.
fillers = []
for _ in range(2):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect(("127.0.0.1", listener.getsockname()[1]))
    except BlockingIOError:
        pass
    fillers.append(s)
time.sleep(0.2)
print(listener.getsockname()[1], flush=True)
time.sleep(args.max_seconds)
