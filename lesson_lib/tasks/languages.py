"""N-way K-shot language identification (Lesson 11): which language is a short text in?

Data: the word frequency lists of `wordfreq` (Speer 2022; code Apache-2.0, data CC BY-SA 4.0),
offline. Only languages written in the Latin script are kept, so the script alone never gives
the answer: a language is Latin-script when at least LATIN_SHARE of its TOP_WORDS most
frequent words use Latin letters only (every letter's Unicode name starts with "LATIN"). The
27 languages of wordfreq 3.1 that pass score >= 0.99, the others <= 0.04 (they are in their own
script, with some English mixed in); LATIN_LANGUAGES lists them.

Words: each language's TOP_WORDS most frequent words, keeping those made of letters only
(Unicode categories L* and M*, not `str.isalpha`, which also takes digits of other scripts and
accepts nothing about marks) and of Latin letters only, lowercase as wordfreq gives them; then
every word found in the lists of two or more of the 27 languages is dropped ("de", "a", "internet",
names...), so no word alone is evidence for two languages. A word is drawn with probability
proportional to its wordfreq frequency p(w) = 10^(cB/100), renormalised over the kept words.

Example: `words` words drawn independently (with replacement) from one language, joined by
single spaces (`words=1` is the hard setting), as character ids padded or truncated to
`length` (default LENGTH = 40; 3 words take 19 characters on median, 34 at the 99.9th
percentile, at most 40 in 150,000 draws; one word at most 18): id 0 = padding, 1 = unknown
character, 2 = space, then the letters of all 27 languages in code-point order.

A task picks N languages of its split; labels 0..N-1 are one-hot. The split is fixed: the 27
languages shuffled with SPLIT_SEED, the first 8 for meta-testing (TEST_LANGUAGES), the rest
for meta-training (TRAIN_LANGUAGES), so every test task asks about languages never seen in
meta-training. `split()` recomputes it and a test checks it is the lists written here.

Meta-augmentation (`cipher`): 19 training languages are few tasks, and a learner can memorise
them instead of learning to compare (Lesson 10: Rajendran et al. 2020). With `cipher` = p each
language of a sampled task is, with probability p, enciphered: its letters are permuted among
themselves (its own alphabet: the letters of its kept words), by a permutation drawn afresh for
every task and shared by that language's support and query texts. Spaces and the word lengths
stay; which letters are frequent and which follow which change, so the task is a new language
with a natural language's structure, and only comparing the query with the support set answers it.
"""

import functools
import unicodedata

import numpy as np

from .. import checks
from ..i18n import _
from .episode import Episode

TOP_WORDS = 5_000  # most frequent words read per language
LATIN_SHARE = 0.9  # of those words written in Latin letters only, for a language to count as Latin-script
LENGTH = 40  # characters per example (ids), padded with 0 or truncated
PAD, UNKNOWN, SPACE = 0, 1, 2  # the ids before the letters
SPLIT_SEED = 0
NUM_TEST = 8

# Measured with wordfreq 3.1 by `latin_languages()` (a test recomputes it).
LATIN_LANGUAGES = ("ca", "cs", "da", "de", "en", "es", "fi", "fil", "fr", "hu", "id", "is", "it", "lt", "lv",
                   "ms", "nb", "nl", "pl", "pt", "ro", "sh", "sk", "sl", "sv", "tr", "vi")
# split(): LATIN_LANGUAGES shuffled with SPLIT_SEED, the first NUM_TEST are for testing.
TEST_LANGUAGES = ("da", "en", "fi", "id", "is", "pt", "tr", "vi")
TRAIN_LANGUAGES = ("ca", "cs", "de", "es", "fil", "fr", "hu", "it", "lt", "lv", "ms", "nb", "nl", "pl", "ro",
                   "sh", "sk", "sl", "sv")
NAMES = {"ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German", "en": "English", "es": "Spanish",
         "fi": "Finnish", "fil": "Filipino", "fr": "French", "hu": "Hungarian", "id": "Indonesian",
         "is": "Icelandic", "it": "Italian", "lt": "Lithuanian", "lv": "Latvian", "ms": "Malay",
         "nb": "Norwegian", "nl": "Dutch", "pl": "Polish", "pt": "Portuguese", "ro": "Romanian",
         "sh": "Serbo-Croatian", "sk": "Slovak", "sl": "Slovenian", "sv": "Swedish", "tr": "Turkish",
         "vi": "Vietnamese"}  # wordfreq's codes, in English


