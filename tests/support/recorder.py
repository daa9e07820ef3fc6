#!/usr/bin/env python3
"""A loopback listener that records every byte sent to it, for awsso's endpoint-isolation test (issue 9, finding 1).

Usage: python recorder.py PORT FILE

Binds 127.0.0.1:PORT (0: the kernel picks), prints ONE line, `http://127.0.0.1:PORT`, once it is listening, then
appends everything any client sends to FILE (a marker line per connection) and answers each request with an empty
400, so a client that does leak fails at once instead of waiting. Serves until killed or until stdin closes.
"""

import socket
import sys
import threading


def serve(conn, out, lock):
    conn.settimeout(2)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value.strip() or 0)
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
            data += chunk
        conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
    except (OSError, ValueError):
        pass
    finally:
        with lock:
            out.write(b"--- connection ---\n" + data + b"\n")
            out.flush()
        conn.close()


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(64)
    out = open(path, "ab")
    lock = threading.Lock()

    def accept():
        while True:
            conn, _ = sock.accept()
            threading.Thread(target=serve, args=(conn, out, lock), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print(f"http://127.0.0.1:{sock.getsockname()[1]}", flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
