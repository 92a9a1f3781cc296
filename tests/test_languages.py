"""Few-shot language identification (Lesson 11): the languages and their split, the word
lists, episodes, the character encoding, the character encoder with ProtoNet and MAML."""

import math
import unicodedata

import numpy as np
import pytest

from lesson_lib.functional import cross_entropy
from lesson_lib.learners import MAML, ProtoNet
from lesson_lib.tasks import languages
from lesson_lib.tasks.languages import Languages
from lesson_lib.text_models import char_classifier, char_encoder


@pytest.fixture(scope="module")
def test_tasks():
    return Languages("test", ways=5, words=3, seed=0)


@pytest.mark.slow  # reads all 42 wordfreq lists (about 5 s)
def test_latin_languages_are_what_the_rule_gives():
    assert languages.latin_languages() == languages.LATIN_LANGUAGES


def test_split_is_the_seeded_rule_and_disjoint():
    assert languages.split() == (languages.TRAIN_LANGUAGES, languages.TEST_LANGUAGES)
    assert len(languages.TEST_LANGUAGES) == languages.NUM_TEST and len(languages.LATIN_LANGUAGES) == 27
    assert not set(languages.TRAIN_LANGUAGES) & set(languages.TEST_LANGUAGES)
    assert set(languages.TRAIN_LANGUAGES) | set(languages.TEST_LANGUAGES) == set(languages.LATIN_LANGUAGES)


def test_latin_words():
    latin = languages.is_latin_word
    assert latin("ça") and latin("phở") and latin("e\N{COMBINING ACUTE ACCENT}")
    assert not latin("мир") and not latin("l'homme") and not latin("n°1") and not latin("")
    assert not latin("ºc")  # the ordinal sign is a letter (Lo), not a Latin one


def test_word_lists_are_latin_letters_and_not_shared():
    lists = languages.word_lists()
    assert set(lists) == set(languages.LATIN_LANGUAGES)
    owner = {}
    for lang, (words, p) in lists.items():
        assert len(words) > 1000 and len(set(words)) == len(words)
        assert all(map(languages.is_latin_word, words)) and all(w == w.lower() for w in words)
        assert p.shape == (len(words),) and p.min() > 0 and math.isclose(p.sum(), 1)
        assert np.all(np.diff(p) <= 0)  # in wordfreq's order, most frequent first
        for w in words:
            assert owner.setdefault(w, lang) == lang, f"{w!r} is in {owner[w]} and {lang}"
    assert "de" not in owner and "internet" not in owner  # shared by several languages


def test_characters_are_letters_marks_or_space(test_tasks):
    episode = test_tasks.sample(20, K=2, Q=3)
    for text in test_tasks.decode(episode.query_x).ravel():
        assert text and text == text.strip() and "  " not in text
        assert all(c == " " or unicodedata.category(c)[0] in "LM" for c in text)
        assert len(text.split()) == 3
    assert all(unicodedata.category(c)[0] in "LM" for c in languages.alphabet())


def test_episode_shapes_labels_and_languages(test_tasks):
    episode = test_tasks.sample(4, K=2, Q=3)
    assert episode.support_x.shape == (4, 10, languages.LENGTH) and episode.support_x.dtype == np.int32
    assert episode.query_x.shape == (4, 15, languages.LENGTH)
    assert episode.support_y.shape == (4, 10, 5) and episode.query_y.shape == (4, 15, 5)
    np.testing.assert_array_equal(episode.support_y.argmax(-1), np.repeat(np.arange(5), 2)[None].repeat(4, 0))
    np.testing.assert_array_equal(episode.query_y.sum(-1), 1)
    langs = episode.info["languages"]
    assert langs.shape == (4, 5) and all(len(set(row)) == 5 for row in langs)
    assert set(langs.ravel()) <= set(languages.TEST_LANGUAGES)
    np.testing.assert_array_equal(langs, np.array(languages.TEST_LANGUAGES)[episode.info["classes"]])


def test_texts_are_words_of_their_language(test_tasks):
    episode = test_tasks.sample(3, K=1, Q=2)
    lists = languages.word_lists()
    for t in range(3):
        for i, text in enumerate(test_tasks.decode(episode.query_x[t])):
            lang = episode.info["languages"][t, episode.query_y[t, i].argmax()]
            assert set(text.split()) <= set(lists[lang][0])


