"""Driving the desk through Textual's pilot, for every screen's tests.

pytest-asyncio is not a dependency, so each scenario is a coroutine run with `asyncio.run` (`drive`).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from textual.pilot import Pilot
from textual.widgets import DataTable, Input
from textual.worker import WorkerCancelled

from screens.app import OrderDeskApp
from screens.login import LoginScreen


def drive(app: OrderDeskApp, scenario: Callable[[Pilot], Awaitable[None]], size: tuple[int, int] = (120, 32)) -> None:
    async def run() -> None:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(pilot)

    asyncio.run(run())


async def until(pilot: Pilot, done: Callable[[], bool], what: str) -> None:
    """Wait for workers and their messages until `done()`. "No worker running" alone is not enough:
    the worker a message handler starts may not exist yet when that is checked. A worker cancelled on
    the way is no failure: an exclusive load (a refresh) is cancelled by the next one, as when the
    change watcher hears the test's own write while the test asked for a refresh too."""
    for _ in range(100):
        with contextlib.suppress(WorkerCancelled):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if done() and not len(pilot.app.workers):
            await pilot.pause()  # DataTable measures new rows when idle: let it, before anyone looks
            return
    raise AssertionError(f"never got to: {what}")


async def settle(pilot: Pilot) -> None:
    await until(pilot, lambda: True, "no workers")


async def signed_in(pilot: Pilot, login: str, password: str = "demo") -> None:
    """From a fresh login screen, by keyboard only, until his first view has loaded."""
    assert pilot.app.focused is pilot.app.screen.query_one("#login", Input)
    await pilot.press(*login, "enter", *password, "enter")
    await until(pilot, lambda: not isinstance(pilot.app.screen, LoginScreen), f"{login} signed in")
    await settle(pilot)


def stop_blinking(pilot: Pilot) -> None:
    for field in pilot.app.screen.query(Input):
        field.cursor_blink = False


def table_rows(pilot: Pilot, selector: str = "DataTable") -> list[list[str]]:
    table = pilot.app.screen.query_one(selector, DataTable)
    return [[str(cell) for cell in table.get_row_at(i)] for i in range(table.row_count)]


def toasts(pilot: Pilot) -> list[str]:
    return [str(n.message) for n in pilot.app._notifications]
