"""``freeze_heap``: the objects alive at the freeze leave the cyclic collector's reach."""

from __future__ import annotations

import gc

import pytest

from nnstudio.core.heap import freeze_heap


@pytest.fixture
def unfrozen():
    """Give the test process's heap back to the collector afterwards."""
    yield
    gc.unfreeze()


class Cycle:
    def __init__(self) -> None:
        self.me = self


def test_a_full_collection_no_longer_walks_what_was_frozen(unfrozen):
    kept = [Cycle() for _ in range(1000)]
    walked = {id(item) for item in gc.get_objects()}
    assert all(id(item) in walked for item in kept)
    frozen = freeze_heap()
    assert frozen == gc.get_freeze_count() >= len(kept)
    walked = {id(item) for item in gc.get_objects()}
    assert not any(id(item) in walked for item in kept)


def test_collect_first_frees_the_garbage_cycles_instead_of_freezing_them(unfrozen):
    import weakref

    garbage = Cycle()
    alive = weakref.ref(garbage)
    del garbage
    freeze_heap(collect=True)
    assert alive() is None
