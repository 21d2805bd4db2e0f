"""The collector pause of whole-state work (simulator/store/collector.py)."""

from __future__ import annotations

import gc
import threading

from simulator.store.collector import collector_paused


def test_the_collector_is_off_during_paused_work_and_back_on_after() -> None:
    assert gc.isenabled()
    assert collector_paused.run(gc.isenabled) is False
    assert gc.isenabled()


def test_overlapping_pauses_keep_the_collector_off_until_the_last_ends() -> None:
    inside, release = threading.Event(), threading.Event()

    def long_work() -> None:
        inside.set()
        release.wait(10)

    worker = threading.Thread(target=collector_paused.run, args=(long_work,))
    worker.start()
    inside.wait(10)
    assert collector_paused.run(lambda: 1) == 1
    assert not gc.isenabled()  # the first pause is still running
    release.set()
    worker.join(10)
    assert gc.isenabled()


def test_a_collector_that_was_off_stays_off() -> None:
    gc.disable()
    try:
        collector_paused.run(lambda: None)
        assert not gc.isenabled()
    finally:
        gc.enable()
