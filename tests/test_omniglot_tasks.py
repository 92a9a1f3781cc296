"""N-way K-shot Omniglot episodes: the split, shapes, labels, rotations, seeding, errors."""

import numpy as np
import pytest

from lesson_lib.tasks import GlobalLabels, Omniglot
from lesson_lib.tasks.omniglot import split


def test_the_papers_split_of_1623_characters():
    train, test = split(1623, 1200)
    assert len(train) == 1200 and len(test) == 423
    assert not set(train) & set(test) and set(train) | set(test) == set(range(1623))
    np.testing.assert_array_equal(split(1623, 1200)[0], train)  # fixed seed


def test_real_split_class_counts():
    assert Omniglot("train").num_classes == 4800 and Omniglot("test").num_classes == 1692


def test_episode_shapes_labels_and_layout(fake_images):
    tasks = Omniglot("train", ways=5, images=fake_images(), seed=3)
    episode = tasks.sample(4, K=2, Q=3)
    assert episode.support_x.shape == (4, 10, 28, 28, 1) and episode.query_x.shape == (4, 15, 28, 28, 1)
    assert episode.support_y.shape == (4, 10, 5) and episode.query_y.shape == (4, 15, 5)
    assert episode.support_x.dtype == np.float32
    assert 0 <= episode.support_x.min() <= episode.support_x.max() <= 1
    np.testing.assert_array_equal(episode.support_y.argmax(-1), np.repeat(np.arange(5), 2)[None].repeat(4, 0))
    np.testing.assert_array_equal(episode.support_y.sum(-1), 1)
    classes = episode.info["classes"]
    assert all(len(set(row)) == 5 for row in classes)  # N different classes per task
    drawings = episode.info["drawings"]
    assert all(len(set(d)) == 5 for d in drawings.reshape(-1, 5))  # K + Q different drawings


def test_images_are_the_drawings_rotated(fake_images):
    images = fake_images()
    tasks = Omniglot("train", ways=5, images=images, seed=1)
    episode = tasks.sample(8, K=1, Q=1)
    info = episode.info
    for t in range(8):
        for c in range(5):
            drawing = images[info["characters"][t, c], info["drawings"][t, c, 0]]
            expected = np.rot90(drawing, info["rotations"][t, c])
            np.testing.assert_allclose(episode.support_x[t, c, :, :, 0], expected / 255, rtol=1e-6)
    assert len(np.unique(info["rotations"])) > 1


def test_seeded_and_different(fake_images):
    a = Omniglot("test", ways=5, images=fake_images(), seed=7).sample(3, 1)
    b = Omniglot("test", ways=5, images=fake_images(), seed=7).sample(3, 1)
    c = Omniglot("test", ways=5, images=fake_images(), seed=8).sample(3, 1)
    np.testing.assert_array_equal(a.support_x, b.support_x)
    assert not np.array_equal(a.info["classes"], c.info["classes"])


def test_clear_errors(fake_images):
    images = fake_images(10)  # 7 training characters x 4 rotations = 28 classes
    with pytest.raises(ValueError, match="ways must be <= 28"):
        Omniglot("train", ways=29, images=images)
    tasks = Omniglot("train", ways=5, images=images)
    with pytest.raises(ValueError, match=r"K \+ Q must be <= 20.*K=15, Q=6"):
        tasks.sample(2, K=15, Q=6)
    with pytest.raises(ValueError, match="K must be an integer >= 1"):
        tasks.sample(2, K=0)
    with pytest.raises(ValueError, match="split_name must be"):
        Omniglot("validation", images=images)
    with pytest.raises(ValueError, match="images must be"):
        Omniglot("train", images=np.zeros((10, 5, 28, 28)))


def test_global_labels_name_the_class(fake_images):
    tasks = Omniglot("train", ways=4, images=fake_images(), seed=2)
    episode = GlobalLabels(tasks).sample(3, K=2, Q=1)
    assert episode.support_y.shape == (3, 8, tasks.num_classes)
    np.testing.assert_array_equal(episode.support_y.argmax(-1), np.repeat(episode.info["classes"], 2, axis=1))
    np.testing.assert_array_equal(episode.query_y.argmax(-1), episode.info["classes"])
