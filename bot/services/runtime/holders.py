"""Who holds a piece of work (a bulk run, a followed sync, a digest fire or an alert's claim), and whether
that process is still alive.

A holder is `host:pid:nonce`. Leases settle who takes work over between hosts; but after a restart on the
same host the predecessor's pid tells at once that it is gone, so its work need not wait for a lease.
"""

from __future__ import annotations

import os
import socket
import uuid


def new_holder() -> str:
    """This process, as it signs the work it takes (one per process: `app.build_bot` hands it to all).

    The whole host name, never cut: `holder_is_gone` compares it with this host's (Linux keeps it within
    64 characters, so a holder fits the 128 of every holder column)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:6]}"


def holder_is_gone(holder: str | None) -> bool:
    """True when `holder` (host:pid:nonce) names a process of this host that no longer runs. A process
    on another host is never judged from here: its runs go stale instead."""
    if not holder:
        return False
    host, _, rest = holder.partition(":")
    pid_text = rest.partition(":")[0]
    if host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, someone else's
        return False
    return False
