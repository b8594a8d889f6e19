"""A simulator's socket takes connections from the moment its address is printed."""

from __future__ import annotations

import errno
import socket

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
