"""The floor benchmark's pieces (bench/canned.py, bench/rawhttp.py) do what its numbers assume:
the canned server replays recorded answers byte for byte, and the raw client sends the bodies
shotgun_api3 sends. The benchmarks themselves are slow and never run here."""

from __future__ import annotations

import json
import socket
import sys
from pathlib import Path

import shotgun_api3

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

from canned import CannedServer, answer_bytes
from rawhttp import API3_HEADERS, Api3, Http, read_params


def _raw_exchange(url: str, request: bytes) -> bytes:
    """Send `request` as is and read until the server has sent one whole answer."""
    host, port = url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            data += sock.recv(65536)
        head, _, body = data.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        while len(body) < length:
            body += sock.recv(65536)
        return head + b"\r\n\r\n" + body


def test_canned_server_replays_the_recorded_bytes_and_refuses_the_rest() -> None:
    body = json.dumps({"results": [{"type": "Shot", "id": n} for n in range(2000)]}).encode()
    answer = answer_bytes(
        200,
        "OK",
        [("content-length", str(len(body))), ("content-type", "application/json"), ("x-a", "1")],
        body,
    )
    recording = {(b'{"q": 1}', ""): answer, (b'{"q": 1}', "gzip, deflate"): answer + b""}
    with CannedServer(recording) as url:
        request = b"POST /api3/json HTTP/1.1\r\nHost: x\r\ncontent-length: 8\r\n\r\n" + b'{"q": 1}'
        assert _raw_exchange(url, request) == answer
        with Http(url) as http:
            assert http.request("POST", "/api3/json", b'{"q": 1}') == (200, body)
            assert ("x-a", "1") in http.last_headers
            status, _ = http.request("POST", "/api3/json", b'{"q": 2}')
            assert status == 404
            assert http.json("GET", "/__canned__") == {"hits": 2, "misses": 1}


def test_raw_client_bodies_are_the_official_clients_bytes() -> None:
    project = {"type": "Project", "id": 7, "name": "bench"}
    api = Api3("http://unused", "bench", "bench-key")
    fields = ["code", "sg_sequence"]
    page_one = api.body("read", read_params("Shot", [["project", "is", project]], fields))
    api.close()
    info = json.dumps({"version": [8, 50, 0], "api_max_entities_per_page": 500}).encode()
    results = json.dumps(
        {"results": {"entities": [{"type": "Shot", "id": 1}], "paging_info": {}}}
    ).encode()
    results = results.replace(b"{}", b'{"has_next_page": false}')

    def answer(data: bytes) -> bytes:
        return answer_bytes(200, "OK", [("content-length", str(len(data)))], data)

    accept = "gzip, deflate"  # httplib2's
    recording = {
        (b'{"method_name": "info", "params": []}', accept): answer(info),
        (page_one, accept): answer(results),
    }
    with CannedServer(recording) as url:
        sg = shotgun_api3.Shotgun(url, "bench", "bench-key")
        # A miss would be a 404, which the client raises as a ProtocolError.
        assert sg.find("Shot", [["project", "is", project]], fields) == [{"type": "Shot", "id": 1}]
        sg.close()
        with Http(url, API3_HEADERS) as http:
            assert http.json("GET", "/__canned__") == {"hits": 2, "misses": 0}
