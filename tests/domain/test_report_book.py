from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.domain.devices import StoredReport
from simulator.domain.enums import ManagedDevicePartnerReportedHealthState as Health
from simulator.domain.enums import Platform
from simulator.domain.report_book import ReportBook
from simulator.store.tracking import TrackedDict

WHEN = datetime(2026, 11, 25, 10, tzinfo=UTC)
CONNECTORS = ("c1", "c2", "c3")
DEVICES = ("d1", "d2", "d3", "d4")


def report(cid: str, device: str, count: int = 0) -> StoredReport:
    return (cid, device, Platform.android, "14", Health.secured, WHEN, WHEN, count)


keys = st.tuples(st.sampled_from(CONNECTORS), st.sampled_from(DEVICES))
operations = st.lists(st.one_of(
    st.tuples(st.just("set"), keys, st.integers(0, 9)),
    st.tuples(st.just("pop"), keys),
    st.tuples(st.just("del"), keys),
    st.tuples(st.just("drop_connector"), st.sampled_from(CONNECTORS)),
    st.tuples(st.just("drop_device"), st.sampled_from(DEVICES)),
), max_size=40)  # fmt: skip


def apply(book: ReportBook, model: dict[tuple[str, str], StoredReport], operation: tuple[Any, ...]) -> None:
    match operation:
        case ("set", (cid, device), count):
            book[(cid, device)] = model[(cid, device)] = report(cid, device, count)
        case ("pop", key, *_):
            assert book.pop(key, None) == model.pop(key, None)
        case ("del", key, *_):
            if key in model:
                del model[key]
                del book[key]
            else:
                with pytest.raises(KeyError):
                    del book[key]
        case ("drop_connector", cid):
            gone = [k for k in model if k[0] == cid]
            assert sorted(book.drop_connector(cid)) == sorted(device for _, device in gone)
            for key in gone:
                del model[key]
        case ("drop_device", device):
            book.drop_device(device)
            for key in [k for k in model if k[1] == device]:
                del model[key]


@given(operations)
def test_a_report_book_reads_like_the_flat_dict_of_the_same_changes(ops: list[tuple[Any, ...]]) -> None:
    book, model = ReportBook(), dict[tuple[str, str], StoredReport]()
    for operation in ops:
        apply(book, model, operation)
    assert book == model and book.copy() == model and dict(book.items()) == model and model == book
    assert len(book) == len(model) and sorted(book) == sorted(model) and sorted(book.values()) == sorted(model.values())
    for key in ((c, d) for c in CONNECTORS for d in DEVICES):
        assert (key in book) == (key in model) and book.get(key) == model.get(key)
        if key in model:
            assert book[key] == model[key] and book.of(key[0])[key[1]] == model[key]
        else:
            with pytest.raises(KeyError):
                book[key]


@given(operations, operations)
def test_a_tracked_book_hands_out_every_key_changed_since_it_was_last_asked(
    before: list[tuple[Any, ...]], after: list[tuple[Any, ...]]
) -> None:
    book, model = ReportBook(), dict[tuple[str, str], StoredReport]()
    for operation in before:
        apply(book, model, operation)
    book.track(TrackedDict)
    assert book.tracked and book.take_dirty() == set() and book == model
    old = dict(model)
    for operation in after:
        apply(book, model, operation)
    changed = {key for key in old.keys() | model.keys() if old.get(key) != model.get(key)}
    assert changed <= book.take_dirty()  # a key set to its old value again may be listed too
    assert book.take_dirty() == set()


def test_a_book_built_from_items_keeps_them_and_starts_untracked() -> None:
    book = ReportBook([(("c1", "d1"), report("c1", "d1")), (("c2", "d1"), report("c2", "d1"))])
    assert not book.tracked and len(book) == 2 and book.of("c2") == {"d1": report("c2", "d1")}
    assert book != {("c1", "d1"): report("c1", "d1")} and book == ReportBook(book.items())


def test_a_copy_of_a_tracked_book_is_untracked_and_keeps_what_it_saw() -> None:
    book = ReportBook([(("c1", "d1"), report("c1", "d1"))])
    book.track(TrackedDict)
    copy = book.copy()
    book[("c1", "d2")] = report("c1", "d2")
    book.drop_connector("c1")
    assert not copy.tracked and copy == {("c1", "d1"): report("c1", "d1")} and len(book) == 0
