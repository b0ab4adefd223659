"""Cost linear in the size of a claim, counted in function calls, not timed.

``benchmarks/scaling.py`` times each dimension of a claim from 1 to the
claim's bound; here the same claims are settled (and the persons' claim
rendered as tables) under a profile hook that counts every Python and C
call. A linear step costs about ``big / small`` times as many calls at the
big size as at the small one; a quadratic one ``(big / small)²``. The
counts do not depend on the machine's load.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from types import FrameType
from typing import Any

import pytest

from tests.conftest import benchmark

scaling = benchmark("scaling")


def calls(work: Callable[[], None]) -> int:
    """Function calls (Python and C) made by ``work()``."""
    count = 0

    def hook(frame: FrameType, event: str, arg: Any) -> None:
        nonlocal count
        if event in ("call", "c_call"):
            count += 1

    sys.setprofile(hook)
    try:
        work()
    finally:
        sys.setprofile(None)
    return count


#: Allowed growth beyond linear: calls(big) / calls(small) < SLACK * big / small.
SLACK = 1.5


@pytest.mark.parametrize("dimension", sorted(scaling.DIMENSIONS))
def test_settling_is_linear_in_claim_size(dimension: str) -> None:
    small, big = 50, 1000  # 1,000: a claim's bound on each list (MAX_ITEMS)
    build = scaling.DIMENSIONS[dimension]
    cost = {n: calls(scaling.settle_work(build(n))) for n in (small, big)}
    assert cost[big] / cost[small] < SLACK * big / small, cost


def test_tables_of_many_persons_render_in_linear_time() -> None:
    small, big = 20, 400
    cost = {n: calls(scaling.table_work(scaling.persons_claim(n))) for n in (small, big)}
    assert cost[big] / cost[small] < SLACK * big / small, cost
