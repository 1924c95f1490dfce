"""The report JSON written in pieces: the same bytes as the whole text, never held whole."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.errors import TtxError
from sim.runs.outfiles import Transaction, write_outputs
from sim.runs.reportfile import dump_pieces, dumps


def whole(value: Any, indent: str = "") -> str:
    """The report text as it was made before it came in pieces (the reference)."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        inner = indent + " "
        items = (f"{inner}{json.dumps(str(k))}: {whole(value[k], inner)}" for k in sorted(value))
        return "{\n" + ",\n".join(items) + "\n" + indent + "}"
    if isinstance(value, list) and any(isinstance(v, dict | list) for v in value):
        inner = indent + " "
        return "[\n" + ",\n".join(inner + whole(v, inner) for v in value) + "\n" + indent + "]"
    return json.dumps(value, allow_nan=False, separators=(", ", ": "))


scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=5)
)
documents = st.recursive(
    scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=30,
)


@given(st.dictionaries(st.text(max_size=4), documents, max_size=5))
def test_pieces_join_to_the_whole_text(doc: dict[str, Any]) -> None:
    assert dumps(doc) == "".join(dump_pieces(doc)) == whole(doc) + "\n"


def test_arrays_are_written_as_their_lists() -> None:
    values = np.array([0.1, 2.0, -0.0, 1e-300, 3.0])
    doc = {
        "kpis": {"a": {"values": values, "mean": 1.5}},
        "o": {"values": np.array([1, 0], dtype=np.int8)},
    }
    as_lists = {"kpis": {"a": {"values": values.tolist(), "mean": 1.5}}, "o": {"values": [1, 0]}}
    assert dumps(doc) == dumps(as_lists) == whole(as_lists) + "\n"


def test_no_piece_holds_more_than_one_list() -> None:
    doc = {"kpis": {f"k{i}": {"values": [float(j) for j in range(100)]} for i in range(5)}}
    longest = max(len(p) for p in dump_pieces(doc))
    assert longest <= len(json.dumps([float(j) for j in range(100)])) + 2


def test_staged_pieces_are_written_as_they_come(tmp_path: Path) -> None:
    doc = {"b": [1, 2], "a": {"x": [{"y": 1}]}}
    with Transaction() as t:
        t.stage(tmp_path / "r.json", dump_pieces(doc))
        t.commit()
    assert (tmp_path / "r.json").read_text(encoding="utf-8") == dumps(doc)


def test_a_failing_piece_costs_only_its_own_file(tmp_path: Path) -> None:
    bad = {"x": float("nan")}  # not JSON: the encoder refuses it mid-way
    with pytest.raises(TtxError, match=r"r\.json: ValueError"):
        write_outputs(
            [(tmp_path / "r.json", lambda: dump_pieces(bad)), (tmp_path / "r.md", lambda: "# ok\n")]
        )
    assert (tmp_path / "r.md").read_text(encoding="utf-8") == "# ok\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.md"]  # no temporary left
