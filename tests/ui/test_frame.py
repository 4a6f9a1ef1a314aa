"""The run lock: one script run at a time, and stepping out of it while a file is read."""

from __future__ import annotations

import threading

import pytest

from ui import frame


def _other_thread_gets_the_lock(timeout: float = 2.0) -> bool:
    """Whether another thread can take the run lock now (it lets go at once)."""
    got = threading.Event()

    def take() -> None:
        with frame.one_run_at_a_time():
            got.set()

    worker = threading.Thread(target=take, daemon=True)
    worker.start()
    ok = got.wait(timeout)
    worker.join(timeout)
    return ok


def test_a_run_keeps_others_out_until_it_ends():
    with frame.one_run_at_a_time():
        assert not _other_thread_gets_the_lock(timeout=0.3)
    assert _other_thread_gets_the_lock()


def test_stepping_out_lets_others_run_and_takes_back_every_level():
    # A fragment's body holds the lock a second time inside its page's run.
    with frame.one_run_at_a_time(), frame.one_run_at_a_time():
        with frame.outside_run():
            assert not frame._RUN_LOCK.held()
            assert _other_thread_gets_the_lock()
        assert frame._RUN_LOCK.held()
        assert not _other_thread_gets_the_lock(timeout=0.3)
        frame._RUN_LOCK.release()  # the fragment's level ends; the page's remains
        assert frame._RUN_LOCK.held()
        frame._RUN_LOCK.acquire()
    assert not frame._RUN_LOCK.held()
    assert _other_thread_gets_the_lock()


def test_the_lock_is_taken_back_when_the_wait_fails():
    with frame.one_run_at_a_time():
        with pytest.raises(RuntimeError), frame.outside_run():
            raise RuntimeError("the read was stopped")
        assert frame._RUN_LOCK.held()
    assert _other_thread_gets_the_lock()


def test_stepping_out_without_the_lock_changes_nothing():
    with frame.outside_run():
        assert not frame._RUN_LOCK.held()
    assert _other_thread_gets_the_lock()


def test_releasing_a_lock_this_thread_does_not_hold_is_refused():
    with pytest.raises(frame.NotHeld):
        frame._RUN_LOCK.release()
