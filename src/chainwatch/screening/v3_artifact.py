"""chainwatch-v3's index as a file: flat arrays that every process memory-maps.

An index is built once per snapshot and algorithm and written as one file of aligned NumPy
array sections (strings in byte blobs with offset arrays) behind a JSON header. A process opens
it with :func:`open_index`: the arrays are views of one read-only ``mmap`` (forked workers,
uvicorn workers and Dask workers on one machine share the page cache's single copy), and the
Python objects the matcher reads (rows, entries) are decoded lazily, one at a time, when a
query first touches them. A fresh process is ready in tens of milliseconds.

File layout (all integers little-endian)::

    0   8 bytes   magic b"CWV3IDX\\n"
    8   32 bytes  SHA-256 of every byte from offset 40 to the end of the file
    40  8 bytes   length H of the header
    48  H bytes   header: JSON (format, algorithm, snapshot, fingerprint, fields, arrays)
    ... padding to a multiple of 64, then the array sections, each 64-byte aligned

**Never silently used when wrong.** :func:`open_index` checks the magic, the header, the key
(format version, algorithm, snapshot hash, code fingerprint: :class:`ArtifactKey`) and, by
default, the SHA-256 of the whole file (read through the page cache: about 10 ms for the
bundled lists' 20 MB) before it maps anything; a mismatch raises :class:`StaleArtifact` or
:class:`CorruptArtifact` and the caller rebuilds. Files are written to a temporary name beside
the target and renamed into place (``os.replace``), so a reader sees a whole file or none and
two writers of one key leave one whole file.

**Adding a field** to :class:`~chainwatch.screening.v3_index.V3Index` is one line in
:data:`FIELDS` (the name and its codec) beside the attribute and its name in
:data:`~chainwatch.screening.v3_index.PARTS`; a test fails while the two lists differ. Any
change of the format bumps :data:`FORMAT_VERSION`, which is part of the key.
"""

from __future__ import annotations

import hashlib
import json
import mmap
import os
import struct
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, TypeVar, overload

import numpy as np

from chainwatch.model.errors import ChainwatchError
from chainwatch.model.lists import ListEntry, entry_from_dict, entry_to_dict
from chainwatch.screening.v3_index import PARTS, V3Index, V3Row
from chainwatch.screening.v3_tokens import DeletionIndex
from chainwatch.text.normalize_v3 import FormV3

__all__ = [
    "FIELDS",
    "FORMAT_VERSION",
    "ArtifactError",
    "ArtifactKey",
    "CorruptArtifact",
    "StaleArtifact",
    "open_index",
    "read_header",
    "write_index",
]

MAGIC = b"CWV3IDX\n"
FORMAT_VERSION = 2
SUFFIX = ".cwidx"
_ALIGN = 64
_DIGEST_AT = 8
_HASHED_FROM = 40
_PREAMBLE = 48

T = TypeVar("T")
V = TypeVar("V")


class ArtifactError(ChainwatchError):
    """An index artifact that cannot be used: the caller builds the index again."""


class CorruptArtifact(ArtifactError):
    """The file is not a whole, unmodified artifact (bad magic, header, size or hash)."""


class StaleArtifact(ArtifactError):
    """A whole artifact, but of another key (format, algorithm, snapshot or code)."""


@dataclass(frozen=True, slots=True)
class ArtifactKey:
    """What an artifact was built from; an artifact is only ever opened for its own key."""

    algorithm: str
    snapshot: str  # the snapshot's content hash
    fingerprint: str  # of the code and tables that shape the index (and FORMAT_VERSION)

    @property
    def filename(self) -> str:
        return f"index-{self.algorithm}-{self.snapshot[:32]}-{self.fingerprint[:16]}{SUFFIX}"

    def as_header(self) -> dict[str, object]:
        return {
            "format": FORMAT_VERSION,
            "algorithm": self.algorithm,
            "snapshot": self.snapshot,
            "fingerprint": self.fingerprint,
        }


# -- lazy views over mapped arrays ----------------------------------------------------------


def _strings(blob: np.ndarray, count: int) -> tuple[str, ...]:
    """`count` strings stored NUL-separated in `blob`."""
    if count == 0:
        return ()
    return tuple(blob.tobytes().decode("utf-8").split("\0"))