@functools.cache
def is_letter(character):
    """Unicode category L* (letters) or M* (combining marks)."""
    return unicodedata.category(character)[0] in "LM"


@functools.cache
def is_latin(character):
    """A combining mark, or a letter whose Unicode name starts with "LATIN"."""
    category = unicodedata.category(character)[0]
    return category == "M" or (category == "L" and unicodedata.name(character, "").startswith("LATIN"))


def is_latin_word(word):
    """Letters and marks only, every letter a Latin one."""
    return bool(word) and all(map(is_latin, word))


def latin_share(language, top=TOP_WORDS):
    """The share of the language's `top` most frequent letter-only words that are in Latin letters."""
    import wordfreq

    words = [w for w in wordfreq.top_n_list(language, top) if all(map(is_letter, w))]
    return sum(map(is_latin_word, words)) / len(words)


def latin_languages(share=LATIN_SHARE):
    """The wordfreq languages whose latin_share is at least `share`, sorted by code."""
    import wordfreq

    return tuple(sorted(lang for lang in wordfreq.available_languages() if latin_share(lang) >= share))


def split(languages=LATIN_LANGUAGES, num_test=NUM_TEST, seed=SPLIT_SEED):
    """(train, test) languages: a fixed shuffle, the first `num_test` test, each part sorted."""
    order = np.random.default_rng(seed).permutation(len(languages))
    pick = lambda indices: tuple(sorted(languages[i] for i in indices))  # noqa: E731
    return pick(order[num_test:]), pick(order[:num_test])


def _frequency_bands(language):
    """Yield wordfreq's bands of the language's "best" list, most frequent first: band i holds
    the words of frequency 10^(-i/100). The file (gzipped msgpack: a header, then the bands) is
    read only as far as the caller goes: `wordfreq.get_frequency_list` reads all of it, about
    ten times more than the top 5,000 words need."""
    import gzip

    import msgpack
    import wordfreq

    with gzip.open(wordfreq.available_languages()[language], "rb") as file:
        unpacker = msgpack.Unpacker(file, raw=False)
        items = unpacker.read_array_header()
        header = unpacker.unpack()
        if not isinstance(header, dict) or header.get("format") != "cB" or header.get("version") != 1:
            raise ValueError(_("unexpected wordfreq file header for {language!r}: {header!r}",
                               language=language, header=header))
        for _band in range(items - 1):
            yield unpacker.unpack()


def _ranked_words(language, top=TOP_WORDS):
    """[(word, frequency)] of the `top` most frequent words, in wordfreq's order (band i of its
    list holds the words of frequency 10^(-i/100)); multi-digit numbers skipped as
    `wordfreq.top_n_list` does."""
    from wordfreq.numbers import has_digit_sequence

    ranked = []
    for i, band in enumerate(_frequency_bands(language)):
        for word in band:
            if not has_digit_sequence(word):
                ranked.append((word, 10.0 ** (-i / 100)))
                if len(ranked) == top:
                    return ranked
    return ranked


@functools.cache
def word_lists(languages=LATIN_LANGUAGES, top=TOP_WORDS):
    """{language: (words, probabilities)}: the Latin letter-only words of each language's `top`
    list that no other of `languages` has in its list, with their frequencies renormalised.
    Cached per process: the first call takes about 2 s of CPU, importing wordfreq included."""
    ranked = {lang: [(w, p) for w, p in _ranked_words(lang, top) if is_latin_word(w)] for lang in languages}
    owners = {}
    for pairs in ranked.values():
        for word, _probability in pairs:
            owners[word] = owners.get(word, 0) + 1
    lists = {}
    for lang, pairs in ranked.items():
        kept = [(w, p) for w, p in pairs if owners[w] == 1]
        words = tuple(w for w, _p in kept)
        p = np.array([p for _w, p in kept])
        lists[lang] = (words, p / p.sum())
    return lists


@functools.cache
def alphabet(languages=LATIN_LANGUAGES):
    """Every character of the kept words of `languages`, in code-point order: the letters whose
    ids are 3, 4, ... (0 padding, 1 unknown, 2 space)."""
    return "".join(sorted({c for words, _p in word_lists(languages).values() for w in words for c in w}))


