from __future__ import annotations

from simulator.store.tracking import TrackedDict, take_changes


def test_a_tracked_dict_notes_every_key_any_mutating_method_touched() -> None:
    d: TrackedDict[str, int] = TrackedDict({"a": 1, "b": 2, "c": 3, "z": 0})
    d["a"] = 10
    del d["b"]
    d.pop("c")
    d.pop("missing", None)
    d.setdefault("e", 5)
    d.update({"f": 6}, g=7)
    d |= {"h": 8}
    changed, gone = take_changes(d)
    assert changed == {"a": 10, "e": 5, "f": 6, "g": 7, "h": 8}
    assert gone == {"b", "c", "missing"}
    assert take_changes(d) == ({}, frozenset())
    key, _ = d.popitem()
    d.clear()
    changed, gone = take_changes(d)
    assert changed == {} and gone == {"a", "e", "f", "g", "h", "z"} and key == "h"


def test_a_tracked_dict_reads_and_copies_like_a_dict() -> None:
    d: TrackedDict[str, int] = TrackedDict([("x", 1)])
    assert d == {"x": 1} and d.get("x") == 1 and d.copy() == {"x": 1} and type(d.copy()) is dict
    assert d.take_dirty() == set()
