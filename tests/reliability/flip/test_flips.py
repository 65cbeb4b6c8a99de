"""The random-flip experiment (flips.py): one byte changed in a page the demo workbook uses, then verify.

The target: verify never says "intact" when the flip changed anything readable (no `missed`), and never
crashes. A hundred seeded flips run with `-m reliability`; the first ten of the same flips run by default.
The table of figures is printed (`-s` shows it) and is what docs/recovery.md quotes.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from flip.flips import (
    SEED,
    Result,
    apply_flip,
    build_demo_copy,
    classify,
    integrity_ok,
    plan_flips,
    readable_state,
    run_experiment,
    table,
)

ALL_FLIPS = 100
FAST_FLIPS = 10


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_demo_copy(tmp_path_factory.mktemp("flip-demo"))


def _failures(results: list[Result]) -> list[Result]:
    return [r for r in results if r.outcome in ("missed", "crash")]


def _experiment(demo: Path, count: int, folder: Path) -> list[Result]:
    results = run_experiment(demo, plan_flips(demo, count, SEED), folder)
    print(f"\nseed {SEED}, demo workbook {demo.stat().st_size:,} bytes\n{table(results)}")
    return results


@pytest.mark.reliability
@pytest.mark.reliability_fast
def test_ten_flips_in_used_pages_are_never_reported_intact_when_they_changed_data(
    demo: Path, tmp_path: Path
) -> None:
    results = _experiment(demo, FAST_FLIPS, tmp_path)
    assert not _failures(results), table(results)


@pytest.mark.reliability
def test_a_hundred_flips_in_used_pages_are_never_reported_intact_when_they_changed_data(
    demo: Path, tmp_path: Path
) -> None:
    results = _experiment(demo, ALL_FLIPS, tmp_path)
    assert not _failures(results), table(results)


@pytest.mark.reliability
@pytest.mark.reliability_fast
def test_flips_land_only_in_pages_in_use_and_the_same_seed_gives_the_same_flips(demo: Path) -> None:
    flips = plan_flips(demo, 50, SEED)
    assert flips == plan_flips(demo, 50, SEED)
    assert flips != plan_flips(demo, 50, SEED + 1)
    assert all(0 < f.xor < 256 and f.owner for f in flips)
    size = demo.stat().st_size
    assert all(0 <= f.offset < size for f in flips)


@pytest.mark.reliability
@pytest.mark.reliability_fast
def test_the_ground_truth_tells_a_byte_nobody_reads_from_a_changed_value(demo: Path, tmp_path: Path) -> None:
    baseline = readable_state(demo)
    assert baseline is not None and integrity_ok(demo)
    flips = plan_flips(demo, 400, SEED)
    unread = next(f for f in flips if f.region == "unallocated")
    read = next(f for f in flips if f.region == "cell" and f.owner == "requests")
    target = tmp_path / "flipped.auditwb"
    apply_flip(demo, target, unread)
    assert readable_state(target) == baseline and integrity_ok(target)
    apply_flip(demo, target, read)
    assert readable_state(target) != baseline or not integrity_ok(target)


def test_the_classes() -> None:
    intact = "checked 1 evidence files and 2 activity entries; log head 00\nintact\n"
    assert classify(0, intact, "", changed=False) == "quiet"
    assert classify(0, intact, "", changed=True) == "missed"
    assert (
        classify(1, "ALTERED request R-1: …\nDAMAGED database file: …\n1 problem(s) found\n", "", True)
        == "named"
    )
    assert classify(1, "DAMAGED table requests, row 3: …\n1 problem(s) found\n", "", True) == "damage"
    assert classify(2, "", "audit-workbook: x.auditwb: the workbook is damaged\n", True) == "damage"
    assert classify(-1, "", "Traceback (most recent call last):\n", True) == "crash"
