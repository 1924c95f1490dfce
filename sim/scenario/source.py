"""Read YAML safely, keeping the line and column of every node.

PyYAML's safe loader never constructs objects, but on its own it forgets
where values came from, keeps the last of two duplicate keys silently and
expands aliases without bound. This module composes the node graph with the
safe loader, then builds plain Python data itself so it can record positions,
refuse duplicates and bound the work an alias can cause.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from sim.errors import InputError, Problem
from sim.scenario.capped import MAX_BYTES, read_capped, remember
from sim.scenario.yamlwords import (
    BREAK,
    scalar_message,
    short_tag,
    syntax_problem,
    yaml11_surprise,
)
from sim.text import find_unsafe, unsafe_message

MAX_DEPTH = 64
MAX_NODES = 200_000
MAX_ALIASES = 1_000
# Up to this many characters the document is checked with pure-Python PyYAML.
PY_PARSE_CHARS = 16 * 1024  # twice the largest shipped scenario

Loc = tuple[str | int, ...]


@dataclass
class Source:
    """Parsed YAML data with the position of every value and mapping key."""

    file: str
    data: Any
    values: dict[Loc, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Loc, tuple[int, int]] = field(default_factory=dict)

    def position(self, loc: Loc, *, key: bool = False) -> tuple[int, int]:
        """Best position for ``loc``: the node itself or its nearest ancestor."""
        loc = tuple(loc)
        while True:
            table = self.keys if key else self.values
            if loc in table:
                return table[loc]
            if not key and loc in self.keys:
                return self.keys[loc]
            if not loc:
                return (1, 1)
            loc = loc[:-1]
            key = False

    def problem(
        self,
        loc: Loc,
        message: str,
        *,
        key: bool = False,
        level: str = "error",
        path: str | None = None,
        offset: int = 0,
    ) -> Problem:
        line, col = self.position(loc, key=key)
        return Problem(
            self.file, line, col + offset, format_loc(loc) if path is None else path, message, level
        )


def format_loc(loc: Loc) -> str:
    """``('partners', 0, 'trust')`` -> ``partners[0].trust``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


_COLLECTION_TAGS: dict[type, str] = {
    yaml.MappingNode: "tag:yaml.org,2002:map",
    yaml.SequenceNode: "tag:yaml.org,2002:seq",
}


_MERGE = "tag:yaml.org,2002:merge"


def _mark(node: yaml.Node) -> tuple[int, int]:
    return (node.start_mark.line + 1, node.start_mark.column + 1)