def test_frequent_words_are_drawn_more_often():
    tasks = Languages("train", ways=1, words=1, seed=0)
    words, p = languages.word_lists()[languages.TRAIN_LANGUAGES[0]]
    drawn = tasks.texts(tasks.draw(np.random.default_rng(0).random((20_000, 1))))  # language 0
    counts = {}
    for w in tasks.decode(drawn):
        counts[w] = counts.get(w, 0) + 1
    assert counts[words[0]] / 20_000 == pytest.approx(p[0], rel=0.1)  # the most frequent word
    assert len(counts) > 1000


def test_seeded_and_different():
    a = Languages("train", seed=7).sample(3, 1, 2)
    b = Languages("train", seed=7).sample(3, 1, 2)
    c = Languages("train", seed=8).sample(3, 1, 2)
    np.testing.assert_array_equal(a.support_x, b.support_x)
    np.testing.assert_array_equal(a.query_x, b.query_x)
    assert not np.array_equal(a.support_x, c.support_x)


def test_one_word_examples_and_truncation():
    one = Languages("test", words=1, seed=0).sample(2, 3, 1)
    assert all(len(t.split()) == 1 for t in Languages("test").decode(one.support_x).ravel())
    short = Languages("test", words=3, length=6, seed=0).sample(2, 1, 1)
    assert short.support_x.shape[-1] == 6 and np.all(short.support_x[..., 0] > languages.SPACE)
    tasks = Languages("test", words=2, length=4)
    first = np.flatnonzero((tasks.word_ids > 0).sum(1) == 3)[0]  # a 3-letter word, a space, cut at 4
    np.testing.assert_array_equal(tasks.texts(np.array([first, first])), [*tasks.word_ids[first, :3], 0])


def test_encode_decode_round_trip(test_tasks):
    texts = ["hello world", "ça va", "phở bò", "x"]
    np.testing.assert_array_equal(test_tasks.decode(test_tasks.encode(texts)), texts)
    episode = test_tasks.sample(2, 1, 1)
    np.testing.assert_array_equal(test_tasks.encode(list(test_tasks.decode(episode.support_x).ravel())),
                                  episode.support_x.reshape(-1, languages.LENGTH))
    assert languages.clean(" Hello,  WORLD! 42 ") == "hello world"
    ids = test_tasks.encode(["aΩb"])[0]
    assert ids[1] == languages.UNKNOWN and test_tasks.decode(ids) == "a\N{REPLACEMENT CHARACTER}b"
    assert test_tasks.encode(["a" * 100]).shape == (1, languages.LENGTH)
    with pytest.raises(TypeError, match="texts must be a list"):
        test_tasks.encode("hello")


