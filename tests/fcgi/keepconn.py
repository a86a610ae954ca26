#!/usr/bin/env python3
"""keepconn.py: two FastCGI requests on one kept connection, straight to the pool.

    keepconn.py HOST:PORT|PATH BODY_BYTES
    keepconn.py HOST:PORT|PATH big

The first is a POST whose body the pool refuses before reading it (over PLATFORM_MAX_BODY);
the second a GET /api/healthz on the same connection (FCGI_KEEP_CONN, as nginx's
fastcgi_keep_conn sends). Prints the two statuses, or "none" for one that never came.
With "big" the first is GET /api/openapi.yaml, an answer the pool writes in one go with the end
of its request (fcgi/req.c, send_direct); its status is followed by "whole" when its body has
the length its Content-Length says, and by "cut" when not.
"""
import socket
import struct
import sys

BEGIN, END, PARAMS, STDIN, STDOUT = 1, 3, 4, 5, 6


def record(kind, req_id, content):
    out = b""
    for i in range(0, max(len(content), 1), 65535):
        part = content[i:i + 65535]
        pad = (8 - len(part) % 8) % 8
        out += struct.pack(">BBHHBB", 1, kind, req_id, len(part), pad, 0) + part + b"\0" * pad
        if not content:
            break
    return out


def pair(name, value):
    def size(n):
        return bytes([n]) if n < 128 else struct.pack(">I", n | 0x80000000)
    name, value = name.encode(), value.encode()
    return size(len(name)) + size(len(value)) + name + value


def request(req_id, method, path, body):
    params = {"REQUEST_METHOD": method, "REQUEST_URI": path, "CONTENT_LENGTH": str(len(body)),
              "CONTENT_TYPE": "application/json"}
    out = record(BEGIN, req_id, struct.pack(">HB5x", 1, 1))  # responder, FCGI_KEEP_CONN
    out += record(PARAMS, req_id, b"".join(pair(k, v) for k, v in params.items()))
    out += record(PARAMS, req_id, b"")
    if body:
        out += record(STDIN, req_id, body)
    return out + record(STDIN, req_id, b"")


def answer(sock, req_id, whole=None):
    """The status of req_id's answer, or None when the connection ends first. With a list as
    whole, appends whether the body has the length of its Content-Length."""
    data, stdout = b"", b""
    while True:
        while len(data) < 8:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        _, kind, rid, length, pad, _ = struct.unpack(">BBHHBB", data[:8])
        while len(data) < 8 + length + pad:
            chunk = sock.recv(65536)
            if not chunk:
                return None
            data += chunk
        content, data = data[8:8 + length], data[8 + length + pad:]
        if rid == req_id and kind == STDOUT:
            stdout += content
        if rid == req_id and kind == END:
            if whole is not None:
                head, _, body = stdout.partition(b"\r\n\r\n")
                want = [h.split(b":", 1)[1].strip() for h in head.split(b"\r\n")
                        if h.lower().startswith(b"content-length:")]
                whole.append("whole" if want and int(want[0]) == len(body) else "cut")
            line = stdout.split(b"\r\n", 1)[0].decode()
            return line.split()[1] if line.startswith("Status:") else "200"


def main():
    big = sys.argv[2] == "big"
    body = b"" if big else b'{"name":"' + b"y" * int(sys.argv[2]) + b'"}'
    if sys.argv[1].startswith("/"):  # the pool on a unix socket
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(5)
        sock.connect(sys.argv[1])
    else:
        host, port = sys.argv[1].rsplit(":", 1)
        sock = socket.create_connection((host, int(port)), timeout=5)
    whole = []
    if big:
        sock.sendall(request(1, "GET", "/api/openapi.yaml", b""))
        first = answer(sock, 1, whole)
    else:
        sock.sendall(request(1, "POST", "/api/workspaces", body))
        first = answer(sock, 1)
    try:
        sock.sendall(request(2, "GET", "/api/healthz", b""))
        second = answer(sock, 2)
    except OSError:
        second = None
    except socket.timeout:
        second = None
    print(" ".join([first or "none"] + whole + [second or "none"]))


if __name__ == "__main__":
    main()
