"""The doubles many test packages share: one clock, one sleep, one poster.

A fake that only one package needs stays in that package; these are here because they were copied.
"""

from tests.fakes.clock import FakeClock, FakeSleep
from tests.fakes.poster import FakePoster, Post
from tests.fakes.replies import Replies

__all__ = ["FakeClock", "FakePoster", "FakeSleep", "Post", "Replies"]
