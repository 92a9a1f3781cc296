"""Getting Omniglot (Lake et al. 2015) onto the machine and into 28x28 arrays (Lesson 7).

Where the drawings come from, first match wins:
1. the 28x28 cache `omniglot_<subset>_28.npz` in the cache folder ($LESSON_LIB_CACHE, default
   the user's cache folder), written the first time any source below is read;
2. a local copy in the folder $LESSON_LIB_OMNIGLOT (or the `source` argument) holding, per
   part, the official archive `images_background.zip`, its extracted folder
   `images_background/`, or the arrays `images_background.npz` (bool [characters, 20, 105,
   105], True = white);
3. a download of the official archives with pooch (checksums pinned below) into the cache
   folder; offline, `OmniglotUnavailable` explains the manual steps.

Preprocessing follows the papers (Vinyals et al. 2016; MAML appendix A.1): each 105x105
drawing is resized to 28x28 and inverted, so strokes are 1 and the background 0 (stored as
uint8 0..255). Characters keep the archives' order: alphabets by name, then characterNN.
"""

import io
import os
import tempfile
import zipfile
from pathlib import Path

import numpy as np
import pooch
from PIL import Image

from ..i18n import _

URL = "https://raw.githubusercontent.com/brendenlake/omniglot/master/python/"
# The small archives are pinned by SHA-256 (computed from the official files); the full
# ones by the MD5 that torchvision and other loaders have pinned for years.
CHECKSUMS = {
    "images_background.zip": "md5:68d2efa1b9178cc56df9314c21c6e718",
    "images_evaluation.zip": "md5:6b91aef0f799c5bb55b94e3f2daec811",
    "images_background_small1.zip": "sha256:f38eb80f801274ac2b4dff5b24289016bfaba4a7d5bb50deebf27104ad6cb8a4",
    "images_background_small2.zip": "sha256:3ccaa407515a8778e5d0861875af38b17e418f301ad5bb3b5a6b65d901a41c7f",
}
SUBSETS = {"full": ("images_background", "images_evaluation"),
           "small": ("images_background_small1", "images_background_small2")}
SOURCE_ENV = "LESSON_LIB_OMNIGLOT"
CACHE_ENV = "LESSON_LIB_CACHE"
DRAWINGS = 20  # drawings of every character, by 20 different people
SIZE = 28


class OmniglotUnavailable(OSError):
    """Omniglot is neither cached, nor in a local copy, nor downloadable right now."""

    def _render_traceback_(self):
        """What Jupyter shows instead of a traceback: the message and the manual steps."""
        return [_("Omniglot is not available yet."), str(self)]


def cache_dir():
    """$LESSON_LIB_CACHE, or the user's cache folder (e.g. ~/.cache/lesson_lib)."""
    return Path(os.environ.get(CACHE_ENV) or pooch.os_cache("lesson_lib"))


def manual_steps(subset, cache):
    names = ", ".join(f"{part}.zip" for part in SUBSETS[subset])
    return _("To get it by hand: download {names} from {url} (the python/ folder of the "
             "brendenlake/omniglot repository) on a machine that is online, put them in a folder, and set "
             "the environment variable {variable} to that folder (or pass source=...). The kit then "
             "converts them once into {cache}.",
             names=names, url=URL, variable=SOURCE_ENV, cache=cache)


def load_characters(subset="full", source=None, cache=None, download=True, progress=True):
    """All characters of `subset` ("full": 1,623; "small": the 292 of the small archives) as
    uint8 [characters, 20, 28, 28], strokes 255. See the module docstring for the sources."""
    if subset not in SUBSETS:
        raise ValueError(_("subset must be one of {subsets}, got {subset!r}", subsets=sorted(SUBSETS),
                           subset=subset))
    cache = Path(cache) if cache is not None else cache_dir()
    cached = cache / f"omniglot_{subset}_{SIZE}.npz"
    if cached.exists():
        with np.load(cached) as data:
            return data["images"]
    origin = "source" if source is not None else f"${SOURCE_ENV}"
    source = source if source is not None else os.environ.get(SOURCE_ENV) or None
    if source is not None and not Path(source).is_dir():
        raise FileNotFoundError(_("{origin} must be a folder holding the Omniglot archives, got {source!r}, "
                                  "which is not a folder", origin=origin, source=str(source)))
    parts = [read_part(part, source, cache, download, progress) for part in SUBSETS[subset]]
    images = np.concatenate([resize(p) for p in parts])
    cache.mkdir(parents=True, exist_ok=True)
    handle, partial = tempfile.mkstemp(dir=cache, prefix=f".{cached.name}.", suffix=".npz")
    try:
        with os.fdopen(handle, "wb") as file:
            np.savez_compressed(file, images=images)
        os.replace(partial, cached)  # atomic: an interrupted or concurrent conversion leaves no half cache
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise
    return images


