"""The Omniglot loader: every kind of local copy, the 28x28 cache, bad paths, and the download
path against a local HTTP server on 127.0.0.1 (success, checksum mismatch, interrupted
transfer, offline)."""

import http.server
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lesson_lib.tasks import omniglot_files as files

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "omniglot"
SMALL = ("images_background_small1.zip", "images_background_small2.zip")


@pytest.fixture(scope="module")
def small_reference():
    """The small subset read straight from the official archives (292 characters)."""
    return np.concatenate([files.read_zip(SHARED / name) for name in SMALL])


def test_shared_copy_is_there():
    assert (SHARED / SMALL[0]).exists(), f"the tests read Omniglot from {SHARED} (../shared beside the repo)"


def test_zip_reader_matches_the_npz_arrays_drawing_for_drawing():
    """The archives and the .npz arrays give the same characters in the same drawing order."""
    small1 = files.read_zip(SHARED / SMALL[0])
    full = files.read_npz(SHARED / "images_background.npz")
    index = {full[i, 0].tobytes(): i for i in range(len(full))}
    matches = [index[c[0].tobytes()] for c in small1]
    assert small1.shape == (136, 20, 105, 105)
    assert all((full[j] == c).all() for j, c in zip(matches, small1, strict=True))


def test_resize_inverts_and_shrinks():
    white = np.ones((2, 105, 105), bool)
    white[1, 30:75, 30:75] = False  # a black square
    small = files.resize(white)
    assert small.shape == (2, 28, 28) and small.dtype == np.uint8
    assert small[0].max() == 0 and small[1, 14, 14] == 255 and small[1, 0, 0] == 0


@pytest.mark.slow
def test_zip_folder_and_cache_agree(tmp_path, small_reference):
    folder = tmp_path / "copy"
    for name in SMALL:  # one part as an extracted folder, the other as the archive
        if name == SMALL[0]:
            with zipfile.ZipFile(SHARED / name) as archive:
                archive.extractall(folder)
        else:
            (folder / name).write_bytes((SHARED / name).read_bytes())
    cache = tmp_path / "cache"
    images = files.load_characters("small", source=folder, cache=cache, download=False)
    assert images.shape == (292, 20, 28, 28)
    np.testing.assert_array_equal(images, files.resize(small_reference))
    assert [p.name for p in cache.iterdir()] == ["omniglot_small_28.npz"]
    (folder / SMALL[1]).unlink()  # the cache now serves it without the source
    np.testing.assert_array_equal(files.load_characters("small", source=folder, cache=cache), images)


@pytest.mark.slow
def test_npz_arrays_are_a_source(tmp_path):
    images = files.load_characters("full", source=SHARED, cache=tmp_path, download=False)
    assert images.shape == (1623, 20, 28, 28) and images.dtype == np.uint8
    assert 0.05 < images.mean() / 255 < 0.2  # strokes are a small part of each drawing


def test_bad_paths_and_arguments(tmp_path, monkeypatch):
    with pytest.raises(ValueError, match="subset must be one of"):
        files.load_characters("medium", cache=tmp_path)
    with pytest.raises(FileNotFoundError, match="source must be a folder.*nowhere"):
        files.load_characters("small", source=tmp_path / "nowhere", cache=tmp_path)
    monkeypatch.setenv(files.SOURCE_ENV, str(tmp_path / "missing"))
    with pytest.raises(FileNotFoundError, match=r"\$LESSON_LIB_OMNIGLOT must be a folder"):
        files.load_characters("small", cache=tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(files.OmniglotUnavailable, match="download=False.*LESSON_LIB_OMNIGLOT"):
        files.load_characters("small", source=empty, cache=tmp_path, download=False)
    (empty / SMALL[0]).write_bytes(b"not a zip")
    with pytest.raises(ValueError, match="not a valid zip archive"):
        files.load_characters("small", source=empty, cache=tmp_path, download=False)


class Archives(http.server.BaseHTTPRequestHandler):
    """Serves the shared small archives: /ok/<name>, /corrupt/<name> (one byte changed),
    /cut/<name> (announces the whole length, sends half, hangs up)."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        mode, name = self.path.strip("/").split("/", 1)
        data = (SHARED / name).read_bytes()
        body = data if mode != "corrupt" else data[:100] + bytes([data[100] ^ 1]) + data[101:]
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(body[:len(body) // 2] if mode == "cut" else body)
        self.wfile.flush()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Archives)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.slow
def test_download_success_then_cached(server, tmp_path, monkeypatch, small_reference):
    monkeypatch.setattr(files, "URL", server + "ok/")
    monkeypatch.delenv(files.SOURCE_ENV, raising=False)
    images = files.load_characters("small", cache=tmp_path, progress=False)
    np.testing.assert_array_equal(images, files.resize(small_reference))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*SMALL, "omniglot_small_28.npz"])


@pytest.mark.parametrize("mode, error", [("corrupt", "hash"), ("cut", "could not download")])
def test_failed_download_leaves_nothing(server, tmp_path, mode, error):
    with pytest.raises((ValueError, files.OmniglotUnavailable), match=error):
        files.fetch(SMALL[0], tmp_path, progress=False, url=f"{server}{mode}/")
    assert list(tmp_path.iterdir()) == []


def test_offline_message_names_the_manual_steps(tmp_path, monkeypatch):
    monkeypatch.setattr(files, "URL", "http://127.0.0.1:9/")  # the discard port: nothing listens
    monkeypatch.setenv(files.CACHE_ENV, str(tmp_path))
    monkeypatch.delenv(files.SOURCE_ENV, raising=False)
    with pytest.raises(files.OmniglotUnavailable) as caught:
        files.load_characters("small", progress=False)
    message = str(caught.value)
    for needed in ("Are you offline?", "images_background_small1.zip", "brendenlake/omniglot",
                   "LESSON_LIB_OMNIGLOT", str(tmp_path)):
        assert needed in message
    assert caught.value._render_traceback_()[1] == message  # what Jupyter shows: no traceback
    assert list(tmp_path.iterdir()) == []
