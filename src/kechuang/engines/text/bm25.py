"""Okapi BM25 over sparse matrices.

The formula (Robertson, S. & Zaragoza, H. (2009). The Probabilistic Relevance Framework: BM25 and
Beyond. Foundations and Trends in Information Retrieval 3(4), 333–389, §3.4–3.5), for a query q and
a document d::

    score(q, d) = Σ_{t ∈ q}  w_q(t) · idf(t) · tf(t,d)·(k1 + 1) / (tf(t,d) + k1·(1 − b + b·dl/avgdl))

    idf(t)  = ln(1 + (N − n(t) + 0.5) / (n(t) + 0.5))
    w_q(t)  = (k3 + 1)·qtf / (k3 + qtf)            (k3 = 0: each query term counts once)

tf(t,d) is the count of t in d, dl the length of d in tokens, avgdl the mean length, N the number
of documents and n(t) the number holding t. The idf is the Robertson–Spärck Jones weight without
relevance information, with 1 added inside the logarithm (as Lucene does) so that a term in more
than half the documents still counts a little instead of going negative.

The document side is computed once as a sparse matrix W (documents × terms) of
``idf·tf·(k1+1)/(tf + K_d)``; scoring many queries is then one sparse product Q·Wᵀ.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp


class BM25Index:
    """BM25 document weights for a fixed collection of tokenised documents."""

    def __init__(self, documents: Sequence[Sequence[str]], k1: float = 1.2, b: float = 0.75):
        """Index tokenised documents; raises ValueError on a negative k1 or b outside [0, 1]."""
        if k1 < 0:
            raise ValueError(f"BM25 参数 k1 不能为负数，实际为 {k1}")
        if not 0 <= b <= 1:
            raise ValueError(f"BM25 参数 b 必须在 0 到 1 之间，实际为 {b}")
        self.k1 = float(k1)
        self.b = float(b)
        self.vocabulary: dict[str, int] = {}
        rows: list[int] = []
        cols: list[int] = []
        for i, doc in enumerate(documents):
            for token in doc:
                j = self.vocabulary.setdefault(token, len(self.vocabulary))
                rows.append(i)
                cols.append(j)
        n_docs = len(documents)
        tf = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)),
            shape=(n_docs, len(self.vocabulary)),
        )
        tf.sum_duplicates()
        self.n_docs = n_docs
        self.doc_len = np.asarray(tf.sum(axis=1)).ravel()
        self.avgdl = float(self.doc_len.mean()) if n_docs and self.doc_len.sum() else 1.0
        self.doc_freq = np.bincount(tf.indices, minlength=len(self.vocabulary)).astype(np.float64)
        self.idf = np.log1p((n_docs - self.doc_freq + 0.5) / (self.doc_freq + 0.5))
        self.term_freq = tf
        # K_d per stored entry: the row of each nonzero repeats its document's length term.
        length_norm = self.k1 * (1.0 - self.b + self.b * self.doc_len / self.avgdl)
        entry_rows = np.repeat(np.arange(n_docs), np.diff(tf.indptr))
        data = tf.data
        weights = self.idf[tf.indices] * data * (self.k1 + 1.0) / (data + length_norm[entry_rows])
        self.weights = sp.csr_matrix((weights, tf.indices.copy(), tf.indptr.copy()), shape=tf.shape)
        self._weights_csc: sp.csc_matrix | None = None

    def query_matrix(self, queries: Iterable[Sequence[str]], k3: float = 0.0) -> sp.csr_matrix:
        """Sparse queries × terms matrix of the query-term weights w_q; unknown terms are dropped."""
        if k3 < 0:
            raise ValueError(f"BM25 参数 k3 不能为负数，实际为 {k3}")
        rows: list[int] = []
        cols: list[int] = []
        n = 0
        for i, query in enumerate(queries):
            n = i + 1
            for token in query:
                j = self.vocabulary.get(token)
                if j is not None:
                    rows.append(i)
                    cols.append(j)
        q = sp.csr_matrix(
            (np.ones(len(rows), dtype=np.float64), (rows, cols)),
            shape=(n, len(self.vocabulary)),
        )
        q.sum_duplicates()
        q.data = (k3 + 1.0) * q.data / (k3 + q.data)
        return q

    def score(self, queries: Iterable[Sequence[str]], k3: float = 0.0) -> sp.csr_matrix:
        """Sparse queries × documents matrix of raw BM25 scores."""
        q = self.query_matrix(queries, k3)
        return (q @ self.weights.T).tocsr()

    def score_block(self, queries: sp.csr_matrix) -> np.ndarray:
        """Dense queries × documents raw BM25 for a block of rows of a query matrix.

        Only the terms the block uses matter: their columns of the document weights are made dense
        (documents × block terms) and multiplied by the sparse queries, which costs
        nnz(queries) × documents and keeps memory to the block's own vocabulary; much faster than
        a sparse × sparse product when most pairs share some term."""
        if self._weights_csc is None:
            # Documents × terms as CSC so that a block's terms are cheap column slices.
            self._weights_csc = self.weights.tocsc()
        terms = np.unique(queries.indices)
        if len(terms) == 0:
            return np.zeros((queries.shape[0], self.n_docs))
        dense_docs = self._weights_csc[:, terms].toarray()
        return np.asarray(queries[:, terms] @ dense_docs.T)

    def score_one(self, query: Sequence[str], k3: float = 0.0) -> np.ndarray:
        """Dense BM25 scores of one query against every document."""
        return self.score([query], k3).toarray().ravel()


def normalise_rows_by_max(scores: sp.csr_matrix) -> sp.csr_matrix:
    """Divide each row by its maximum so the best document of every query scores 1; rows with no
    positive score stay zero (BM25 scores are never negative with the idf used here)."""
    scores = scores.tocsr(copy=True)
    row_max = np.zeros(scores.shape[0])
    if scores.nnz:
        nonempty = np.diff(scores.indptr) > 0
        row_max[nonempty] = np.maximum.reduceat(scores.data, scores.indptr[:-1][nonempty])
    divisor = np.where(row_max > 0, row_max, 1.0)
    scores.data = scores.data / np.repeat(divisor, np.diff(scores.indptr))
    return scores