class _Builder:
    def __init__(self, file: str) -> None:
        self.file = file
        self.source = Source(file, None)
        self.nodes = 0
        self.problems: list[Problem] = []
        self.constructor = yaml.SafeLoader("")
        self.seen_alias: set[int] = set()
        self.merge_counts: dict[int, int] = {}

    def fail(self, node: yaml.Node, loc: Loc, message: str) -> Problem:
        line, col = _mark(node)
        return Problem(self.file, line, col, format_loc(loc), message)

    def build(self, node: yaml.Node, loc: Loc, depth: int) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise InputError(
                [
                    self.fail(
                        node,
                        loc,
                        f"document too large: more than {MAX_NODES} "
                        "values (after expanding aliases)",
                    )
                ]
            )
        if depth > MAX_DEPTH:
            raise InputError(
                [self.fail(node, loc, f"document nested too deeply (limit {MAX_DEPTH} levels)")]
            )
        self.source.values[loc] = _mark(node)
        expected = _COLLECTION_TAGS.get(type(node))
        if expected is not None and node.tag != expected:
            raise InputError(
                [
                    self.fail(
                        node,
                        loc,
                        f"tag '{node.tag}' is not allowed; only plain "
                        "YAML values (text, numbers, true/false, lists, mappings) are",
                    )
                ]
            )
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node, loc, depth)
        if isinstance(node, yaml.SequenceNode):
            return [self.build(item, (*loc, i), depth + 1) for i, item in enumerate(node.value)]
        return self.scalar(node, loc)

    def scalar(self, node: yaml.Node, loc: Loc) -> Any:
        try:
            value = self.constructor.construct_object(node, deep=True)
        except yaml.constructor.ConstructorError as exc:
            problem = (exc.problem or "cannot construct this value").strip()
            raise InputError(
                [
                    self.fail(
                        node,
                        loc,
                        f"{problem}; only plain YAML values "
                        "(text, numbers, true/false, lists, mappings) are allowed",
                    )
                ]
            ) from None
        except (ValueError, KeyError, TypeError, OverflowError) as exc:
            # '!!int abc', '!!bool maybe', or an integer of thousands of digits
            # (Python refuses to convert more than 4300).
            raise InputError([self.fail(node, loc, scalar_message(node, exc))]) from None
        if not isinstance(value, str | int | float | bool | type(None)):
            # Dates, binary and sets are valid YAML but mean nothing to ttx:
            # keep the text the author wrote so the schema reports a type error.
            value = node.value
        surprise = yaml11_surprise(node, value)
        if surprise:
            raise InputError([self.fail(node, loc, surprise)])
        if isinstance(value, str):
            self.check_text(node, loc, value)
        return value

    def check_text(self, node: yaml.Node, loc: Loc, text: str) -> None:
        """Refuse control and bidirectional characters, after YAML's escapes are applied.

        A double-quoted ``"\\e[2J"`` is an escape byte only once unescaped, so
        the reader's own check of the raw file cannot see it.
        """
        index = find_unsafe(text)
        if index >= 0:
            self.problems.append(self.fail(node, loc, unsafe_message(text, index)))

    def merged(self, node: yaml.MappingNode, loc: Loc) -> int:
        """Resolve ``<<`` merge keys in place; the number of entries they brought.

        YAML's rule: the mapping's own keys override merged ones, and in
        ``<<: [*a, *b]`` keys of ``a`` override those of ``b``. PyYAML's own
        flattening decides "same key" by the identity of the key's string
        object, which depends on interning, so ttx merges by the key's text.
        The merged entries come first, each key once; the own entries follow.
        """
        if id(node) in self.merge_counts:
            count = self.merge_counts[id(node)]
            if count < 0:
                raise InputError([self.fail(node, loc, "'<<' merge key: a mapping merges itself")])
            return count
        self.merge_counts[id(node)] = -1  # in progress: merging it again is a cycle
        sources: list[yaml.MappingNode] = []
        own: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if not (isinstance(key_node, yaml.ScalarNode) and key_node.tag == _MERGE):
                own.append((key_node, value_node))
                continue
            items = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            if not isinstance(value_node, yaml.MappingNode | yaml.SequenceNode) or not all(
                isinstance(item, yaml.MappingNode) for item in items
            ):
                raise InputError(
                    [
                        self.fail(
                            value_node,
                            loc,
                            "'<<' merge key: expected a mapping or a list of mappings "
                            "(such as *base or [*a, *b])",
                        )
                    ]
                )
            sources += items
        pairs: dict[str, tuple[yaml.Node, yaml.Node]] = {}
        for source in sources:
            self.merged(source, loc)
            for key_node, value_node in source.value:
                pairs.setdefault(str(key_node.value), (key_node, value_node))
        node.value = [*pairs.values(), *own]
        self.merge_counts[id(node)] = len(pairs)
        return len(pairs)

    def mapping(self, node: yaml.MappingNode, loc: Loc, depth: int) -> dict[Any, Any]:
        merged = self.merged(node, loc)
        entries: dict[Any, tuple[yaml.Node, yaml.Node]] = {}
        first: dict[Any, yaml.Node] = {}
        for i, (key_node, value_node) in enumerate(node.value):
            if not isinstance(key_node, yaml.ScalarNode):
                self.problems.append(self.fail(key_node, loc, "mapping keys must be plain text"))
                continue
            key = self.scalar(key_node, loc)
            if not isinstance(key, str):
                key = key_node.value  # '1: x' or 'yes: x' keys: keep the written text
            if i >= merged:  # the mapping's own key: a repeat is a mistake
                if key in first:
                    line, _ = _mark(first[key])
                    self.problems.append(
                        self.fail(
                            key_node,
                            (*loc, key),
                            f"duplicate key '{key}' (first defined on line {line}); "
                            "YAML would silently keep only the last one",
                        )
                    )
                    continue
                first[key] = key_node
            entries[key] = (key_node, value_node)
        out: dict[Any, Any] = {}
        for key, (key_node, value_node) in entries.items():
            self.source.keys[(*loc, key)] = _mark(key_node)
            out[key] = self.build(value_node, (*loc, key), depth + 1)
        return out


def _decode(raw: bytes, file: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        col = exc.start - (before.rfind(b"\n") + 1) + 1
        raise InputError(
            [
                Problem(
                    file,
                    line,
                    col,
                    "",
                    f"file is not valid UTF-8 text (byte 0x{raw[exc.start]:02x}); save it as UTF-8",
                )
            ]
        ) from None


_ALLOWED_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")
)

# libyaml when PyYAML was built with it (the wheels are), else pure Python.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


_EXPANDED = " (after expanding aliases)"


@dataclass
class _Frame:
    """An open collection during :func:`_scan`."""

    anchor: str | None
    mapping: bool
    size: int = 1  # values inside so far, aliases expanded, itself included
    items: int = 0  # children finished (a mapping's keys and values alternate)
    key: str = "?"

    def child(self) -> Loc:
        if not self.mapping:
            return (self.items,)
        return (self.key,) if self.items % 2 else ()