class LazyList(Sequence[T]):
    """Items stored as JSON texts in one byte blob, decoded on first access and kept
    (``decode(position, json_value)`` makes the item)."""

    def __init__(
        self, blob: np.ndarray, offsets: np.ndarray, decode: Callable[[int, Any], T]
    ) -> None:
        self._blob = blob.data
        self._offsets: list[int] = offsets.tolist()
        self._decode = decode
        self._items: list[T | None] = [None] * (len(self._offsets) - 1)

    def __len__(self) -> int:
        return len(self._items)

    @overload
    def __getitem__(self, position: int) -> T: ...

    @overload
    def __getitem__(self, position: slice) -> list[T]: ...

    def __getitem__(self, position: int | slice) -> T | list[T]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self._items)
        if not 0 <= position < len(self._items):
            raise IndexError(position)
        item = self._items[position]
        if item is None:
            start, end = self._offsets[position], self._offsets[position + 1]
            item = self._decode(position, json.loads(bytes(self._blob[start:end])))
            self._items[position] = item
        return item

    def __iter__(self) -> Iterator[T]:
        for i in range(len(self._items)):
            yield self[i]


class RaggedList(Sequence[np.ndarray]):
    """Rows of a flat array (CSR): item ``i`` is ``flat[offsets[i]:offsets[i + 1]]``, a view."""

    def __init__(self, flat: np.ndarray, offsets: np.ndarray) -> None:
        self._flat = flat
        self._offsets: list[int] = offsets.tolist()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, position: int) -> np.ndarray: ...

    @overload
    def __getitem__(self, position: slice) -> list[np.ndarray]: ...

    def __getitem__(self, position: int | slice) -> np.ndarray | list[np.ndarray]:
        if isinstance(position, slice):
            return [self[i] for i in range(*position.indices(len(self)))]
        if position < 0:
            position += len(self)
        if not 0 <= position < len(self):
            raise IndexError(position)
        return self._flat[self._offsets[position] : self._offsets[position + 1]]


class RaggedMapping(Mapping[str, V], Generic[V]):
    """A mapping of strings to rows of a flat array (``convert`` turns the view into the
    value: the view itself, or a tuple of ints)."""

    def __init__(
        self,
        keys: tuple[str, ...],
        rows: RaggedList,
        convert: Callable[[np.ndarray], V],
    ) -> None:
        self._position = dict(zip(keys, range(len(keys)), strict=True))
        self._keys = keys
        self._rows = rows
        self._convert = convert

    @property
    def keys_in_order(self) -> tuple[str, ...]:
        return self._keys

    def position(self, key: str) -> int:
        return self._position[key]

    def __getitem__(self, key: str) -> V:
        return self._convert(self._rows[self._position[key]])

    def __contains__(self, key: object) -> bool:
        return key in self._position

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


# -- codecs: one per kind of attribute -----------------------------------------------------

Arrays = dict[str, np.ndarray]


class Codec:
    """How one index attribute becomes arrays (and a little JSON) and back. `parts` are the
    attributes of the index (encoding) or the ones decoded so far, in :data:`FIELDS` order
    (decoding): a field may reuse another's strings."""

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        raise NotImplementedError

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        raise NotImplementedError


def _blob(texts: Sequence[str]) -> np.ndarray:
    for text in texts:
        if "\0" in text:
            raise ValueError(f"a string of the index holds NUL: {text!r}")
    return np.frombuffer("\0".join(texts).encode("utf-8"), dtype=np.uint8)


def _json_blob(values: Sequence[Any]) -> Arrays:
    pieces = [json.dumps(v, ensure_ascii=False, separators=(",", ":")).encode() for v in values]
    offsets = np.zeros(len(pieces) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in pieces], out=offsets[1:])
    return {"blob": np.frombuffer(b"".join(pieces), dtype=np.uint8), "offsets": offsets}


def _ragged(rows: Sequence[Sequence[int] | np.ndarray]) -> Arrays:
    offsets = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([len(r) for r in rows], out=offsets[1:])
    flat = (
        np.concatenate([np.asarray(r, dtype=np.int32) for r in rows])
        if rows
        else np.zeros(0, dtype=np.int32)
    )
    return {"flat": flat.astype(np.int32, copy=False), "offsets": offsets}


class Scalar(Codec):
    """A str, int or float, kept in the header (JSON writes floats exactly)."""

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        return {}, value

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        return meta


