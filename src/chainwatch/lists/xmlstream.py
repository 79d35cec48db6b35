"""Safe, streamed reading of large list XML files (EU FSF, OFAC advanced XML, UK list).

The file is fed to expat in chunks; each element at a given depth below the root (a *record*)
is built into a small ElementTree and handed out, so the memory held is one record, not the
document. As in :mod:`chainwatch.lists.un` (and defusedxml), any DOCTYPE, entity declaration or
external entity is refused, so no entity expansion ("billion laughs") or external fetch can
happen. Namespaces are dropped from tag names (``{uri}tag`` -> ``tag``): the publishers have
changed their namespace URIs over time without changing the elements.

Errors are :class:`~chainwatch.model.errors.InputError` with the file, the line (row) and the
element path (field).
"""

from __future__ import annotations

import codecs
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterator
from pathlib import Path
from xml.parsers import expat

from chainwatch.lists.reading import label, open_binary
from chainwatch.model.errors import InputError

_CHUNK = 1 << 16


class Refused(Exception):
    """Raised from an expat handler: a construct this parser does not accept."""


def _refuse_doctype(*_args: object) -> None:
    raise Refused("a DOCTYPE declaration is not allowed (entity expansion risk)")


def _refuse_entity(*_args: object) -> None:
    raise Refused("entity declarations are not allowed")


def _refuse_external(*_args: object) -> int:
    raise Refused("external entities are not allowed")


def safe_parser(
    start: Callable[[str, dict[str, str]], None],
    end: Callable[[str], None],
    data: Callable[[str], None],
    *,
    namespace_separator: str | None = None,
) -> expat.XMLParserType:
    """An expat parser with the given handlers that refuses any DOCTYPE, entity declaration
    or external entity (raising :class:`Refused`), as defusedxml does."""
    parser = expat.ParserCreate(namespace_separator=namespace_separator)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.buffer_text = True
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = data
    parser.StartDoctypeDeclHandler = _refuse_doctype
    parser.EntityDeclHandler = _refuse_entity
    parser.ExternalEntityRefHandler = _refuse_external
    return parser


def local(tag: str) -> str:
    """A tag name without its namespace."""
    return tag.rsplit("}", 1)[-1]


class XmlRecords:
    """Iterate ``(line, parent tag, element)`` for every element `depth` levels below the root.

    `roots` are the accepted root tags; `root_attrs` holds the root's attributes once
    iteration started. Records at depth 1 are the root's children; depth 2 their children.
    """

    def __init__(self, path: Path, *, roots: set[str], depth: int) -> None:
        self.path = path
        self.file = label(path)
        self.roots = roots
        self.depth = depth
        self.root_attrs: dict[str, str] = {}
        self.root = ""
        self._stack: list[str] = []
        self._builder: ET.TreeBuilder | None = None
        self._line = 0
        self._ready: list[tuple[int, str, ET.Element]] = []
        self.parser = safe_parser(self._start, self._end, self._data, namespace_separator="}")

    def _start(self, tag: str, attrs: dict[str, str]) -> None:
        tag = local(tag)
        attrs = {local(k): v for k, v in attrs.items()}
        if not self._stack:
            if tag not in self.roots:
                expected = " or ".join(f"<{r}>" for r in sorted(self.roots))
                raise Refused(f"root element is <{tag}>, expected {expected}")
            self.root = tag
            self.root_attrs = attrs
        elif len(self._stack) == self.depth and self._builder is None:
            self._builder = ET.TreeBuilder()
            self._line = self.parser.CurrentLineNumber
        self._stack.append(tag)
        if self._builder is not None:
            self._builder.start(tag, attrs)

    def _end(self, tag: str) -> None:
        self._stack.pop()
        if self._builder is None:
            return
        self._builder.end(local(tag))
        if len(self._stack) == self.depth:
            element = self._builder.close()
            self._builder = None
            self._ready.append((self._line, self._stack[-1], element))

    def _data(self, text: str) -> None:
        if self._builder is not None:
            self._builder.data(text)

    def where(self) -> str | None:
        return "/".join(self._stack[1:]) or (self._stack[0] if self._stack else None)

    def error(self, message: str, row: int | None, field: str | None) -> InputError:
        return InputError(message, file=self.file, row=row, field=field)

    def __iter__(self) -> Iterator[tuple[int, str, ET.Element]]:
        line = 1
        with open_binary(self.path) as fh:
            decoder: codecs.IncrementalDecoder | None = None
            started = False
            try:
                while True:
                    try:
                        chunk = fh.read(_CHUNK)
                    except (EOFError, OSError) as exc:
                        raise self.error(
                            f"compressed data is truncated or corrupt ({exc})",
                            self.parser.CurrentLineNumber,
                            self.where(),
                        ) from None
                    if not started:
                        started = True
                        if not chunk.strip():
                            raise self.error("file is empty", 1, None)
                        utf16 = chunk.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE))
                        decoder = None if utf16 else codecs.getincrementaldecoder("utf-8")()
                    if decoder is not None:
                        try:
                            decoder.decode(chunk, final=not chunk)
                        except UnicodeDecodeError as exc:
                            self.parser.Parse(chunk[: exc.start], False)
                            yield from self._drain()
                            raise self.error(
                                "invalid UTF-8 bytes (the XML declares UTF-8)",
                                line + chunk[: exc.start].count(b"\n"),
                                self.where(),
                            ) from None
                        line += chunk.count(b"\n")
                    self.parser.Parse(chunk, not chunk)
                    yield from self._drain()
                    if not chunk:
                        break
            except Refused as exc:
                raise self.error(str(exc), self.parser.CurrentLineNumber, self.where()) from None
            except expat.ExpatError as exc:
                message = expat.ErrorString(exc.code) or "malformed XML"
                if exc.code in (
                    expat.errors.codes[expat.errors.XML_ERROR_NO_ELEMENTS],
                    expat.errors.codes[expat.errors.XML_ERROR_UNCLOSED_TOKEN],
                ):
                    message = (
                        f"file ends inside <{self._stack[-1]}> (truncated?)"
                        if self._stack
                        else "no XML element found"
                    )
                else:
                    message = f"malformed XML: {message}"
                raise self.error(message, exc.lineno, self.where()) from None

    def _drain(self) -> Iterator[tuple[int, str, ET.Element]]:
        ready, self._ready = self._ready, []
        yield from ready


def text(element: ET.Element | None, path: str = "") -> str:
    """The whitespace-collapsed text at `path` below `element` ("" when absent)."""
    if element is None:
        return ""
    found = element.find(path) if path else element
    if found is None or found.text is None:
        return ""
    return " ".join(found.text.split())


def attr(element: ET.Element, name: str) -> str:
    """A whitespace-collapsed attribute value ("" when absent)."""
    return " ".join((element.get(name) or "").split())
