from __future__ import annotations

from tests.support.layout import lay_out, slice_sizes


def group(item: str) -> str:
    return item.split("::")[0]


def slow(item: str) -> bool:
    return item.startswith("slow")


def test_slices_are_the_sizes_worksteal_hands_out() -> None:
    assert slice_sizes(10, 3) == [3, 3, 4]
    assert slice_sizes(2, 4) == [0, 0, 1, 1]


def test_each_slice_starts_with_its_share_of_whole_slow_groups_and_nothing_is_lost() -> None:
    items = [f"quick{m}::t{n}" for m in range(6) for n in range(5)]
    items[10:10] = [f"slowA::t{n}" for n in range(4)] + [f"slowB::t{n}" for n in range(2)]
    items += [f"slowC::t{n}" for n in range(3)]

    ordered = lay_out(items, 3, group, slow)

    assert sorted(ordered) == sorted(items)
    slices, start = [], 0
    for size in slice_sizes(len(items), 3):
        slices.append(ordered[start : start + size])
        start += size
    assert [[group(i) for i in piece if slow(i)] for piece in slices] == [
        ["slowA"] * 4,
        ["slowC"] * 3,
        ["slowB"] * 2,
    ]
    for piece in slices:  # slow first, then quick tests in collection order
        flags = [slow(i) for i in piece]
        assert flags == sorted(flags, reverse=True)
        quick = [i for i in piece if not slow(i)]
        assert quick == [i for i in items if i in quick]


def test_without_workers_the_order_is_the_collection_order() -> None:
    items = ["quick::a", "slow::b", "quick::c"]
    assert lay_out(items, 1, group, slow) == items
