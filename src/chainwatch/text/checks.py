"""Text a store can keep and a reviewer can read: no NUL, no control characters, no lone
surrogates.

PostgreSQL refuses NUL in text (``A string literal cannot contain NUL``), so a NUL in one name
used to fail a whole batch with a database error; control characters and unpaired surrogates
(which JSON can carry as ``\\ud800``) cannot be encoded as UTF-8 and hide text from a reviewer.
Such text is refused at the edge with a message naming the field (HTTP 422, or an InputError
naming file, row and field).
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except tab, line feed, carriage return; DEL; lone surrogates
_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")


def text_problem(value: str) -> str | None:
    """What is wrong with `value` as stored text, or None.

    >>> text_problem("ACME\\x00 Ltd")
    'contains a NUL byte (U+0000) at position 4'
    >>> text_problem("ACME Ltd") is None
    True
    """
    found = _BAD.search(value)
    if found is None:
        return None
    char = found.group()
    if char == "\x00":
        what = "a NUL byte (U+0000)"
    elif "\ud800" <= char <= "\udfff":
        what = f"an unpaired surrogate (U+{ord(char):04X})"
    else:
        what = f"a control character (U+{ord(char):04X})"
    return f"contains {what} at position {found.start()}"


def find_bad_text(value: Any, where: str = "") -> str | None:
    """The first bad string inside `value` (str, list, dict, nested) as 'where: problem'."""
    if isinstance(value, str):
        problem = text_problem(value)
        return f"{where or 'value'}: {problem}" if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            found = find_bad_text(str(key), f"{where}.{key}" if where else str(key))
            found = found or find_bad_text(item, f"{where}.{key}" if where else str(key))
            if found:
                return found
    if isinstance(value, list | tuple):
        for index, item in enumerate(value):
            found = find_bad_text(item, f"{where}[{index}]")
            if found:
                return found
    return None
