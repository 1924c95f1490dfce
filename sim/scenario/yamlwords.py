"""YAML problems said in words an author understands.

PyYAML reports what its parser expected ("expected <block end>, but found
'<block mapping start>'"); YAML 1.1 reads some numbers in ways nobody means
(``1:30:00`` is 5400, ``024`` is 20). These helpers turn both into one
sentence that says what to write instead, for :mod:`sim.scenario.source`.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from sim.errors import Problem
from sim.text import visible

# YAML's line breaks, for finding the source line of a position.
BREAK = re.compile("\r\n|[\n\r\x85\u2028\u2029]")


def short_tag(tag: str) -> str:
    return "!!" + tag.removeprefix("tag:yaml.org,2002:") if tag.startswith("tag:yaml.") else tag


_TAG_WORDS = {
    "tag:yaml.org,2002:int": "a whole number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "true or false",
}
_OCTAL = re.compile(r"[-+]?0[0-7_]+")


def _quote(text: str, limit: int = 40) -> str:
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def scalar_message(node: yaml.Node, exc: Exception) -> str:
    """Why a scalar could not be read as the type its tag asks for."""
    text = str(node.value)
    if "int_max_str_digits" in str(exc) or "Exceeds the limit" in str(exc):
        digits = sum(ch.isdigit() for ch in text)
        return f"number with {digits} digits is too long to read (no field takes more than 19)"
    what = _TAG_WORDS.get(node.tag)
    if what is not None:
        return f"{_quote(text)} is not a valid {short_tag(node.tag)} value ({what})"
    return f"{_quote(text)} cannot be read as {short_tag(node.tag)}"


def yaml11_surprise(node: yaml.Node, value: Any) -> str:
    """A message when YAML 1.1 read a plain number as something its author likely did not mean.

    ``1:30:00`` is the base-60 integer 5400 and ``010`` the octal number 8;
    ttx refuses both rather than simulate with a number nobody wrote.
    """
    if not isinstance(node, yaml.ScalarNode) or node.style is not None:
        return ""
    if type(value) not in (int, float):
        return ""
    text = str(node.value)
    if ":" in text:
        return (
            f"{_quote(text)} is read by YAML 1.1 as a base-60 (sexagesimal) number, "
            f"{value:g}; write the number you mean, or quote the value if it is text"
        )
    if isinstance(value, int) and _OCTAL.fullmatch(text):
        return (
            f"{_quote(text)} is read by YAML 1.1 as an octal number, {value}; "
            "write it without the leading zero, or quote it if it is text"
        )
    return ""


_TOKEN_WORDS = {
    "<block end>": "the end of the block",
    "<block mapping start>": "a more indented key",
    "<block sequence start>": "a list",
    "<scalar>": "a value",
}


def _plain_words(exc: yaml.MarkedYAMLError) -> str:
    """PyYAML's parser message said as an author would understand it."""
    problem = exc.problem or ""
    context = exc.context or ""
    if "expected <block end>" in problem:
        if "<block mapping start>" in problem:
            return (
                "this line is indented differently from the keys above it; keys of one "
                "mapping start in the same column"
            )
        if "'?'" in problem or "'-'" in problem or "sequence" in problem:
            return (
                "list items ('- ') and keys ('name:') are mixed at one level; a list's "
                "items all start with '- ' in the same column"
            )
        return (
            "this text does not fit the structure above it: a value that starts with "
            "[, {, a quote, & or * is read as YAML syntax, so put the whole value in "
            "quotes; otherwise check the indentation"
        )
    if "mapping values are not allowed" in problem:
        return (
            "a ': ' is not allowed here: put a value that contains ': ' in quotes, "
            "or check the indentation of this line"
        )
    if "found character '\\t'" in problem:
        return "a tab cannot indent YAML; indent with spaces"
    if "that cannot start any token" in problem:
        char = problem.split("'")[1] if problem.count("'") >= 2 else "this character"
        return f"a value cannot start with '{char}'; put the whole value in quotes"
    if "quoted scalar" in context and "end of stream" in problem:
        return "a quoted text is not closed; add the closing quote"
    if "unknown escape character" in problem:
        return (
            f"{problem.removeprefix('found ')} in double-quoted text; write \\\\ for a "
            "backslash, or use single quotes"
        )
    if "undefined alias" in problem:
        name = problem.split("'")[1] if problem.count("'") >= 2 else "?"
        return f"'*{name}' refers to no anchor; define '&{name}' before it"
    if "flow sequence" in context or "flow mapping" in context:
        which = "[...]" if "sequence" in context else "{...}"
        return (
            f"a {which} in brackets is not closed, or its items are not separated by "
            "commas; text that starts with '[' or '{' must be put in quotes"
        )
    if "single document" in context or "single document" in problem:
        return "the file holds more than one YAML document (a '---' line); keep one"
    what = " ".join(x for x in (context, problem) if x)
    for token, words in _TOKEN_WORDS.items():
        what = what.replace(f"'{token}'", words).replace(token, words)
    return what


def syntax_problem(exc: yaml.MarkedYAMLError, text: str, file: str) -> Problem:
    """A YAML syntax error in plain words, with the source line and a caret under the spot."""
    mark = exc.problem_mark or exc.context_mark
    if "quoted scalar" in (exc.context or "") and exc.context_mark is not None:
        mark = exc.context_mark  # where the unclosed quote opened, not the end of the file
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    message = f"YAML syntax error: {_plain_words(exc)}"
    lines = BREAK.split(text)
    if 0 < line <= len(lines):
        source = lines[line - 1]
        start = max(0, col - 60)
        shown = visible(source[start : start + 100].replace("\t", " "))
        message += f"\n    {shown}\n    {' ' * (col - 1 - start)}^"
    return Problem(file, line, col, "", message)
