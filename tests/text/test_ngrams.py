"""The compiled n-gram counter counts exactly what scikit-learn's HashingVectorizer counts."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer

from bastion.text.model import features
from bastion.text.ngrams import ngram_counts

N = 2**18
_REFERENCE = (
    HashingVectorizer(
        analyzer="char_wb", ngram_range=(2, 5), n_features=N, alternate_sign=False, norm=None, lowercase=False
    ),
    HashingVectorizer(
        analyzer="word",
        ngram_range=(1, 2),
        n_features=N,
        alternate_sign=False,
        norm=None,
        lowercase=False,
        token_pattern=r"(?u)\b\w+\b",
    ),
)
# Short made-up lines in several scripts, with odd spacing, emoji and a long token.
EXAMPLES = [
    "",
    " ",
    "a",
    "the crimson dawn parade was cancelled",
    "x  y\tz\n",
    "قرأت خبر المهرجان في الصباح",
    "Съешь ещё этих мягких булок",
    "日本語のテキスト",
    "emoji 🎉🎉 party_time 42",
    "w" * 300,
]
any_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=120)


def _ours(texts: list[str]) -> sparse.csr_matrix:
    indptr, indices, counts = ngram_counts(texts, N, (2, 5))
    matrix = sparse.csr_matrix((counts.astype(np.float64), indices, indptr), shape=(len(texts), 2 * N))
    matrix.sort_indices()
    return matrix


def _theirs(texts: list[str]) -> sparse.csr_matrix:
    return sparse.hstack([vectorizer.transform(texts) for vectorizer in _REFERENCE], format="csr")


def _same(a: sparse.csr_matrix, b: sparse.csr_matrix) -> bool:
    return a.shape == b.shape and (a != b).nnz == 0


def test_counts_match_scikit_learn_on_examples() -> None:
    assert _same(_ours(EXAMPLES), _theirs(EXAMPLES))


@given(st.lists(any_text, min_size=1, max_size=8))
@settings(max_examples=200, deadline=None)
def test_counts_match_scikit_learn_on_any_text(texts: list[str]) -> None:
    assert _same(_ours(texts), _theirs(texts))


def test_consecutive_calls_do_not_share_counts() -> None:
    first = _ours(["alpha beta alpha"])
    _ours(["alpha gamma"])
    assert _same(_ours(["alpha beta alpha"]), first)


def test_a_lone_surrogate_is_counted_not_raised() -> None:
    matrix = features(["broken \ud800 text"])
    assert matrix.shape[0] == 1 and matrix.nnz > 0


def test_each_block_is_unit_length() -> None:
    matrix = features(EXAMPLES[3:6]).toarray()
    for block in (matrix[:, :N], matrix[:, N:]):
        assert np.allclose(np.linalg.norm(block, axis=1), 1.0, atol=1e-5)
