"""A simulator's socket takes connections from the moment its address is printed."""

from __future__ import annotations

import errno
import socket

import pytest

from bot.cli import main
from bot.simulator.listening import listening_socket


def test_a_client_connecting_before_the_server_serves_waits_instead_of_being_refused() -> None:
    server = listening_socket("127.0.0.1", 0)
    try:
        # Nothing accepts yet (uvicorn still importing, say): a bound-only socket would refuse this.
        with socket.create_connection(server.getsockname(), timeout=1) as client:
            client.sendall(b"ping")
            accepted, _ = server.accept()
            with accepted:
                assert accepted.recv(4) == b"ping"
    finally:
        server.close()


def test_a_port_in_use_is_reported_and_no_socket_is_left_open() -> None:
    taken = listening_socket("127.0.0.1", 0)
    try:
        try:
            listening_socket("127.0.0.1", taken.getsockname()[1])
        except OSError as error:
            assert error.errno == errno.EADDRINUSE
        else:
            raise AssertionError("a second listener on a port in use was accepted")
    finally:
        taken.close()


@pytest.mark.parametrize("kind", ["fivetran", "hvr6"])
def test_the_cli_says_what_to_do_when_its_port_is_taken(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = listening_socket("127.0.0.1", 0)
    try:
        port = str(taken.getsockname()[1])
        assert main(["simulator", "--kind", kind, "--port", port, "--connections", "5"]) == 2
    finally:
        taken.close()
    said = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in said
    assert "choose another --port (0 picks a free one)" in said
    assert "Traceback" not in said