def read_part(part, source, cache, download, progress):
    """One part (e.g. "images_background") as bool [characters, 20, 105, 105], True = white."""
    if source is not None:
        folder = Path(source)
        for path, reader in ((folder / f"{part}.npz", read_npz), (folder / f"{part}.zip", read_zip),
                             (folder / part, read_folder)):
            if path.exists():
                return reader(path)
    if not download:
        steps = manual_steps(next(s for s, p in SUBSETS.items() if part in p), cache)
        if not source:
            raise OmniglotUnavailable(_("Omniglot part {part} was not found: no local copy is set and "
                                        "download=False. {steps}", part=part, steps=steps))
        raise OmniglotUnavailable(_("Omniglot part {part} was not found in {source} and download=False. "
                                    "{steps}", part=part, source=source, steps=steps))
    return read_zip(fetch(f"{part}.zip", cache, progress))


def fetch(name, cache, progress=True, url=None):
    """Download the official archive `name` from `url` (default URL) into `cache` once,
    checking its pinned hash. A failed, corrupt or interrupted download leaves nothing in
    the cache (pooch writes to a temporary file and moves it in place when it checks out)."""
    import requests  # pooch's own dependency

    try:
        path = pooch.retrieve((url or URL) + name, known_hash=CHECKSUMS[name], fname=name, path=cache,
                              progressbar=progress)
    except requests.exceptions.RequestException as error:
        subset = "small" if "small" in name else "full"
        raise OmniglotUnavailable(_("could not download {name} ({type}: {error}). Are you offline? {steps}",
                                    name=name, type=type(error).__name__, error=error,
                                    steps=manual_steps(subset, cache))) from None
    return Path(path)


def read_npz(path):
    with np.load(path) as data:
        images = data["images"]
    if images.dtype != bool or images.ndim != 4 or images.shape[1:] != (DRAWINGS, 105, 105):
        raise ValueError(_("{path} must hold 'images', bool [characters, 20, 105, 105]; got {dtype} {shape}",
                           path=path, dtype=images.dtype, shape=images.shape))
    return images


def character_files(names):
    """Group PNG paths (relative, '/'-separated) by character folder, in archive order."""
    characters = {}
    for name in sorted(n for n in names if n.endswith(".png")):
        characters.setdefault(name.rsplit("/", 1)[0], []).append(name)
    bad = {c: len(files) for c, files in characters.items() if len(files) != DRAWINGS}
    if bad or not characters:
        if not bad:
            raise ValueError(_("expected {drawings} drawings per character folder; found no PNG files",
                               drawings=DRAWINGS))
        raise ValueError(_("expected {drawings} drawings per character folder; found {bad}",
                           drawings=DRAWINGS, bad=bad))
    return list(characters.values())


def decode(data):
    return np.asarray(Image.open(io.BytesIO(data)).convert("1"), dtype=bool)


def read_zip(path):
    try:
        with zipfile.ZipFile(path) as archive:
            groups = character_files(archive.namelist())
            return np.array([[decode(archive.read(n)) for n in files] for files in groups])
    except zipfile.BadZipFile:
        raise ValueError(_("{path} is not a valid zip archive (truncated download?); delete it and retry",
                           path=path)) from None


def read_folder(path):
    names = [p.relative_to(path).as_posix() for p in Path(path).rglob("*.png")]
    groups = character_files(names)
    return np.array([[decode((Path(path) / n).read_bytes()) for n in files] for files in groups])


def resize(white):
    """bool [..., 105, 105] (True = white) -> uint8 [..., 28, 28], strokes 255 (Lanczos, as
    the MAML code does)."""
    flat = white.reshape(-1, *white.shape[-2:])
    small = [np.asarray(Image.fromarray((~image).astype(np.uint8) * 255).resize((SIZE, SIZE), Image.LANCZOS))
             for image in flat]
    return np.stack(small).reshape(*white.shape[:-2], SIZE, SIZE)