@pytest.mark.parametrize("kwargs, message", [
    ({"ways": 9, "split": "test"}, "ways must be <= 8"),
    ({"ways": 20}, "ways must be <= 19"),
    ({"split": "valid"}, "split must be 'train' or 'test'"),
    ({"words": 0}, "words must be an integer >= 1"),
    ({"length": 0}, "length must be an integer >= 1"),
    ({"cipher": 1.5}, r"cipher must be a number in \[0, 1\]"),
])
def test_bad_arguments(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Languages(**kwargs)


def test_bad_sample_arguments(test_tasks):
    with pytest.raises(ValueError, match="K must be an integer >= 1"):
        test_tasks.sample(2, 0)
    with pytest.raises(ValueError, match="Q must be an integer >= 1"):
        test_tasks.sample(2, 1, 0)
    with pytest.raises(ValueError, match="num_tasks must be an integer >= 1"):
        test_tasks.sample(0, 1)


def test_encoder_output_shape_and_float_ids(test_tasks):
    encoder = char_encoder(test_tasks.vocab_size, width=16, seed=0)
    ids = test_tasks.encode(["hello world", "hej verden"])
    z = encoder(ids.astype(np.float32))
    assert z.shape == (2, 16)
    np.testing.assert_allclose(z, encoder(ids), atol=1e-6)  # float ids are the same ids
    assert char_classifier(test_tasks.vocab_size, ways=5).output_shape == (None, 5)


def test_one_protonet_meta_step(test_tasks):
    episode = Languages("train", seed=1).sample(2, K=1, Q=2)
    protonet = ProtoNet(char_encoder(test_tasks.vocab_size, width=16, seed=0))
    before = protonet.get_state()
    loss = protonet.meta_step(episode)
    assert math.isfinite(loss) and 0.5 < loss < 5  # near log 5 = 1.61 at the start
    assert any(not np.array_equal(before[k], v) for k, v in protonet.get_state().items())


@pytest.mark.slow  # compiling MAML's second-order step takes 5-30 s
def test_one_maml_meta_step(test_tasks):
    episode = Languages("train", seed=1).sample(2, K=1, Q=2)
    maml = MAML(char_classifier(test_tasks.vocab_size, ways=5, width=16, seed=0), alpha=0.4, inner_steps=1,
                loss=cross_entropy)
    before = maml.get_state()
    loss = maml.meta_step(episode)
    assert math.isfinite(loss) and 0.5 < loss < 5
    assert any(not np.array_equal(before[k], v) for k, v in maml.get_state().items())


def test_cipher_zero_leaves_episodes_and_random_stream_unchanged():
    plain, zero = Languages("train", seed=3), Languages("train", seed=3, cipher=0.0)
    for _ in range(2):  # the second episode too: cipher 0 draws nothing from the random stream
        a, b = plain.sample(4, 2, 3), zero.sample(4, 2, 3)
        np.testing.assert_array_equal(a.support_x, b.support_x)
        np.testing.assert_array_equal(a.query_x, b.query_x)


def test_cipher_permutes_each_language_s_own_letters_consistently_within_a_task():
    plain, ciphered = Languages("train", seed=5), Languages("train", seed=5, cipher=1.0)
    a, b = plain.sample(6, 2, 3), ciphered.sample(6, 2, 3)
    assert b.info["ciphered"].all()
    np.testing.assert_array_equal(a.support_y, b.support_y)
    np.testing.assert_array_equal(a.info["classes"], b.info["classes"])  # the same draw, then enciphered
    T, N = a.info["classes"].shape
    x_plain = np.concatenate([a.support_x.reshape(T, N, -1), a.query_x.reshape(T, N, -1)], axis=-1)
    x_cipher = np.concatenate([b.support_x.reshape(T, N, -1), b.query_x.reshape(T, N, -1)], axis=-1)
    changed = 0
    for t in range(T):
        for n in range(N):
            own = set(ciphered.letter_ids[a.info["classes"][t, n]])
            mapping = {}
            for before, after in zip(x_plain[t, n], x_cipher[t, n], strict=True):
                assert mapping.setdefault(before, after) == after  # one letter -> one, support and query
                if before <= languages.SPACE:
                    assert after == before  # padding, unknown and spaces stay
                else:
                    assert before in own and after in own  # within the language's own alphabet
            letters = {k: v for k, v in mapping.items() if k > languages.SPACE}
            assert len(set(letters.values())) == len(letters)  # a permutation: no two letters merge
            changed += any(k != v for k, v in letters.items())
    assert changed >= T * N - 1  # a permutation drawn afresh rarely leaves every letter seen in place


def test_cipher_probability_is_the_share_of_enciphered_languages():
    ciphered = Languages("train", seed=9, cipher=0.3).sample(400, 1, 1).info["ciphered"]
    assert abs(ciphered.mean() - 0.3) < 0.03  # 2,000 draws: 4.6 standard deviations


def test_cipher_draws_a_new_permutation_every_time():
    tasks = Languages("train", ways=3, seed=2, cipher=1.0)
    episode = Languages("train", ways=3, seed=2).sample(1, 5, 5)
    repeated = np.repeat(episode.support_x, 2, axis=0)  # one task twice: two draws of its ciphers
    twice = tasks.encipher(type(episode)(repeated, np.repeat(episode.support_y, 2, axis=0), repeated,
                                         np.repeat(episode.support_y, 2, axis=0),
                                         {"classes": np.repeat(episode.info["classes"], 2, axis=0)}))
    assert not np.array_equal(twice.support_x[0], twice.support_x[1])
    np.testing.assert_array_equal(twice.support_x, twice.query_x)  # one draw per task and language
