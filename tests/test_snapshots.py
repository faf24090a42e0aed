"""Snapshots of the sign-in and the inbox at the two sizes every desk screen is pinned at (80×24 over
SSH, 120×36 on a wide terminal); the other screens' snapshots live with their tests."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from screens.app import OrderDeskApp
from screens.inbox import InboxScreen
from tests.conftest import NOW
from tests.pilot import settle, signed_in, stop_blinking, until

SIZES = [(80, 24), (120, 36)]


@pytest.fixture
def app(demo_db: str, engine_of: Callable[[str], object]) -> OrderDeskApp:
    return OrderDeskApp(desk=Desk(engine_of(demo_db), FixedClock(NOW)), watch=False)  # type: ignore[arg-type]


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_of_the_sign_in(app: OrderDeskApp, size: tuple[int, int], snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await pilot.press(*"anna")
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_snapshot_of_the_inbox(app: OrderDeskApp, size: tuple[int, int], snap_compare) -> None:  # type: ignore[no-untyped-def]
    from orderdesk.api.jobs import run_all

    run_all(app.desk.engine, app.desk.clock)  # the demo's late orders are flagged: supervisors are told

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await signed_in(pilot, "helen")
        await pilot.press("5")
        await until(pilot, lambda: isinstance(pilot.app.screen, InboxScreen)
                    and pilot.app.screen.query_one("#inbox", DataTable).row_count > 0, "her inbox")  # fmt: skip

    assert snap_compare(app, terminal_size=size, run_before=run_before)