def _scan(text: str, file: str, loader_class: Any) -> None:
    """Check the event stream before anything is built from it.

    The parser emits events without recursion, so this pass can bound the
    nesting depth, the number of aliases and the number of values the
    document would have once aliases are expanded (a "billion laughs" file
    is a few hundred bytes) before the recursive composer or our builder
    ever sees the document. It also rejects every explicit tag other than
    the plain YAML types, so no tag can ask for an object to be constructed.
    """
    stack: list[_Frame] = []

    def fail(event: yaml.Event, message: str) -> InputError:
        mark = event.start_mark
        assert mark is not None  # the parser always sets marks
        loc = tuple(part for frame in stack for part in frame.child())
        # A path 64 levels deep helps nobody: show where it starts.
        path = format_loc(loc) if len(loc) <= 8 else f"{format_loc(loc[:4])}...({len(loc)} levels)"
        return InputError([Problem(file, mark.line + 1, mark.column + 1, path, message)])

    loader = loader_class(text)
    aliases = total = 0
    sizes: dict[str, int] = {}  # expanded size of each anchored node
    try:
        while True:
            event = loader.get_event()
            if event is None:
                break
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in _ALLOWED_TAGS:
                raise fail(
                    event,
                    f"tag '{short_tag(tag)}' is not allowed; only plain YAML values "
                    "(text, numbers, true/false, lists, mappings) are",
                )
            if isinstance(event, yaml.CollectionStartEvent):
                total += 1
                if len(stack) >= MAX_DEPTH:
                    raise fail(event, f"document nested too deeply (limit {MAX_DEPTH} levels)")
                stack.append(_Frame(event.anchor, isinstance(event, yaml.MappingStartEvent)))
                continue
            if isinstance(event, yaml.CollectionEndEvent):
                frame = stack.pop()
                size = frame.size
                if frame.anchor is not None:
                    sizes[frame.anchor] = size
            elif isinstance(event, yaml.ScalarEvent):
                size = 1
                total += 1
                if event.anchor is not None:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise fail(event, f"too many aliases (limit {MAX_ALIASES})")
                # An alias to an unknown or still-open anchor is reported by the composer.
                size = sizes.get(event.anchor or "", 1)
                total += size
            else:
                continue  # stream and document events
            if total > MAX_NODES:
                raise fail(event, f"document too large: more than {MAX_NODES} values{_EXPANDED}")
            if stack:
                parent = stack[-1]
                parent.size += size
                if parent.mapping and parent.items % 2 == 0:
                    parent.key = event.value if isinstance(event, yaml.ScalarEvent) else "?"
                parent.items += 1
    finally:
        loader.dispose()


def _check_characters(text: str, file: str) -> None:
    """Refuse text that is not a sequence of valid Unicode characters.

    Only a string handed to :func:`parse_text` directly can hold a lone
    surrogate (a file is decoded from strict UTF-8 first); libyaml would fail
    on it with an encoding error rather than a position.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        line, col = _line_col(text, exc.start)
        raise InputError(
            [Problem(file, line, col, "", f"invalid character U+{ord(text[exc.start]):04X}")]
        ) from None


def _line_col(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of character ``index`` (YAML's line breaks)."""
    before = text[:index]
    breaks = [m.end() for m in BREAK.finditer(before)]
    return len(breaks) + 1, index - (breaks[-1] if breaks else 0) + 1


def parse_text(text: str, file: str = "<string>") -> Source:
    """Parse YAML text into a :class:`Source`, raising :class:`InputError` on any problem."""
    _check_characters(text, file)
    try:
        # Files of ordinary size are parsed by pure-Python PyYAML, whose syntax
        # messages are clearer ("found character '%' that cannot start any
        # token") and whose rules every ttx install shares; libyaml, about fifty
        # times faster, keeps a file near the size limit quick to refuse.
        parser = yaml.SafeLoader if len(text) <= PY_PARSE_CHARS else _Loader
        _scan(text, file, parser)
        loader = parser(text)
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        raise InputError([syntax_problem(exc, text, file)]) from None
    except yaml.reader.ReaderError as exc:
        # Control characters and the like: the reader knows the character index only.
        line, col = _line_col(text, exc.position)
        raise InputError(
            [
                Problem(
                    file, line, col, "", f"character U+{exc.character:04X} is not allowed in YAML"
                )
            ]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError([Problem(file, 1, 1, "", f"YAML error: {exc}")]) from None
    if root is None:
        raise InputError([Problem(file, 1, 1, "", "file is empty; expected a mapping of fields")])
    builder = _Builder(file)
    data = builder.build(root, (), 0)
    if builder.problems:
        raise InputError(builder.problems)
    builder.source.data = data
    return builder.source


def read_source(path: str | Path) -> Source:
    """Read and parse a YAML file (size-limited, UTF-8, safe).

    Pipes and devices (``<(cat x.yaml)``, ``/dev/stdin``) are read once, with
    the same size limit; :func:`content_digest` then gives the hash of what
    was read.
    """
    file = str(path)
    if Path(path).is_dir():
        raise InputError([Problem(file, 1, 1, "", "is a directory, not a YAML file")])
    raw = read_capped(path, MAX_BYTES)
    remember(path, raw)
    return parse_text(_decode(raw, file), file)