def clean(text):
    """What an example looks like: NFC, lowercase, every run of non-letters (digits,
    punctuation, spaces) one space, no space at either end. "Hello, World!" -> "hello world"."""
    text = unicodedata.normalize("NFC", text).lower()
    return " ".join("".join(c if is_letter(c) else " " for c in text).split())


class Vocabulary:
    """Characters <-> ids: 0 padding, 1 unknown, 2 space, then `letters` from 3 on."""

    def __init__(self, letters):
        self.letters = letters
        self.ids = {c: i + 3 for i, c in enumerate(letters)}
        self.ids[" "] = SPACE
        self.characters = np.array(["", "\N{REPLACEMENT CHARACTER}", " ", *letters])

    def __len__(self):
        return len(self.letters) + 3

    def encode(self, texts, length=LENGTH):
        """int32 [len(texts), length]: each text `clean`ed, its characters' ids (unknown ones 1),
        truncated to `length` and padded with 0."""
        checks.integer("length", length, 1)
        if isinstance(texts, str):
            raise TypeError(_("texts must be a list of strings; for one text write [text]"))
        ids = np.zeros((len(texts), length), np.int32)
        for row, text in enumerate(texts):
            codes = [self.ids.get(c, UNKNOWN) for c in clean(text)[:length]]
            ids[row, :len(codes)] = codes
        return ids

    def decode(self, ids):
        """The texts of ids [..., length] (an array of strings [...]): padding dropped, unknown
        characters shown as U+FFFD."""
        ids = np.asarray(ids)
        if ids.ndim < 1:
            raise ValueError(_("ids must have shape [..., length], got a scalar {ids!r}", ids=ids))
        if ids.size and (ids.min() < 0 or ids.max() >= len(self) or not np.all(ids == np.round(ids))):
            raise ValueError(_("ids must be integers in [0, {size}), got values in [{low}, {high}]",
                               size=len(self), low=ids.min(), high=ids.max()))
        chars = self.characters[ids.astype(np.int64)]
        flat = ["".join(row) for row in chars.reshape(-1, ids.shape[-1])]
        return np.array(flat, dtype=object).reshape(ids.shape[:-1])


