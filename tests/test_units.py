"""Durations, money and pipelines: the small pure pieces everything else leans on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from orderdesk.policy.durations import format_duration, parse_duration
from orderdesk.policy.money import format_money, parse_money
from orderdesk.policy.workflow import StageSpec, first_stage, stage_due_at
from tests.conftest import NOW


@pytest.mark.parametrize(
    "text, seconds",
    [("1h", 3600), ("90m", 5400), ("2 weeks", 1209600), ("4w", 2419200), ("1h 30m", 5400), ("90d", 7776000),
     ("2m", 120), ("1 day", 86400), ("30s", 30), ("1H30M", 5400)],
)  # fmt: skip
def test_human_durations(text, seconds):
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["2 wekes", "", "3600", "h", "1.5h", "-1h", "1h and 2m"])
def test_what_is_not_a_duration_is_refused_with_the_text_quoted(text):
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text)


@given(st.integers(min_value=1, max_value=10**9))
def test_formatted_durations_read_back(seconds):
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text, minor", [("12.50", 1250), ("0", 0), ("7", 700), ("0.05", 5), (" 3.1 ", 310)])
def test_money_is_exact_minor_units(text, minor):
    assert parse_money(text) == minor


@pytest.mark.parametrize("value", ["1.234", "abc", "", "NaN", 5.0, True])
def test_bad_money_is_refused(value):
    with pytest.raises(ValueError):
        parse_money(value)


@given(st.integers(min_value=-(10**12), max_value=10**12))
def test_money_round_trips(minor):
    assert parse_money(format_money(minor)) == minor


PIPELINE = [
    StageSpec("new", "Received", 1, time_limit=3600),
    StageSpec("awaiting_payment", "Awaiting payment", 2, payment_methods=("card",)),
    StageSpec("courier", "Courier delivery", 3, delivery_methods=("courier",)),
    StageSpec("done", "Completed", 4, kind="final", time_limit=60),
]


def test_a_new_order_starts_in_the_first_active_applicable_open_stage():
    assert first_stage(PIPELINE, payment_method="cash", delivery_method="pickup").code == "new"
    retired = [StageSpec("new", "Received", 1, active=False), *PIPELINE[1:]]
    assert first_stage(retired, payment_method="card", delivery_method="pickup").code == "awaiting_payment"
    assert first_stage(retired, payment_method="cash", delivery_method="courier").code == "courier"
    assert first_stage(retired, payment_method="cash", delivery_method="pickup") is None


def test_a_stage_is_due_its_time_limit_after_entry_and_closed_stages_never_are():
    assert stage_due_at(PIPELINE[0], NOW) == NOW + timedelta(hours=1)
    assert stage_due_at(PIPELINE[1], NOW) is None
    assert stage_due_at(PIPELINE[3], NOW) is None
