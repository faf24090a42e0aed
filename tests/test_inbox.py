"""The inbox on the desk (U6): the true counts and paging, the cursor kept after Enter, times in the
order's store zone (or his store's), and a toast when something new arrives."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from screens.app import OrderDeskApp
from screens.inbox import InboxScreen
from screens.messages import OrdersChanged
from tests.conftest import NOW, execute, query
from tests.pilot import drive, signed_in, toasts, until


@pytest.fixture
def desk(demo_db: str, engine_of) -> Desk:  # type: ignore[no-untyped-def]
    return Desk(engine_of(demo_db), FixedClock(NOW))


def notify(
    db: str, login: str, at: datetime, subject: str, *, order: str | None = None, key: str | None = None
) -> None:
    stamp = at.replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")
    execute(
        db,
        "INSERT INTO notification (employee_id, order_id, key, kind, subject, text, created_at, send_after,"
        " email_state, attempts) VALUES ((SELECT id FROM employee WHERE login = :login),"
        " (SELECT id FROM orders WHERE number = :order), :key, 'overdue', :subject, :text, :at, :at, 'none', 0)",
        login=login, order=order, key=key or subject, subject=subject, text=f"text of {subject}", at=stamp,
    )  # fmt: skip


def many(db: str, login: str, count: int) -> None:
    for i in range(count):
        notify(db, login, NOW - timedelta(minutes=count - i), f"notice {i + 1:03d}")


async def open_inbox(pilot: Pilot, login: str) -> InboxScreen:
    await signed_in(pilot, login)
    await pilot.press("5")
    await until(pilot, lambda: isinstance(pilot.app.screen, InboxScreen) and bool(pilot.app.screen.rows), "inbox")
    screen = pilot.app.screen
    assert isinstance(screen, InboxScreen)
    return screen


def summary(screen: InboxScreen) -> str:
    return str(screen.query_one("#inbox-summary", Static).content)


def table(screen: InboxScreen) -> DataTable:
    return screen.query_one("#inbox", DataTable)


def test_the_inbox_says_how_many_there_are_and_pages_on_to_the_last(demo_db: str, desk: Desk) -> None:
    many(demo_db, "helen", 236)

    async def scenario(pilot: Pilot) -> None:
        screen = await open_inbox(pilot, "helen")
        assert table(screen).row_count == 200
        assert summary(screen).startswith("200 of 236 notifications  ·  236 unread")
        assert str(table(screen).get_row_at(0)[4]) == "notice 236"  # newest first
        await pilot.press("ctrl+end")  # the last row shown: the next page is read
        await until(pilot, lambda: table(screen).row_count == 236, "the second page")
        assert summary(screen).startswith("236 notifications  ·  236 unread")
        assert str(table(screen).get_row_at(235)[4]) == "notice 001"
        assert len({str(table(screen).get_row_at(i)[4]) for i in range(236)}) == 236  # none twice

    drive(OrderDeskApp(desk=desk), scenario)


def test_enter_marks_one_read_and_the_cursor_stays_on_it(demo_db: str, desk: Desk) -> None:
    many(demo_db, "helen", 12)

    async def scenario(pilot: Pilot) -> None:
        screen = await open_inbox(pilot, "helen")
        await pilot.press("down", "down", "down", "down", "down")
        assert table(screen).cursor_row == 5
        chosen = screen.rows[5]
        await pilot.press("enter")
        await until(pilot, lambda: screen.rows[5].read, "marked read")
        assert table(screen).cursor_row == 5 and screen.rows[5].id == chosen.id
        assert str(table(screen).get_row_at(5)[0]) == ""  # no longer marked unread
        assert query(demo_db, "SELECT count(*) FROM notification WHERE read_at IS NOT NULL") == [(1,)]
        assert "11 unread" in summary(screen)
        await pilot.press("down", "enter")  # the next one, where the cursor went
        await until(pilot, lambda: screen.rows[6].read, "the next one read")
        assert table(screen).cursor_row == 6

    drive(OrderDeskApp(desk=desk), scenario)


def test_times_are_in_the_orders_store_zone_or_his_stores(demo_db: str, desk: Desk) -> None:
    at = datetime.fromisoformat("2026-11-24T18:00:00+00:00")
    london = query(demo_db, "SELECT number FROM orders WHERE number LIKE 'H-%' LIMIT 1")[0][0]
    moscow = query(demo_db, "SELECT number FROM orders WHERE number LIKE 'D-%' LIMIT 1")[0][0]
    notify(demo_db, "olga", at, "a London order", order=london)
    notify(demo_db, "olga", at - timedelta(minutes=1), "a Moscow order", order=moscow)
    notify(demo_db, "olga", at - timedelta(minutes=2), "about nothing")  # olga: all stores, the first is home
    notify(demo_db, "sergey", at, "about nothing")  # sergey: Дом и сад and Печатный двор (Moscow)

    async def olga(pilot: Pilot) -> None:
        screen = await open_inbox(pilot, "olga")  # she reads Russian: the months too
        when = {row.subject: str(table(screen).get_row_at(i)[1]) for i, row in enumerate(screen.rows)}
        assert when == {"a London order": "24 ноя 18:00", "a Moscow order": "24 ноя 20:59",
                        "about nothing": "24 ноя 17:58"}  # fmt: skip

    async def sergey(pilot: Pilot) -> None:
        screen = await open_inbox(pilot, "sergey")
        assert str(table(screen).get_row_at(0)[1]) == "24 ноя 21:00"

    drive(OrderDeskApp(desk=desk), olga)
    drive(OrderDeskApp(desk=desk), sergey)


def test_a_toast_says_when_something_new_arrived(demo_db: str, desk: Desk) -> None:
    many(demo_db, "helen", 3)

    async def scenario(pilot: Pilot) -> None:
        screen = await open_inbox(pilot, "helen")
        assert toasts(pilot) == []  # what was there at the first look is not "new"
        pilot.app.post_message(OrdersChanged())  # nothing new yet: no toast
        await until(pilot, lambda: True, "reloaded")
        assert toasts(pilot) == []
        notify(demo_db, "helen", NOW, "fresh one")
        notify(demo_db, "helen", NOW, "fresh two")
        pilot.app.post_message(OrdersChanged())  # the scheduler, another desk, the CLI
        await until(pilot, lambda: table(screen).row_count == 5, "the new ones listed")
        assert toasts(pilot) == ["2 new notifications"]
        assert str(table(screen).get_row_at(0)[4]).startswith("fresh")

    drive(OrderDeskApp(desk=desk), scenario)
