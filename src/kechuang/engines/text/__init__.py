"""Text engine: Chinese tokenisation (jieba + a shipped agricultural dictionary), BM25 on sparse
matrices, and the demand–supplier affinity (text, tags, distance, ratings) with weights as data."""

from .affinity import (
    Demand,
    Pairs,
    Supplier,
    distance_level,
    distance_score,
    explain,
    region_parts,
    score_pairs,
    shrunk_ratings,
    tag_overlap,
)
from .bm25 import BM25Index, normalise_rows_by_max
from .tokenizer import Tokenizer, default_tokenizer, tokenize
from .weights import COMPONENTS, Weights, WeightsError, load_weights, weights_from_dict

__all__ = [
    "COMPONENTS",
    "BM25Index",
    "Demand",
    "Pairs",
    "Supplier",
    "Tokenizer",
    "Weights",
    "WeightsError",
    "default_tokenizer",
    "distance_level",
    "distance_score",
    "explain",
    "load_weights",
    "normalise_rows_by_max",
    "region_parts",
    "score_pairs",
    "shrunk_ratings",
    "tag_overlap",
    "tokenize",
    "weights_from_dict",
]
