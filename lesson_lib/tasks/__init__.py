"""Task families: each samples batched episodes (support and query sets, arrays [T, ...])."""

from .episode import Episode
from .languages import Languages
from .omniglot import GlobalLabels, Omniglot
from .sinusoid import Sinusoid
from .task_pool import TaskPool

__all__ = ["Episode", "GlobalLabels", "Languages", "Omniglot", "Sinusoid", "TaskPool"]