class Array(Codec):
    """A NumPy array, mapped as it is (read-only)."""

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        return {"data": np.ascontiguousarray(value)}, None

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        return arrays["data"]


class Strings(Codec):
    """A tuple (or, with `as_set`, a frozenset) of strings."""

    def __init__(self, as_set: bool = False) -> None:
        self.as_set = as_set

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        texts = sorted(value) if self.as_set else list(value)
        return {"blob": _blob(texts)}, len(texts)

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        texts = _strings(arrays["blob"], int(meta))
        return frozenset(texts) if self.as_set else texts


def _keys_of(value: Any) -> tuple[str, ...]:
    """The keys of a decoded field: a tuple of strings, or a mapping's keys in stored order."""
    if isinstance(value, tuple):
        return value
    if isinstance(value, RaggedMapping):
        return value.keys_in_order
    return tuple(value)


class NumberDict(Codec):
    """A dict of strings to ints or floats, made a real dict at load (hot lookups). With
    `keys_of`, its keys are those of another field (stored once, in that field's order)."""

    def __init__(self, dtype: type, keys_of: str = "") -> None:
        self.dtype = dtype
        self.keys_of = keys_of

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        if self.keys_of:
            assert parts is not None
            keys = list(_keys_of(parts[self.keys_of]))
            if len(keys) != len(value) or any(k not in value for k in keys):
                raise ValueError(f"the keys are not those of {self.keys_of}")
            return {"values": np.asarray([value[k] for k in keys], dtype=self.dtype)}, None
        keys = list(value)
        values: np.ndarray = np.asarray([value[k] for k in keys], dtype=self.dtype)
        return {"keys": _blob(keys), "values": values}, len(keys)

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        if self.keys_of:
            keys = _keys_of(parts[self.keys_of])
        else:
            keys = _strings(arrays["keys"], int(meta))
        return dict(zip(keys, arrays["values"].tolist(), strict=True))


class Positions(Codec):
    """A dict of the strings of a tuple field to their positions (``token_id``): nothing
    stored."""

    def __init__(self, of: str) -> None:
        self.of = of

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        assert parts is not None
        keys = parts[self.of]
        if len(value) != len(keys) or any(value.get(k) != i for i, k in enumerate(keys)):
            raise ValueError(f"not the positions of {self.of}")
        return {}, None

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        keys = parts[self.of]
        return dict(zip(keys, range(len(keys)), strict=True))


class Ragged(Codec):
    """A list of int32 arrays (postings), as views of one flat array."""

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        return _ragged(value), None

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        return RaggedList(arrays["flat"], arrays["offsets"])


def _ints(view: np.ndarray) -> tuple[int, ...]:
    return tuple(view.tolist())


class RaggedDict(Codec):
    """A dict of strings to int32 arrays (`as_tuples`: to tuples of ints)."""

    def __init__(self, as_tuples: bool = False) -> None:
        self.as_tuples = as_tuples

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        keys = list(value)
        arrays = _ragged([value[k] for k in keys])
        arrays["keys"] = _blob(keys)
        return arrays, len(keys)

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        keys = _strings(arrays["keys"], int(meta))
        rows = RaggedList(arrays["flat"], arrays["offsets"])
        convert: Callable[[np.ndarray], Any] = _ints if self.as_tuples else _view
        return RaggedMapping(keys, rows, convert)


def _view(view: np.ndarray) -> np.ndarray:
    return view


class AlignedValues(Mapping[str, float]):
    """Floats aligned with the keys of a :class:`RaggedMapping` (``joined_weight`` beside
    ``joined``): no dict of its own is built."""

    def __init__(self, keys: RaggedMapping[Any], values: np.ndarray) -> None:
        self._keys = keys
        self._values: list[float] = values.tolist()

    def __getitem__(self, key: str) -> float:
        return self._values[self._keys.position(key)]

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)


class WeightsOf(Codec):
    """Floats per key of a :class:`RaggedDict` field, stored in its key order."""

    def __init__(self, keys_of: str) -> None:
        self.keys_of = keys_of

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        assert parts is not None
        keys = list(parts[self.keys_of])
        if len(keys) != len(value) or any(k not in value for k in keys):
            raise ValueError(f"the keys are not those of {self.keys_of}")
        return {"values": np.asarray([value[k] for k in keys], dtype=np.float64)}, None

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        return AlignedValues(parts[self.keys_of], arrays["values"])


