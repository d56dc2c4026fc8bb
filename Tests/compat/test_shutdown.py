"""Graceful shutdown with a real client: a PUT in flight when SIGTERM arrives still completes and is
committed; the server then exits 0, and a restart serves the object whole."""

from __future__ import annotations

import hashlib
import http.client
import os
import signal
import socket
import threading

import requests

from conftest import COMMIT_ID, Gateway, _binary

PIECE = 1 << 20


def test_put_in_flight_at_sigterm_completes_and_is_committed(tmp_path):
    gw = Gateway(_binary(), tmp_path)
    gw.start()
    try:
        url = f"{gw.endpoint}/master.shutdown"
        assert requests.put(url).status_code == 200
        data = os.urandom(4 * PIECE)
        first_sent = threading.Event()
        terminated = threading.Event()
        result: dict = {}

        def upload():
            # A raw socket, so the body goes out piece by piece, and only after the server answered
            # `100 Continue`: then it has surely read the request head before SIGTERM arrives.
            sock = socket.create_connection((gw.host, gw.port), timeout=60)
            try:
                head = (
                    "PUT /master.shutdown/inflight HTTP/1.1\r\n"
                    f"Host: {gw.host}:{gw.port}\r\nContent-Length: {len(data)}\r\nExpect: 100-continue\r\n\r\n"
                )
                sock.sendall(head.encode())
                interim = b""
                while not interim.endswith(b"\r\n\r\n"):
                    more = sock.recv(1)
                    assert more, "connection closed before 100 Continue"
                    interim += more
                assert interim.startswith(b"HTTP/1.1 100"), interim
                sock.sendall(data[:PIECE])
                first_sent.set()
                # The rest only once the server has been told to stop.
                assert terminated.wait(30)
                sock.sendall(data[PIECE:])
                resp = http.client.HTTPResponse(sock)
                resp.begin()
                result["status"] = resp.status
                result["headers"] = dict(resp.getheaders())
                result["body"] = resp.read()
            except Exception as e:  # reported by the assertion below
                result["error"] = e
            finally:
                sock.close()

        t = threading.Thread(target=upload)
        t.start()
        assert first_sent.wait(30)
        gw.proc.send_signal(signal.SIGTERM)
        terminated.set()
        t.join(60)
        assert "error" not in result, f"the in-flight PUT failed: {result.get('error')!r}\n{gw.log_tail()}"
        assert result["status"] == 200, f"{result['status']} {result['body']!r}\n{gw.log_tail()}"
        headers = {k.lower(): v for k, v in result["headers"].items()}
        assert headers["etag"].strip('"') == hashlib.md5(data).hexdigest()
        version = headers["x-amz-version-id"]
        assert COMMIT_ID.match(version)
        assert gw.proc.wait(timeout=30) == 0, gw.log_tail()
    finally:
        gw.kill()

    again = Gateway(_binary(), tmp_path)
    again.start()
    try:
        got = requests.get(f"{again.endpoint}/master.shutdown/inflight")
        assert got.status_code == 200
        assert got.content == data
        assert got.headers["x-amz-version-id"] == version
    finally:
        assert again.stop() == 0
