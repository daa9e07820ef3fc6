#!/usr/bin/env python3
"""moto's server on a loopback port the kernel picks, for awsso's `whoami --verify` test.

Usage: python moto_server.py

Binds 127.0.0.1:0 (moto_server's CLI cannot: it needs a port number, and a port found free beforehand can be taken
by another test before moto binds it), prints ONE line, `http://127.0.0.1:PORT`, once it is listening, and serves
until stdin closes (the test holding the pipe ended or was killed) or the process is killed.
"""

import sys

from moto.moto_server.threaded_moto_server import ThreadedMotoServer


def main():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()  # returns once the socket is bound and listening
    host, port = server.get_host_and_port()
    print(f"http://{host}:{port}", flush=True)
    sys.stdin.read()
    server.stop()


if __name__ == "__main__":
    main()