class JsonList(Codec):
    """A list of objects, each one JSON text decoded on first access."""

    def __init__(self, to_json: Callable[[Any], Any], from_json: Callable[[Any], Any]) -> None:
        self.to_json = to_json
        self.from_json = from_json

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        return _json_blob([self.to_json(v) for v in value]), None

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        from_json = self.from_json
        return LazyList(arrays["blob"], arrays["offsets"], lambda _, value: from_json(value))


class Deletions(Codec):
    """A :class:`~chainwatch.screening.v3_tokens.DeletionIndex` (or any object of arrays):
    every attribute stored as it is (NumPy arrays as sections, NumPy and Python scalars in the
    header, empty caches as empty) and the object made again without running ``__init__``, so
    that a change of the deletion index's arrays needs no change here. Its ``vocabulary`` is
    stored as strings, or (`vocabulary_of`) is that field's, stored once."""

    def __init__(self, vocabulary_of: str = "") -> None:
        self.vocabulary_of = vocabulary_of

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        arrays: Arrays = {}
        meta: dict[str, Any] = {}
        for name, attribute in vars(value).items():
            if name == "vocabulary":
                if self.vocabulary_of:
                    assert parts is not None
                    if tuple(attribute) != tuple(parts[self.vocabulary_of]):
                        raise ValueError(f"the vocabulary is not {self.vocabulary_of}")
                    meta[name] = {"of": self.vocabulary_of}
                else:
                    arrays[name] = _blob(attribute)
                    meta[name] = {"count": len(attribute)}
            elif isinstance(attribute, np.ndarray):
                arrays[name] = attribute
            elif isinstance(attribute, np.generic):
                meta[name] = {"dtype": attribute.dtype.str, "value": attribute.item()}
            elif isinstance(attribute, bool | int | float | str):
                meta[name] = {"value": attribute}
            elif isinstance(attribute, dict | list | set) and not attribute:
                meta[name] = {"empty": type(attribute).__name__}
            else:
                raise TypeError(f"cannot store {type(value).__name__}.{name}")
        return arrays, {"class": type(value).__name__, "attributes": meta}

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        index = DeletionIndex.__new__(DeletionIndex)
        empty = {"dict": dict, "list": list, "set": set}
        for name, spec in meta["attributes"].items():
            if name == "vocabulary":
                if "of" in spec:
                    value: Any = parts[spec["of"]]
                else:
                    value = _strings(arrays[name], int(spec["count"]))
            elif "dtype" in spec:
                value = np.dtype(spec["dtype"]).type(spec["value"])
            elif "empty" in spec:
                value = empty[spec["empty"]]()
            else:
                value = spec["value"]
            setattr(index, name, value)
        for name, array in arrays.items():
            if name != "vocabulary":
                setattr(index, name, array)
        return index


def _row_json(row: V3Row) -> list[Any]:
    f = row.form
    tokens = None if row.tokens == f.tokens else list(row.tokens)
    return [row.name, list(f.tokens), list(f.legal_forms), list(f.qualifiers), list(f.series),
            f.variant, tokens]  # fmt: skip


class Rows(Codec):
    """The listed forms (:class:`~chainwatch.screening.v3_index.V3Row`): entry and primary
    flag as arrays, the rest as JSON per row; the weights come from ``token_weight``."""

    def encode(self, value: Any, parts: Mapping[str, Any] | None = None) -> tuple[Arrays, Any]:
        arrays = _json_blob([_row_json(r) for r in value])
        arrays["entry"] = np.asarray([r.entry for r in value], dtype=np.int32)
        arrays["primary"] = np.asarray([r.is_primary for r in value], dtype=bool)
        return arrays, None

    def decode(self, arrays: Arrays, meta: Any, parts: Mapping[str, Any]) -> Any:
        entry: list[int] = arrays["entry"].tolist()
        primary: list[bool] = arrays["primary"].tolist()
        weight = parts["token_weight"]

        def row(position: int, value: list[Any]) -> V3Row:
            name, written, forms, qualifiers, series, variant, tokens = value
            form = FormV3(tuple(written), tuple(forms), tuple(qualifiers), tuple(series), variant)
            folded = form.tokens if tokens is None else tuple(tokens)
            weights = tuple(weight[t] for t in folded)
            return V3Row(entry[position], name, primary[position], form, folded, weights)

        return LazyList(arrays["blob"], arrays["offsets"], row)


