"""One line of a JSONL file: its value, or why it is refused, in words a reader of the audit's rows can use.

:func:`parse_json_line` refuses, before parsing, a line nested deeper than :data:`MAX_JSON_DEPTH` or of more
values than :data:`MAX_JSON_VALUES` (the same line gives the same row on any stack); reads bytes that are not
UTF-8 as Windows-1252, as every other input is read; and says when a line ends inside its value (a file cut
off). :func:`json_type` names a value as JSON does (null, a number...).
"""

from __future__ import annotations

import json
import re

from spin_detect.input.decode import decode_bytes
from spin_detect.input.errors import InputError

__all__ = ["MAX_JSON_DEPTH", "MAX_JSON_VALUES", "json_type", "parse_json_line"]

#: A JSONL line nested deeper than this is an error, found before parsing: Python's JSON parser recurses, and
#: how deep it may go depends on the stack in use; a fixed limit makes the same line give the same row anywhere.
MAX_JSON_DEPTH = 100
#: A JSONL line of more values (arrays, objects, numbers, strings...) than this is an error, found before
#: parsing: 200 MB of ``[],`` would be gigabytes of Python objects.
MAX_JSON_VALUES = 1_000_000
_JSON_STRING_RE = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"', re.S)
_NOT_BRACKETS = bytes(sorted(set(range(256)) - set(b"[]{}")))
_DEPTH_STEPS = bytes.maketrans(b"[{]}", b"\x01\x01\xff\xff")


def json_type(value: object) -> str:
    """What a JSON value is, in JSON's words: null, a number, a list..."""
    if value is None:
        return "null"
    return {bool: "a boolean", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(
        type(value), type(value).__name__)


def parse_json_line(line: bytes) -> tuple[object, str | None]:
    """The value of one JSONL line, or None and why not (one line, without the location)."""
    problem = _json_shape(line)
    if problem is not None:
        return None, problem
    try:
        try:
            return json.loads(line), None
        except UnicodeDecodeError:  # bytes that are not UTF-8: Windows-1252 there, as in every other input
            return json.loads(decode_bytes(line)[0]), None
    except json.JSONDecodeError as exc:
        if exc.pos >= len(exc.doc.rstrip()) or exc.msg.startswith("Unterminated string"):  # the value goes on
            return None, "not valid JSON: the line ends before its JSON value does (cut off?)"
        return None, f"not valid JSON ({exc})"
    except (UnicodeDecodeError, InputError) as exc:  # not text at all (NUL bytes)
        return None, f"not valid JSON ({exc})"
    except ValueError as exc:  # an integer of more digits than Python converts (sys.get_int_max_str_digits)
        return None, f"a JSON number Python cannot read ({str(exc).split(':')[0]})"
    except RecursionError:  # not expected after _json_shape; the stack is the limit
        return None, "JSON nested too deeply to read"


def _json_shape(line: bytes) -> str | None:
    """Why the JSON of ``line`` is refused before parsing (nesting or number of values), or None.

    Cheap for ordinary lines: counts of brackets and commas bound both; only a line with many of them has its
    strings blanked (a regex) and its nesting measured exactly (numpy, in slices).
    """
    opens = line.count(b"[") + line.count(b"{")
    if opens < MAX_JSON_DEPTH and opens + line.count(b",") < MAX_JSON_VALUES:
        return None
    bare = _JSON_STRING_RE.sub(b'""', line)  # brackets and commas inside strings do not count
    values = bare.count(b"[") + bare.count(b"{") + bare.count(b",")
    if values >= MAX_JSON_VALUES:
        return f"JSON of more than {MAX_JSON_VALUES:,} values (arrays, objects, numbers, strings)"
    depth = _max_depth(bare.translate(_DEPTH_STEPS, _NOT_BRACKETS))
    if depth > MAX_JSON_DEPTH:
        return f"JSON nested {depth:,} levels deep (the limit is {MAX_JSON_DEPTH})"
    return None


def _max_depth(steps: bytes, block: int = 1 << 22) -> int:
    """The highest running sum of ``steps`` (bytes read as int8: +1 for an opening bracket, -1 for a closing one)."""
    import numpy as np

    best = level = 0
    for i in range(0, len(steps), block):
        run = np.cumsum(np.frombuffer(steps, np.int8, min(block, len(steps) - i), i), dtype=np.int64) + level
        best, level = max(best, int(run.max())), int(run[-1])
    return best
