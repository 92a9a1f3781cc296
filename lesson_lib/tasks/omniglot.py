"""N-way K-shot Omniglot episodes (Lesson 7), the few-shot protocol of Vinyals et al. (2016)
used by MAML (appendix A.1), Reptile and Prototypical Networks.

Characters are shuffled with a fixed seed; the first 1,200 are for meta-training, the other
423 for meta-testing. Each rotation by 0, 90, 180 or 270 degrees is a class of its own
(4,800 training and 1,692 test classes). A task picks N classes and, for each, K support
and Q query drawings out of its 20; labels 0..N-1 are one-hot. Inputs are float [28, 28, 1]
in [0, 1], strokes 1.
"""

import numpy as np

from .. import checks
from ..i18n import _
from .episode import Episode
from .omniglot_files import DRAWINGS, load_characters

TRAIN_SHARE = 1200 / 1623  # of any character set (the small subset: 216 of 292)
SPLIT_SEED = 1


def split(num_characters, train_characters, seed=SPLIT_SEED):
    """(train, test) character indices: a fixed shuffle, the first `train_characters` train."""
    order = np.random.default_rng(seed).permutation(num_characters)
    return np.sort(order[:train_characters]), np.sort(order[train_characters:])


class Omniglot:
    """Seeded sampler of N-way episodes: `Omniglot("train", ways=5).sample(32, K=1, Q=15)`.

    `images` (uint8 [characters, 20, 28, 28]) skips loading, e.g. for tests; otherwise
    `subset`, `source` and `cache` go to `omniglot_files.load_characters`.
    """

    def __init__(self, split_name="train", ways=5, seed=0, rotations=True, subset="full", source=None,
                 cache=None, images=None, dtype="float32"):
        if split_name not in ("train", "test"):
            raise ValueError(_("split_name must be 'train' or 'test', got {split_name!r}",
                               split_name=split_name))
        checks.integer("seed", seed, 0)
        if images is None:
            images = load_characters(subset, source, cache)
        images = np.asarray(images)
        if images.ndim != 4 or images.shape[1] != DRAWINGS:
            raise ValueError(_("images must be [characters, {drawings}, height, width], got {shape}",
                               drawings=DRAWINGS, shape=images.shape))
        train, test = split(len(images), round(len(images) * TRAIN_SHARE))
        self.characters = train if split_name == "train" else test
        self.images = images[self.characters]
        self.rotations = 4 if rotations else 1
        self.num_classes = len(self.characters) * self.rotations
        if checks.integer("ways", ways, 1) > self.num_classes:
            raise ValueError(_("ways must be <= {classes}, the classes of the {split} split, got {ways}",
                               classes=self.num_classes, split=split_name, ways=ways))
        self.ways = ways
        self.split_name = split_name
        self.dtype = np.dtype(dtype)
        self.rng = np.random.default_rng(seed)

    def sample(self, num_tasks, K, Q=None):
        """An Episode of `num_tasks` random N-way tasks, K support and Q query drawings per
        class (Q defaults to K; K + Q <= 20). support_x [T, N*K, 28, 28, 1], support_y
        one-hot [T, N*K, N], class-major: example k of class c is at c*K + k."""
        checks.integer("num_tasks", num_tasks, 1)
        checks.integer("K", K, 1)
        Q = K if Q is None else checks.integer("Q", Q, 1)
        if K + Q > DRAWINGS:
            raise ValueError(_("K + Q must be <= {drawings} (each character has {drawings} drawings), got "
                               "K={K}, Q={Q}", drawings=DRAWINGS, K=K, Q=Q))
        classes = self.rng.random((num_tasks, self.num_classes)).argsort(axis=1)[:, :self.ways]
        drawings = self.rng.random((num_tasks, self.ways, DRAWINGS)).argsort(axis=2)[:, :, :K + Q]
        return self.episode(classes, drawings, K)

    def episode(self, classes, drawings, K):
        """The Episode for given classes [T, N] and drawing indices [T, N, K + Q] (the first K
        of each class are the support set)."""
        classes, drawings = np.asarray(classes), np.asarray(drawings)
        characters, rotation = np.divmod(classes, self.rotations)
        images = self.images[characters[:, :, None], drawings]  # [T, N, K + Q, 28, 28]
        for r in range(1, self.rotations):
            images[rotation == r] = np.rot90(images[rotation == r], r, axes=(-2, -1))
        x = (images[..., None] / np.float32(255)).astype(self.dtype)
        T, N, S = drawings.shape
        y = np.broadcast_to(np.eye(N, dtype=self.dtype)[None, :, None], (T, N, S, N))
        flat = [a.reshape(T, N * a.shape[2], *a.shape[3:]) for a in (x[:, :, :K], y[:, :, :K], x[:, :, K:],
                                                                      y[:, :, K:])]
        return Episode(*flat, {"classes": classes, "characters": self.characters[characters],
                               "rotations": rotation, "drawings": drawings})


class GlobalLabels:
    """Episodes of `tasks` whose labels are one-hot over every class of its split, not 0..N-1:
    plain classification data for pretraining the transfer baseline (Lesson 7)."""

    def __init__(self, tasks):
        self.tasks = tasks

    @property
    def rng(self):
        """The wrapped family's random generator (what resumed training restores)."""
        return self.tasks.rng

    def sample(self, num_tasks, K, Q=None):
        episode = self.tasks.sample(num_tasks, K, Q)
        eye = np.eye(self.tasks.num_classes, dtype=self.tasks.dtype)
        relabel = [eye[np.take_along_axis(episode.info["classes"], y.argmax(-1), axis=1)]
                   for y in (episode.support_y, episode.query_y)]
        return Episode(episode.support_x, relabel[0], episode.query_x, relabel[1], episode.info)