_ENTRY_KEYS = tuple(entry_to_dict(ListEntry("", "", "")))  # the keys of the entry JSON


def _entry_json(entry: ListEntry) -> list[Any]:
    """An entry as the values of :func:`~chainwatch.model.lists.entry_to_dict` (keys once)."""
    data = entry_to_dict(entry)
    if tuple(data) != _ENTRY_KEYS:
        raise ValueError("entry_to_dict gave other keys")
    return list(data.values())


def _entry(values: list[Any]) -> ListEntry:
    return entry_from_dict(dict(zip(_ENTRY_KEYS, values, strict=True)))


def _entry_countries_json(value: frozenset[str]) -> list[str]:
    return sorted(value)


FIELDS: dict[str, Codec] = {
    "entries": JsonList(_entry_json, _entry),
    "snapshot": Scalar(),
    "legal_vocabulary": Strings(as_set=True),
    "legal_deletions": Deletions(),
    "generic": Strings(as_set=True),
    "entry_countries": JsonList(_entry_countries_json, frozenset),
    "entry_forms": JsonList(list, tuple),
    "entry_count": Scalar(),
    "unknown_weight": Scalar(),
    "vocabulary": Strings(),
    "token_weight": NumberDict(np.float64, keys_of="vocabulary"),
    "token_id": Positions(of="vocabulary"),
    "vocab_weight": Array(),
    "rows": Rows(),
    "postings": Ragged(),
    "joined": RaggedDict(),
    "joined_weight": WeightsOf(keys_of="joined"),
    "row_total": Array(),
    "row_person": Array(),
    "deletions": Deletions(vocabulary_of="vocabulary"),
    "romanised": RaggedDict(as_tuples=True),
    "skeleton_all": RaggedDict(as_tuples=True),
    "skeleton_script": RaggedDict(as_tuples=True),
    "sources": Strings(),
}
# decoded in this order (a field may reuse the strings of one above it)
assert set(FIELDS) == set(PARTS), "v3_artifact.FIELDS and v3_index.PARTS must name the same fields"


# -- writing and opening --------------------------------------------------------------------


