"""The socket a simulator serves on, listening before its address is printed.

The simulators print their address as soon as they have a port (`--port 0` lets the system choose one), so
that a script or a test can start its client at once. Bound is not enough for that: until uvicorn has
imported, built the app and called `listen`, a connection to a bound socket is refused, and on a loaded
machine that gap is long enough for a fast client to fail with "All connection attempts failed".
Listening first, a client that comes early waits in the backlog until the server accepts it.
"""

from __future__ import annotations

import socket

# uvicorn's own default; its `create_server` listens again with its backlog, which is allowed
BACKLOG = 2048


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host:port` (0: any free port) and already listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except BaseException:
        sock.close()
        raise
    return sock
