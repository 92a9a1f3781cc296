"""Task families: each samples batched episodes (support and query sets, arrays [T, ...])."""

from .episode import Episode
from .sinusoid import Sinusoid

__all__ = ["Episode", "Sinusoid"]