def _aligned(offset: int) -> int:
    return -(-offset // _ALIGN) * _ALIGN


def write_index(index: V3Index, path: Path, key: ArtifactKey) -> Path:
    """Write `index` to `path` (atomically: a temporary file beside it, then renamed)."""
    sections: list[tuple[str, np.ndarray]] = []
    fields: dict[str, Any] = {}
    index_parts = index.parts()
    for name, codec in FIELDS.items():
        arrays, meta = codec.encode(getattr(index, name), index_parts)
        fields[name] = meta
        for part, array in arrays.items():
            sections.append((f"{name}.{part}", np.ascontiguousarray(array)))
    layout: dict[str, dict[str, Any]] = {}
    offset = 0
    for name, array in sections:
        offset = _aligned(offset)
        layout[name] = {
            "dtype": array.dtype.str,
            "shape": list(array.shape),
            "offset": offset,
            "nbytes": int(array.nbytes),
        }
        offset += array.nbytes
    header = key.as_header() | {"fields": fields, "arrays": layout, "data_bytes": offset}
    header_bytes = json.dumps(header, sort_keys=True, ensure_ascii=False).encode("utf-8")
    data_start = _aligned(_PREAMBLE + len(header_bytes))
    path.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:

            def put(data: bytes | memoryview) -> None:
                fh.write(data)
                digest.update(data)

            fh.write(MAGIC + bytes(32))
            put(struct.pack("<Q", len(header_bytes)))
            put(header_bytes)
            put(bytes(data_start - _PREAMBLE - len(header_bytes)))
            written = 0
            for name, array in sections:
                gap = layout[name]["offset"] - written
                put(bytes(gap))
                put(array.data.cast("B") if array.nbytes else b"")
                written += gap + array.nbytes
            fh.seek(_DIGEST_AT)
            fh.write(digest.digest())
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return path


def _read_preamble(fh: Any, path: Path) -> tuple[bytes, dict[str, Any], int, int]:
    size = os.fstat(fh.fileno()).st_size
    head = fh.read(_PREAMBLE)
    if len(head) < _PREAMBLE or head[:8] != MAGIC:
        raise CorruptArtifact(f"index artifact {path}: not an index artifact (bad magic)")
    (length,) = struct.unpack("<Q", head[_HASHED_FROM:_PREAMBLE])
    if _PREAMBLE + length > size:
        raise CorruptArtifact(f"index artifact {path}: truncated (header beyond the end)")
    try:
        header = json.loads(fh.read(length))
        if not isinstance(header, dict):
            raise ValueError("not an object")
    except ValueError as exc:
        raise CorruptArtifact(f"index artifact {path}: unreadable header ({exc})") from None
    return head[_DIGEST_AT:_HASHED_FROM], header, _aligned(_PREAMBLE + length), size


def read_header(path: Path) -> dict[str, Any]:
    """The JSON header of the artifact at `path` (``chainwatch index`` commands, tests)."""
    with path.open("rb") as fh:
        return _read_preamble(fh, path)[1]


def _check_key(header: Mapping[str, Any], expect: ArtifactKey | None, path: Path) -> None:
    if header.get("format") != FORMAT_VERSION:
        raise StaleArtifact(
            f"index artifact {path}: format {header.get('format')!r}, this code reads "
            f"{FORMAT_VERSION}"
        )
    if expect is None:
        return
    for name, wanted in expect.as_header().items():
        if header.get(name) != wanted:
            raise StaleArtifact(
                f"index artifact {path}: built for {name} {header.get(name)!r}, not {wanted!r}"
            )


def verify_file(path: Path) -> None:
    """Raise :class:`CorruptArtifact` unless the file's SHA-256 is the one it records."""
    with path.open("rb") as fh:
        recorded, _, _, _ = _read_preamble(fh, path)
        fh.seek(_HASHED_FROM)
        actual = hashlib.file_digest(fh, "sha256").digest()
    if actual != recorded:
        raise CorruptArtifact(f"index artifact {path}: content hash mismatch (corrupt)")


def open_index(
    path: str | os.PathLike[str], expect: ArtifactKey | None = None, *, verify: bool = True
) -> V3Index:
    """The index of the artifact at `path`, its arrays memory-mapped.

    `expect`: the key it must have (else :class:`StaleArtifact`). `verify`: check the SHA-256
    of the whole file first (else :class:`CorruptArtifact`); without it only the magic, the
    header and the sizes are checked.
    """
    path = Path(path)
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ArtifactError(f"index artifact {path}: cannot read it ({exc})") from None
    with fh:
        recorded, header, data_start, size = _read_preamble(fh, path)
        _check_key(header, expect, path)
        if verify:
            fh.seek(_HASHED_FROM)
            if hashlib.file_digest(fh, "sha256").digest() != recorded:
                raise CorruptArtifact(f"index artifact {path}: content hash mismatch (corrupt)")
        try:
            data_bytes = int(header["data_bytes"])
            layout: dict[str, dict[str, Any]] = header["arrays"]
            fields: dict[str, Any] = header["fields"]
        except (KeyError, TypeError, ValueError) as exc:
            raise CorruptArtifact(f"index artifact {path}: incomplete header ({exc})") from None
        if data_start + data_bytes != size:
            raise CorruptArtifact(
                f"index artifact {path}: {size} bytes, the header says "
                f"{data_start + data_bytes} (truncated?)"
            )
        mapped = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    arrays: dict[str, Arrays] = {}
    try:
        for name, spec in layout.items():
            field, part = name.split(".", 1)
            dtype = np.dtype(spec["dtype"])
            count = int(spec["nbytes"]) // dtype.itemsize
            array = np.frombuffer(
                mapped, dtype=dtype, count=count, offset=data_start + int(spec["offset"])
            )
            arrays.setdefault(field, {})[part] = array.reshape(spec["shape"])
        parts: dict[str, Any] = {}
        for name, codec in FIELDS.items():
            parts[name] = codec.decode(arrays.get(name, {}), fields[name], parts)
    except (KeyError, TypeError, ValueError) as exc:
        raise CorruptArtifact(f"index artifact {path}: does not decode ({exc})") from None
    return V3Index.from_parts(parts, artifact=str(path))
