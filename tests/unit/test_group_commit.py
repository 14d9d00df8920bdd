"""The store owner's group commit: concurrent block inserts share one insert, each caller's outcome is its own."""

from __future__ import annotations

import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import msgpack
import pytest

from cluster.store import pack_block
from cluster.store_owner import GroupCommit


class _Table:
    """A stand-in insert target that records each insert's rows (decoding the joined MsgPack blocks)."""

    def __init__(self, delay_s: float = 0.05, bad: str | None = None) -> None:
        self.delay_s = delay_s
        self.bad = bad
        self.inserts: list[list[str]] = []
        self.stored: list[str] = []
        self._lock = threading.Lock()

    def write(self, block: bytes, rows: int) -> int:
        values = list(msgpack.Unpacker(io.BytesIO(block), raw=False))
        assert len(values) == rows
        time.sleep(self.delay_s)
        if self.bad is not None and self.bad in values:
            raise ValueError(f"cannot parse row {self.bad!r}")
        with self._lock:
            self.inserts.append(values)
            self.stored.extend(values)
        return rows


def _block(names: list[str]) -> bytes:
    return b"".join(pack_block((name,)) for name in names)


def test_an_idle_store_inserts_a_lone_block_at_once() -> None:
    table, commit = _Table(delay_s=0), GroupCommit()
    started = time.perf_counter()
    assert commit.insert("spans", _block(["a", "b"]), 2, table.write) == 2
    assert time.perf_counter() - started < 0.5
    assert table.inserts == [["a", "b"]]


def test_concurrent_callers_share_inserts_and_each_returns_after_its_rows_are_stored() -> None:
    table, commit = _Table(delay_s=0.05), GroupCommit()
    returned_with: dict[int, bool] = {}

    def call(i: int) -> None:
        commit.insert("spans", _block([f"r{i}-{j}" for j in range(3)]), 3, table.write)
        returned_with[i] = all(f"r{i}-{j}" in table.stored for j in range(3))

    with ThreadPoolExecutor(12) as pool:
        list(pool.map(call, range(24)))
    assert sorted(table.stored) == sorted(f"r{i}-{j}" for i in range(24) for j in range(3))  # all, once
    assert all(returned_with.values()) and len(returned_with) == 24
    assert len(table.inserts) < 24  # shared inserts happened
    assert commit.blocks == 24 and commit.inserts == len(table.inserts)
    for rows in table.inserts:  # a caller's rows are never split across inserts, and keep their order
        for i in range(24):
            mine = [r for r in rows if r.startswith(f"r{i}-")]
            assert mine in ([], [f"r{i}-0", f"r{i}-1", f"r{i}-2"])


def test_a_shared_insert_never_takes_more_than_max_rows() -> None:
    table, commit = _Table(delay_s=0.03), GroupCommit(max_rows=6)
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: commit.insert("spans", _block([f"{i}a", f"{i}b"]), 2, table.write), range(16)))
    assert len(table.stored) == 32
    assert max(len(rows) for rows in table.inserts) <= 6
    # a block larger than max_rows still goes in, alone
    commit.insert("spans", _block([str(i) for i in range(9)]), 9, table.write)
    assert table.inserts[-1] == [str(i) for i in range(9)]


def test_one_callers_bad_block_fails_only_that_caller() -> None:
    table, commit = _Table(delay_s=0.05, bad="poison"), GroupCommit()
    outcomes: dict[str, str] = {}
    gate = threading.Barrier(6)

    def call(name: str) -> None:
        gate.wait()
        try:
            commit.insert("spans", _block([name]), 1, table.write)
            outcomes[name] = "ok"
        except ValueError as exc:
            outcomes[name] = str(exc)

    names = ["good1", "good2", "poison", "good3", "good4", "good5"]
    with ThreadPoolExecutor(6) as pool:
        list(pool.map(call, names))
    assert outcomes["poison"] == "cannot parse row 'poison'"
    assert all(outcomes[n] == "ok" for n in names if n != "poison")
    assert sorted(table.stored) == sorted(n for n in names if n != "poison")


def test_targets_do_not_share_inserts() -> None:
    table, commit = _Table(delay_s=0.03), GroupCommit()
    seen: dict[str, list[list[str]]] = {"spans": [], "cost": []}

    def write_to(key: str):  # type: ignore[no-untyped-def]
        def write(block: bytes, rows: int) -> int:
            table.write(block, rows)
            seen[key].append(table.inserts[-1])
            return rows
        return write

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda i: commit.insert("spans" if i % 2 else "cost", _block([f"{i % 2}:{i}"]), 1,
                                              write_to("spans" if i % 2 else "cost")), range(16)))
    assert all(r.startswith("1:") for rows in seen["spans"] for r in rows)
    assert all(r.startswith("0:") for rows in seen["cost"] for r in rows)


def test_max_rows_must_be_positive() -> None:
    with pytest.raises(ValueError, match="max_rows"):
        GroupCommit(max_rows=0)


def test_up_to_parallel_inserts_run_at_once_and_the_rest_queue() -> None:
    running, peak = 0, 0
    lock = threading.Lock()

    def write(block: bytes, rows: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.05)
        with lock:
            running -= 1
        return rows

    commit = GroupCommit(parallel=2)
    with ThreadPoolExecutor(10) as pool:
        assert sum(pool.map(lambda i: commit.insert("spans", _block([str(i)]), 1, write), range(30))) == 30
    assert peak == 2  # two writers never wait on each other, a third shares
    assert commit.blocks == 30 and commit.inserts < 30
    with pytest.raises(ValueError, match="parallel"):
        GroupCommit(parallel=0)
