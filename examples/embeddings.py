"""Embed a few sentences and find the one closest to a query (cosine similarity).

Vectors travel as base64 (smaller, faster) and arrive as lists of floats.
"""

import math
import os

from r9s import R9S

MODEL = os.environ.get("R9S_EMBEDDING_MODEL", "text-embedding-3-small")
DOCUMENTS = [
    "The cat sleeps on the sofa.",
    "Stock markets fell sharply today.",
    "A recipe for tomato soup.",
]
QUERY = "kitten napping"


def cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)) or 1.0)


with R9S.from_env() as r9s:
    response = r9s.embeddings.create(
        model=MODEL, input=[QUERY, *DOCUMENTS], encoding_format="base64"
    )
    query, *documents = response.vectors
    print(f"{len(query)} dimensions for {len(DOCUMENTS)} documents and the query")
    ranked = sorted(
        zip(DOCUMENTS, documents, strict=True), key=lambda pair: -cosine(query, pair[1])
    )
    for text, vector in ranked:
        print(f"{cosine(query, vector):+.3f}  {text}")
