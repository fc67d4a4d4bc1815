"""The benchmark's baselines do the work they are compared on (nothing here is timed)."""

from __future__ import annotations

import pytest

from benchmarks import workloads
from benchmarks.baselines import DUPLICATE, OK, STALE, DictBaseline, SqliteBaseline

I1, I2 = "gid://shopify/InventoryItem/1", "gid://shopify/InventoryItem/2"
L1 = "gid://shopify/Location/1"
BASELINES = [pytest.param(SqliteBaseline, id="sqlite"), pytest.param(DictBaseline, id="bare")]


def _two_levels(kind: type[SqliteBaseline | DictBaseline]) -> SqliteBaseline | DictBaseline:
    return kind([(I1, L1, 10), (I2, L1, 5)])


@pytest.mark.parametrize("kind", BASELINES)
def test_an_adjust_with_the_current_value_applies_and_writes_one_change_row(kind):
    base = _two_levels(kind)
    assert base.adjust("k1", I1, L1, -4, 10, 0.0) == OK
    assert (base.available(I1, L1), base.count_changes()) == (6, 1)


@pytest.mark.parametrize("kind", BASELINES)
def test_an_adjust_with_a_stale_change_from_quantity_writes_nothing(kind):
    base = _two_levels(kind)
    assert base.adjust("k1", I1, L1, -4, 9, 0.0) == STALE
    assert (base.available(I1, L1), base.count_changes()) == (10, 0)


@pytest.mark.parametrize("kind", BASELINES)
def test_a_reused_idempotency_key_rolls_back_the_update_it_came_with(kind):
    base = _two_levels(kind)
    assert base.adjust("k1", I1, L1, -4, 10, 0.0) == OK
    assert base.adjust("k1", I2, L1, 1, 5, 0.0) == DUPLICATE
    assert (base.available(I2, L1), base.count_changes()) == (5, 1)


@pytest.mark.parametrize("kind", BASELINES)
def test_a_batch_with_one_stale_row_writes_none_of_its_rows(kind):
    base = _two_levels(kind)
    assert base.adjust_many("b1", [(I1, L1, 1, 10), (I2, L1, 1, 4)], 0.0) == STALE
    assert (base.available(I1, L1), base.available(I2, L1), base.count_changes()) == (10, 5, 0)
    assert base.adjust_many("b1", [(I1, L1, 1, 10), (I2, L1, 1, 5)], 0.0) == OK
    assert (base.available(I1, L1), base.available(I2, L1), base.count_changes()) == (11, 6, 2)


@pytest.mark.parametrize("kind", BASELINES)
def test_a_move_and_a_set_check_the_values_they_start_from(kind):
    base = _two_levels(kind)
    assert base.move("m1", I1, L1, 3, 10, 1, 0.0) == STALE  # damaged is 0, not 1
    assert base.move("m1", I1, L1, 3, 10, 0, 0.0) == OK
    assert base.set("s1", I1, L1, 50, 10, 0.0) == STALE  # available is 7 now
    assert base.set("s1", I1, L1, 50, 7, 0.0) == OK
    assert (base.available(I1, L1), base.count_changes()) == (50, 3)


@pytest.mark.parametrize("kind", BASELINES)
def test_a_copy_is_independent_of_its_original(kind):
    base = _two_levels(kind)
    twin = base.copy()
    assert twin.adjust("k1", I1, L1, 5, 10, 0.0) == OK
    assert (base.available(I1, L1), twin.available(I1, L1)) == (10, 15)


def test_the_journal_workload_brings_the_ledger_and_the_bare_dict_to_the_same_state():
    # build_journal raises if any call fails (a wrong changeFromQuantity) or a level differs.
    journaled = workloads.build_journal(workloads.QUICK, 200, levels=100)
    assert len(journaled.ledger.oplog) == 200
    rebuilt = SqliteBaseline(workloads.level_rows(100))
    rebuilt.replay_rows(journaled.rows)
    for item, location, _ in workloads.level_rows(100):
        assert rebuilt.available(item, location) == journaled.ledger.quantities(
            item, location)["available"]


def test_the_paired_timer_runs_both_commands_and_says_when_their_outputs_agree(tmp_path, capsys):
    import sys

    from benchmarks import paired

    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    same = [sys.executable, "-c", "print('report')"]
    assert paired.main(["-n", "2", "--cwd-a", str(tmp_path / "a"), "--cwd-b",
                        str(tmp_path / "b"), "--check-same", "--", *same]) == 0
    out = capsys.readouterr().out
    assert out.count("pair ") == 2
    assert "median:" in out
    assert "byte for byte the same" in out
    # A command whose output depends on where it runs differs between the two sides.
    where = [sys.executable, "-c", "import os; print(os.getcwd())"]
    assert paired.main(["-n", "1", "--cwd-a", str(tmp_path / "a"), "--cwd-b",
                        str(tmp_path / "b"), "--check-same", "--", *where]) == 1
    assert "2 different" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["pythonic", "execute", "graphql", "sqlite", "event", "sim",
                                  "loop", "change", "command", "request", "check", "coerce",
                                  "decode", "render"])
def test_the_instruction_count_workloads_each_run_their_units(kind):
    from benchmarks import instructions

    assert instructions.main([kind, "3"]) == 0


def test_the_instruction_count_workloads_refuse_a_count_below_one():
    from benchmarks import instructions

    with pytest.raises(SystemExit):
        instructions.main(["pythonic", "0"])
