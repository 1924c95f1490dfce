"""Which characters user text may hold, and how to show text that holds others.

Scenario, policy and report files are passed around by email and opened in
terminals and browsers. A control character (an escape sequence clears the
screen or sets the window title; a carriage return overwrites a line) or a
bidirectional override (``1234`` shown as ``4321``) in a title would act on
whoever reads the output. Input readers refuse such text with
:func:`find_unsafe`; anything printed that did not come through a reader (a
file name from the command line or a folder listing) goes through
:func:`visible` first.

This module sits at the bottom of the layers, next to :mod:`sim.errors`: it
knows nothing of ttx.
"""

from __future__ import annotations

import re
import unicodedata

# C0 controls other than tab and newline, DEL, and the C1 controls.
_CONTROL = "\x00-\x08\x0b-\x1f\x7f-\x9f"
# Embeddings, overrides, isolates and the left-to-right / right-to-left marks.
_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[{_CONTROL}{_BIDI}]")
_BIDI_CHARS = re.compile(f"[{_BIDI}]")

_NAMES = {
    0x00: "NUL",
    0x07: "bell",
    0x08: "backspace",
    0x0B: "vertical tab",
    0x0C: "form feed",
    0x0D: "carriage return",
    0x1B: "escape",
    0x7F: "delete",
    0x85: "next line",
    0x9B: "control sequence introducer",
    0x9D: "operating system command",
}


def codepoint(ch: str) -> str:
    """``U+001B (escape)``: a character named so that it shows on any screen."""
    n = ord(ch)
    name = _NAMES.get(n) or unicodedata.name(ch, "").lower() or "control character"
    return f"U+{n:04X} ({name})"


def is_bidi(ch: str) -> bool:
    """Whether ``ch`` changes the display order of the text around it."""
    return bool(_BIDI_CHARS.fullmatch(ch))


def find_unsafe(text: str) -> int:
    """Index of the first character that must not appear in user text, or -1."""
    m = _UNSAFE.search(text)
    return -1 if m is None else m.start()


def unsafe_message(text: str, index: int) -> str:
    """Why the character at ``index`` is refused, in words, naming it visibly."""
    ch = text[index]
    where = f"character {index + 1} of the text"
    if is_bidi(ch):
        return (
            f"{where} is the bidirectional control {codepoint(ch)}, which makes text "
            "display in another order than it is written; remove it"
        )
    return (
        f"{where} is the control character {codepoint(ch)}; control characters "
        "(other than tab and newline) are not allowed in text, as they act on the "
        "terminal or page that shows it"
    )


def visible(text: str) -> str:
    """``text`` with every control or bidirectional character shown as ``<U+001B>``.

    For text printed to a terminal that no reader has checked: file names,
    command-line arguments, messages quoting them.
    """
    return _UNSAFE.sub(lambda m: f"<U+{ord(m[0]):04X}>", text)


def json_visible(text: str) -> str:
    """JSON ``text`` with every control or bidirectional character written as ``\\u001b``.

    The same data for a JSON reader, nothing that acts on a terminal: for JSON
    printed to a terminal that quotes unchecked text (file names). Outside its
    strings JSON holds no such character, so every match is inside a string.
    """
    return _UNSAFE.sub(lambda m: f"\\u{ord(m[0]):04x}", text)


_CSV_LEAD = re.compile(r"[=+\-@\t\r]")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")


def csv_cell(value: object) -> object:
    """A cell a spreadsheet will show as text, never evaluate as a formula.

    Text starting with ``=``, ``+``, ``-`` or ``@`` is a formula to Excel,
    LibreOffice and Google Sheets (``=HYPERLINK(...)``); a leading ``'``
    makes it text. Numbers, and text that is a plain number such as ``-0.5``,
    are left as they are.
    """
    if isinstance(value, str) and _CSV_LEAD.match(value) and not _NUMBER.fullmatch(value):
        return "'" + value
    return value
