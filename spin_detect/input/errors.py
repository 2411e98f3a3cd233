"""How input problems are reported: :class:`InputError`, and :func:`scrub` for the names and text in messages."""

from __future__ import annotations

import re

__all__ = ["InputError", "scrub"]

_SURROGATE_RE = re.compile("[\ud800-\udfff]")


class InputError(ValueError):
    """An input cannot be read as text; the message names the input and the reason."""


def scrub(text: str) -> str:
    """Replace lone surrogates (from JSON ``\\ud800`` escapes or undecodable file names) by U+FFFD.

    Such strings cannot be written as UTF-8; everything that reaches a report or the console goes through here.
    """
    return _SURROGATE_RE.sub("\ufffd", text) if _SURROGATE_RE.search(text) else text
