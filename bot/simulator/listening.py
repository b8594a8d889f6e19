"""The socket a simulator serves on, listening before its address is printed.

The simulators print their address as soon as they have a port (`--port 0` lets the system choose one), so
that a script or a test can start its client at once. Bound is not enough for that: until uvicorn has
imported, built the app and called `listen`, a connection to a bound socket is refused, and on a loaded
machine that gap is long enough for a fast client to fail with "All connection attempts failed".
Listening first, a client that comes early waits in the backlog until the server accepts it.
"""

from __future__ import annotations

import errno
import socket

# uvicorn's own default; its `create_server` listens again with its backlog, which is allowed
BACKLOG = 2048


class CannotListen(OSError):
    """The address can't be served on (in use, not this machine's, not allowed): what to do, in words."""


def listening_socket(host: str, port: int) -> socket.socket:
    """A TCP socket bound to `host:port` (0: any free port) and already listening."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as error:
        raise CannotListen(error.errno, f"cannot open a socket for {host}: {error.strerror}") from error
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
    except OSError as error:
        sock.close()
        if error.errno == errno.EADDRINUSE:
            advice = "another program holds it: stop it, or choose another --port (0 picks a free one)"
        else:
            advice = "check --host: an address of this machine, such as 127.0.0.1"
        raise CannotListen(
            error.errno, f"cannot listen on {host}:{port}: {error.strerror or error}; {advice}"
        ) from error
    except BaseException:
        sock.close()
        raise
    return sock
