"""Seeded random streams and vectorised helpers: UUID strings, timestamps, weighted picks."""

from __future__ import annotations

from datetime import datetime

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

STREAMS = ("customers", "orders", "items", "tweets", "supplier_prices", "store_events")
UUID_CHUNK_ROWS = 1 << 20
ISO_FORMAT = "%Y-%m-%dT%H:%M:%S"

_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)
# character positions of the high and low nibble of each of the 16 bytes in "8-4-4-4-12"
_CHAR_POS = np.array([i for i in range(36) if i not in (8, 13, 18, 23)], dtype=np.intp)
_HI_POS, _LO_POS = _CHAR_POS[0::2], _CHAR_POS[1::2]


def rng_for(*key: int) -> np.random.Generator:
    """Return a PCG64 generator seeded from a tuple of non-negative integers."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(list(key))))


def streams(seed: int) -> dict[str, np.random.Generator]:
    """Return one independent PCG64 generator per table, so tables do not shift each other's draws."""
    children = np.random.SeedSequence(seed).spawn(len(STREAMS))
    return {
        name: np.random.Generator(np.random.PCG64(child))
        for name, child in zip(STREAMS, children, strict=True)
    }


def _uuid_chunk(rng: np.random.Generator, n: int) -> pa.StringArray:
    """Return n version-4 UUID strings built from the generator's random bytes."""
    raw = np.frombuffer(rng.bytes(16 * n), dtype=np.uint8).reshape(n, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    chars = np.full((n, 36), ord("-"), dtype=np.uint8)
    chars[:, _HI_POS] = _HEX[raw >> 4]
    chars[:, _LO_POS] = _HEX[raw & 0x0F]
    offsets = np.arange(0, 36 * (n + 1), 36, dtype=np.int32)
    return pa.StringArray.from_buffers(n, pa.py_buffer(offsets), pa.py_buffer(chars.tobytes()))


def uuid_strings(rng: np.random.Generator, n: int) -> pa.ChunkedArray:
    """Return n random UUID strings (no uuid4: the bytes come from the seeded generator)."""
    chunks = [_uuid_chunk(rng, min(UUID_CHUNK_ROWS, n - i)) for i in range(0, n, UUID_CHUNK_ROWS)]
    return pa.chunked_array(chunks, type=pa.string())


def epoch_seconds(value: datetime) -> int:
    """Return the seconds since 1970-01-01 of a naive datetime."""
    return int(np.datetime64(value.replace(tzinfo=None), "s").astype(np.int64))


def timestamps(seconds: np.ndarray) -> pa.Array:
    """Return naive microsecond timestamps from seconds since the epoch."""
    return pa.array(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")).cast(pa.timestamp("us"))


def iso_strings(seconds: np.ndarray) -> pa.Array:
    """Return `YYYY-MM-DDTHH:MM:SS` strings from seconds since the epoch."""
    return pc.strftime(
        pa.array(np.asarray(seconds, dtype=np.int64).astype("datetime64[s]")), format=ISO_FORMAT
    )


def weighted_pick(rng: np.random.Generator, weights: np.ndarray, n: int) -> np.ndarray:
    """Return n indices drawn with probability proportional to weights."""
    cum = np.cumsum(np.asarray(weights, dtype=np.float64))
    return np.searchsorted(cum, rng.random(n) * cum[-1], side="right").clip(0, len(cum) - 1)


def pick_open_stores(
    rng: np.random.Generator, at: np.ndarray, opened: np.ndarray, weights: np.ndarray
) -> np.ndarray:
    """Return a store index per time in `at`, weighted, among the stores with opened <= at."""
    order = np.argsort(opened, kind="stable")
    n_open = np.searchsorted(opened[order], at, side="right")
    if n_open.size and n_open.min() == 0:
        raise ValueError("some timestamps fall before the first store opened")
    cum = np.cumsum(np.asarray(weights, dtype=np.float64)[order])
    draws = rng.random(len(at)) * cum[n_open - 1]
    ranks = np.minimum(np.searchsorted(cum, draws, side="right"), n_open - 1)
    return order[ranks]