class Languages:
    """Seeded sampler of N-way language-identification episodes:
    `Languages("train", ways=5, words=3).sample(32, K=1, Q=15)`.

    split: "train" (TRAIN_LANGUAGES) or "test" (TEST_LANGUAGES); words: words per example;
    length: characters per example; cipher: the probability that a language of a sampled task
    is enciphered (meta-augmentation, see above; 0 = never).
    """

    def __init__(self, split="train", ways=5, words=3, seed=0, length=LENGTH, dtype="float32", cipher=0.0):
        if split not in ("train", "test"):
            raise ValueError(_("split must be 'train' or 'test', got {split!r}", split=split))
        checks.integer("seed", seed, 0)
        self.languages = TRAIN_LANGUAGES if split == "train" else TEST_LANGUAGES
        if checks.integer("ways", ways, 1) > len(self.languages):
            raise ValueError(_("ways must be <= {classes}, the languages of the {split} split, got {ways}",
                               classes=len(self.languages), split=split, ways=ways))
        self.ways, self.split = ways, split
        self.words = checks.integer("words", words, 1)
        self.length = checks.integer("length", length, 1)
        self.vocabulary = Vocabulary(alphabet())
        lists = word_lists()
        self.word_ids = self._word_table([lists[lang][0] for lang in self.languages])
        # the cdf of language l's words, shifted by l: language l's segment is (l, l + 1]
        self.cdf = np.concatenate([i + np.cumsum(lists[name][1]) for i, name in enumerate(self.languages)])
        ends = np.cumsum([len(lists[name][0]) for name in self.languages]) - 1
        self.cdf[ends] = np.arange(1, len(self.languages) + 1)  # exact: rounding never passes a last word
        self.dtype = np.dtype(dtype)
        self.cipher = checks.probability("cipher", cipher)
        # each language's own letters (ids, sorted), the ones its cipher permutes
        ids = self.vocabulary.ids
        self.letter_ids = [np.array(sorted({ids[c] for w in lists[lang][0] for c in w}), np.int32)
                           for lang in self.languages]
        self.rng = np.random.default_rng(seed)

    def _word_table(self, per_language):
        words = [w for words in per_language for w in words]
        table = np.zeros((len(words), max(map(len, words))), np.int32)
        for row, word in enumerate(words):
            table[row, :len(word)] = [self.vocabulary.ids[c] for c in word]
        return table

    @property
    def vocab_size(self):
        return len(self.vocabulary)

    @property
    def num_classes(self):
        """The languages of the split (GlobalLabels labels examples over all of them)."""
        return len(self.languages)

    def encode(self, texts):
        """int32 ids [len(texts), length] of texts (cleaned: lowercase, letters and single spaces)."""
        return self.vocabulary.encode(texts, self.length)

    def decode(self, ids):
        """The texts [...] of ids [..., length]."""
        return self.vocabulary.decode(ids)

    def sample(self, num_tasks, K, Q=None):
        """An Episode of `num_tasks` random N-way tasks, K support and Q query texts per
        language (Q defaults to K). support_x int32 ids [T, N*K, length], support_y one-hot
        [T, N*K, N], class-major: example k of class c is at c*K + k."""
        checks.integer("num_tasks", num_tasks, 1)
        checks.integer("K", K, 1)
        Q = K if Q is None else checks.integer("Q", Q, 1)
        classes = self.rng.random((num_tasks, len(self.languages))).argsort(axis=1)[:, :self.ways]
        uniform = self.rng.random((num_tasks, self.ways, K + Q, self.words))
        episode = self.episode(classes, self.draw(classes[:, :, None, None] + uniform), K)
        return self.encipher(episode) if self.cipher else episode

    def encipher(self, episode):
        """The episode with each language of each task enciphered with probability `cipher`: its
        letters permuted among themselves, the same permutation for its support and query texts;
        info gains `ciphered` [T, N] (bool)."""
        classes = episode.info["classes"]
        T, N = classes.shape
        ciphered = self.rng.random((T, N)) < self.cipher
        V = len(self.vocabulary)
        tables = np.broadcast_to(np.arange(V, dtype=np.int32), (T, N, V)).copy()
        for t, n in zip(*np.nonzero(ciphered), strict=True):
            ids = self.letter_ids[classes[t, n]]
            tables[t, n, ids] = self.rng.permutation(ids)

        def apply(x):  # ids [T, N * S, length], class-major -> each language's table
            by_language = x.reshape(T, N, -1)
            return np.take_along_axis(tables, by_language, axis=-1).reshape(x.shape)

        return Episode(apply(episode.support_x), episode.support_y, apply(episode.query_x), episode.query_y,
                       {**episode.info, "ciphered": ciphered})

    def draw(self, positions):
        """Word indices (rows of the word table) for positions l + u: language l of the split
        and u uniform in [0, 1) give word w of l with probability p_l(w) (inverse cdf)."""
        return np.searchsorted(self.cdf, positions, side="right")

    def texts(self, words):
        """Character ids [..., length] of the texts made of word indices [..., words] (rows of
        the word table): the words joined by single spaces, truncated, padded with 0."""
        rows = self.word_ids[words]  # [..., words, longest]
        spaced = np.concatenate([rows, np.full((*rows.shape[:-1], 1), SPACE, np.int32)], axis=-1)
        flat = spaced.reshape(*words.shape[:-1], -1)  # every word, then a space, with 0s in between
        packed = np.take_along_axis(flat, np.argsort(flat == PAD, axis=-1, kind="stable"), axis=-1)
        last = (packed != PAD).sum(axis=-1, keepdims=True) - 1  # the space after the last word
        np.put_along_axis(packed, last, PAD, axis=-1)
        out = np.zeros((*words.shape[:-1], self.length), np.int32)
        keep = min(self.length, packed.shape[-1])
        out[..., :keep] = packed[..., :keep]
        out[..., -1][out[..., -1] == SPACE] = PAD  # cut just after a word: no trailing space
        return out

    def episode(self, classes, words, K):
        """The Episode for languages `classes` [T, N] (indices into the split's languages) and
        word indices [T, N, K + Q, words] (the first K texts of each language are the support set)."""
        classes, words = np.asarray(classes), np.asarray(words)
        x = self.texts(words)  # [T, N, K + Q, length]
        T, N, S = x.shape[:3]
        y = np.broadcast_to(np.eye(N, dtype=self.dtype)[None, :, None], (T, N, S, N))
        flat = [a.reshape(T, N * a.shape[2], *a.shape[3:]) for a in (x[:, :, :K], y[:, :, :K], x[:, :, K:],
                                                                      y[:, :, K:])]
        return Episode(*flat, {"classes": classes, "languages": np.array(self.languages)[classes]})
