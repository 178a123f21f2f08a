"""The benchmark's bookkeeping: which answer belongs to which question, percentiles, and a
partial run that keeps the other section of bench/results.md."""

from __future__ import annotations

from typing import Any

from bench.__main__ import TITLE, compose
from bench.load_report import percentile
from bench.loadgen import Question

MENU_ROW = {"inline_keyboard": [[{"text": "👍", "callback_data": "fb:up:x"},
                                  {"text": "Menu", "callback_data": "menu"}]]}


def message(text: str, markup: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"plain_text": text, "reply_markup": markup, "kind": "message"}


def test_an_answer_is_complete_with_the_menu_button_and_counted_once() -> None:
    question = Question(1, "is there a night bus", 0.0, 0.1,
                        [message("Emergency numbers", {"inline_keyboard": [[
                            {"text": "Talk to a person now", "callback_data": "human:urgent"}]]})])
    assert not question.complete  # emergency numbers come before the answer itself
    question.messages += [message("Part 1/2"), message("Part 2/2", MENU_ROW)]
    assert question.complete and question.duplicates == 0
    question.messages += [message("Emergency numbers"), message("Part 2/2", MENU_ROW)]
    assert question.duplicates == 1  # the same question answered a second time
    assert question.latency == 0.1


def test_nearest_rank_percentiles() -> None:
    values = [float(n) for n in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (
        50.0, 95.0, 99.0)
    assert percentile([0.2], 95) == 0.2
    assert percentile([], 50) != percentile([], 50)  # NaN: no value to report


def test_a_partial_run_replaces_only_its_own_section() -> None:
    both = compose({"nlu": "quality v1\n", "load": "load v1\n"}, "")
    assert both.startswith(TITLE) and both.index("quality v1") < both.index("load v1")
    again = compose({"load": "load v2\n"}, both)
    assert "quality v1" in again and "load v2" in again and "load v1" not in again
    legacy = TITLE + "\n_date_\n\n### NLU routing quality\n"  # written before the sections
    assert "### NLU routing quality" in compose({"load": "load v2\n"}, legacy)
