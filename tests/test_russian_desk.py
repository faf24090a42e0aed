"""The desk in Russian for Russian staff (U10): irina, a manager of Дом и сад (language ru), sees her
queue, the pool, an order and the stage board in Russian words that fit 80 columns."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

import screens.i18n as i18n
from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from screens.app import OrderDeskApp
from screens.order import OrderScreen
from screens.queue import MyQueueScreen, PoolScreen, QueueScreen
from screens.stage_board import StageBoardScreen
from tests.conftest import NOW, execute
from tests.pilot import drive, settle, signed_in, stop_blinking, until

SIZE = (80, 24)
LATIN_WORDS = ("left", "LATE", "over", "Open", "Claim", "Sort", "Filter", "Help", "orders", "unpaid")


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """The language is the process's (one desk per process): the next test starts in English."""
    yield
    i18n.use_language("en")


@pytest.fixture
def app(demo_db: str, engine_of: Callable[[str], object]) -> OrderDeskApp:
    return OrderDeskApp(desk=Desk(engine_of(demo_db), FixedClock(NOW)))  # type: ignore[arg-type]


async def view(pilot: Pilot, key: str, kind: type) -> None:
    await pilot.press(key)
    await until(pilot, lambda: isinstance(pilot.app.screen, kind), f"view {key}")
    if isinstance(pilot.app.screen, QueueScreen):
        screen = pilot.app.screen
        await until(pilot, lambda: screen.page is not None, "the queue loaded")
    await settle(pilot)


def header(pilot: Pilot) -> str:
    return str(pilot.app.screen.query_one("#desk-header").render())


def footer(pilot: Pilot) -> list[str]:
    """The descriptions of the keys the footer shows now."""
    return [b.description for _, b, enabled, *_ in pilot.app.screen.active_bindings.values() if b.show and enabled]


def columns(pilot: Pilot, selector: str) -> list[tuple[str, int]]:
    table = pilot.app.screen.query_one(selector, DataTable)
    return [(str(c.label), c.width) for c in table.columns.values()]


def cells(pilot: Pilot, selector: str, column: int) -> list[str]:
    table = pilot.app.screen.query_one(selector, DataTable)
    return [str(table.get_row_at(i)[column]) for i in range(table.row_count)]


def test_snapshot_of_irinas_queue_in_russian(app: OrderDeskApp, snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        await signed_in(pilot, "irina")
        await view(pilot, "1", MyQueueScreen)
        stop_blinking(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_irinas_pool_has_its_header_columns_and_footer_in_russian(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "irina")
        await view(pilot, "2", PoolScreen)
        top = header(pilot)
        assert top.startswith("Общая очередь")
        assert "свободен" in top and "в работе: " in top and "просрочено: " in top
        names = [name for name, _ in columns(pilot, "#queue")]
        assert names == ["Номер", "Клиент", "Сумма", "Этап", "Осталось", "Оплата"]
        assert all(len(name) <= width for name, width in columns(pilot, "#queue")), columns(pilot, "#queue")
        keys = footer(pilot)
        assert {"Взять", "Следующий", "Далее", "Оплачен", "Поиск", "Порядок", "Помощь"} <= set(keys), keys
        summary = str(pilot.app.screen.query_one("#queue-summary", Static).content)
        assert "заказ" in summary and "сначала старые (s)" in summary
        # time left and over in д/ч/м, payment in Russian
        spans = cells(pilot, "#queue", 4)
        assert spans and all(s == "—" or s.startswith(("−", "ещё ")) for s in spans), spans
        assert any(u in s for s in spans for u in "дчм")
        assert set(cells(pilot, "#queue", 5)) <= {"не опл.", "оплачен", "возврат"}
        for word in LATIN_WORDS:
            assert word not in " ".join([top, summary, *keys, *spans]), word

    drive(app, scenario, size=SIZE)


def test_a_large_rouble_total_fits_its_column_with_the_sign(app: OrderDeskApp, demo_db: str) -> None:
    """Seed 001 speaks of orders up to 1 000 000 ₽: such a total shows whole, ₽ and all, at 80 columns."""
    execute(
        demo_db,
        "UPDATE orders SET total = 123456789 WHERE id = (SELECT o.id FROM orders o JOIN employee e"
        " ON e.id = o.manager_id WHERE e.login = 'irina' AND o.is_open = true ORDER BY o.id LIMIT 1)",
    )

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "irina")
        await view(pilot, "1", MyQueueScreen)
        width = dict(columns(pilot, "#queue"))["Сумма"]
        totals = cells(pilot, "#queue", 2)
        assert "1 234 567,89 ₽".replace(" ", "\u202f") in totals, totals
        assert all(len(total) <= width for total in totals), (width, totals)

    drive(app, scenario, size=SIZE)


def test_her_presence_on_a_break_reads_russian_in_the_header(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "irina")
        await view(pilot, "1", MyQueueScreen)
        await pilot.press("p")
        await until(pilot, lambda: "на перерыве" in header(pilot), "on a break in the header")
        assert "break" not in header(pilot)

    drive(app, scenario, size=SIZE)


def test_her_order_and_stage_board_speak_russian(app: OrderDeskApp) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "irina")
        await view(pilot, "1", MyQueueScreen)
        await pilot.press("enter")
        await until(pilot, lambda: isinstance(pilot.app.screen, OrderScreen), "the order")
        screen = pilot.app.screen
        await until(pilot, lambda: screen.detail is not None, "the order loaded")  # type: ignore[attr-defined]
        assert header(pilot).startswith("Заказ")
        assert [n for n, _ in columns(pilot, "#order-items")] == ["Артикул", "Товар", "Кол.", "Цена", "Скидка",
                                                                  "Итого"]  # fmt: skip
        assert [n for n, _ in columns(pilot, "#order-history")] == ["Когда", "Кто", "Что"]
        assert footer(pilot) == ["Назад", "Далее", "Этап", "Оплачен", "Печать", "Товар", "Доставка", "Скидка",
                                 "Помощь"]  # fmt: skip
        totals = str(screen.query_one("#order-totals", Static).content)
        assert totals.startswith("товары ") and "итого" in totals
        await pilot.press("escape")
        await view(pilot, "3", StageBoardScreen)
        assert header(pilot).startswith("Доска этапов")
        line = pilot.app.screen.query_one("#board-line", Static).content
        assert "этапы 1–3 из " in (line.plain if isinstance(line, Text) else str(line))
        assert {"Открыть", "Магазин ←", "Магазин →", "Обновить"} <= set(footer(pilot))

    drive(app, scenario, size=SIZE)


@pytest.mark.parametrize(
    ("seconds", "words"),
    [
        (45 * 60, "ещё 45м"),
        (3 * 3600 + 20 * 60, "ещё 3ч 20м"),
        (2 * 86400 + 4 * 3600, "ещё 2д 4ч"),
        (3 * 3600, "ещё 3ч"),
    ],
)
def test_spans_read_in_russian_units(seconds: int, words: str) -> None:
    from screens.stage_board import time_left_text

    i18n.use_language("ru")
    assert time_left_text(seconds, late=False).plain == words
    assert time_left_text(-seconds, late=True).plain == "−" + words.removeprefix("ещё ")
    assert time_left_text(None, late=False).plain == "без срока"
