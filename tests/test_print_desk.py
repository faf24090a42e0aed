"""Printing from the desk (S8, issue 16): `p` on the order screen writes one order's waybill, invoice or ПД-4
slip, `p` on the stage board the stage's orders in one file, into the folder of the setting documents.folder
(unset: the folder the desk was started in).

What a manager notices: the choice of documents, the file that appears (a PDF of that order), the toast naming
it whole with its pages, the print in the order's history and the audit, and a refusal told in a warning
toast with its reason while nothing is written; the keys in the footer at 80 columns, in `?` and the palette.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import OptionList
from textual.widgets._footer import FooterKey

import screens.i18n as i18n
import screens.stage_board as stage_board
from orderdesk.api.desk import Desk
from orderdesk.clock import FixedClock
from screens.app import OrderDeskApp
from screens.dialogs.choose import ChooseDialog
from screens.help import HelpScreen
from screens.order import OrderScreen
from screens.stage_board import StageBoardScreen
from tests.conftest import NOW, as_json, execute, ok, query
from tests.pilot import drive, settle, signed_in, table_rows, until

ANNAS = "H-1003"  # made anna's and open by the fixture: an order of the English store (GBP, GB requisites)
PICKING = "komplektatsiya"  # a stage of "dom" (RUB, RU requisites) where irina has orders
SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _english_after() -> Iterator[None]:
    """irina's desk speaks Russian, and the language is the process's: the next test starts in English."""
    yield
    i18n.use_language("en")


@pytest.fixture
def app(demo_db: str, engine_of: Callable[[str], object]) -> OrderDeskApp:
    execute(demo_db, "UPDATE orders SET is_open = true, status = 'new', manager_id = (SELECT id FROM employee"
            " WHERE login = 'anna') WHERE number = :n", n=ANNAS)  # fmt: skip
    return OrderDeskApp(desk=Desk(engine_of(demo_db), FixedClock(NOW)))  # type: ignore[arg-type]


@pytest.fixture
def folder(tmp_path: Path, demo_db: str, cli: Callable[..., object]) -> Path:
    """The documents folder the settings name (and the desk's working directory elsewhere, which stays empty)."""
    where = tmp_path / "documents"
    where.mkdir()
    ok(cli("settings", "set", "documents.folder", str(where), db=demo_db))  # type: ignore[arg-type]
    return where


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The folder the desk was started in."""
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    return here


def printed_rows(db: str) -> list[tuple[object, ...]]:
    """(order number, actor login, doc, channel) of each "order.printed" audit row, in the order written."""
    rows = query(
        db,
        "SELECT o.number, e.login, a.after, a.channel FROM audit_event a JOIN orders o ON o.id = a.order_id "
        "JOIN employee e ON e.id = a.actor_id WHERE a.action = 'order.printed' ORDER BY a.id",
    )
    return [(number, login, as_json(after)["doc"], channel) for number, login, after, channel in rows]


def pdf_pages(path: Path) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages]


def told(pilot: Pilot) -> list[tuple[str, str, str]]:
    """(title, message, severity) of each toast."""
    return [(n.title, str(n.message), n.severity) for n in pilot.app._notifications]


async def opened(pilot: Pilot, number: str, login: str) -> OrderScreen:
    await signed_in(pilot, login)
    pilot.app.open_order(number)  # type: ignore[attr-defined]
    await until(pilot, lambda: isinstance(pilot.app.screen, OrderScreen) and pilot.app.screen.detail is not None,
                f"order {number} shown")  # fmt: skip
    screen = pilot.app.screen
    assert isinstance(screen, OrderScreen)
    return screen


async def choose(pilot: Pilot, title: str, document: int) -> None:
    """`P` (shift), then the document'th of the three (0: the waybill) with the arrows and Enter."""
    await pilot.press("P")
    await until(pilot, lambda: isinstance(pilot.app.screen, ChooseDialog), "the documents offered")
    dialog = pilot.app.screen
    assert isinstance(dialog, ChooseDialog)
    assert dialog.title_text == title
    options = dialog.query_one(OptionList)
    shown = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
    assert [s.split(" ")[0] for s in shown] in (["Waybill", "Invoice", "Payment"], ["Накладная", "Счёт", "Квитанция"])
    await pilot.press(*["down"] * document, "enter")


async def toasted(pilot: Pilot, words: str) -> tuple[str, str, str]:
    await until(pilot, lambda: any(words in message for _, message, _ in told(pilot)), f"a toast saying {words!r}")
    return next(toast for toast in told(pilot) if words in toast[1])


# ----------------------------------------------------------------------------------- one order


def test_p_writes_the_orders_invoice_into_the_documents_folder(app: OrderDeskApp, demo_db: str, folder: Path,
                                                               elsewhere: Path) -> None:  # fmt: skip
    async def scenario(pilot: Pilot) -> None:
        screen = await opened(pilot, ANNAS, "anna")
        await choose(pilot, f"Print {ANNAS}", 1)
        title, message, severity = await toasted(pilot, "written")
        path = folder / f"{ANNAS}-invoice.pdf"
        assert path.is_file()
        pages = pdf_pages(path)
        assert message == f"Invoice written ({len(pages)} page{'s' * (len(pages) > 1)}):\n{path}"
        assert severity == "information"
        assert ANNAS in pages[0]
        assert printed_rows(demo_db) == [(ANNAS, "anna", "invoice", "desk")]
        # the screen read the order again: the print is in its history
        await until(pilot, lambda: any("printed the invoice" in row[2] for row in table_rows(pilot, "#order-history")),
                    "the print in the history")  # fmt: skip
        assert pilot.app.screen is screen
        assert list(elsewhere.iterdir()) == []

    drive(app, scenario, size=SIZE)


def test_without_a_folder_set_the_waybill_goes_where_the_desk_was_started(app: OrderDeskApp, demo_db: str,
                                                                          elsewhere: Path) -> None:  # fmt: skip
    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, ANNAS, "anna")
        await choose(pilot, f"Print {ANNAS}", 0)  # Enter on the first: the waybill (a delivery note here)
        _, message, _ = await toasted(pilot, "written")
        path = elsewhere / f"{ANNAS}-waybill.pdf"
        assert message == f"Waybill written (1 page):\n{path}"
        assert path.is_file() and ANNAS in pdf_pages(path)[0]
        assert printed_rows(demo_db) == [(ANNAS, "anna", "waybill", "desk")]

    drive(app, scenario, size=SIZE)


def test_a_slip_for_a_pound_store_is_refused_in_a_warning_and_nothing_is_written(
    app: OrderDeskApp, demo_db: str, folder: Path, elsewhere: Path
) -> None:
    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, ANNAS, "anna")
        await choose(pilot, f"Print {ANNAS}", 2)
        title, message, severity = await toasted(pilot, "roubles")
        assert (title, severity) == ("Not printed", "warning")
        assert "ПД-4" in message and '"home"' in message and "GBP" in message
        assert isinstance(pilot.app.screen, OrderScreen)

    drive(app, scenario, size=SIZE)
    assert list(folder.iterdir()) == [] and list(elsewhere.iterdir()) == []
    assert printed_rows(demo_db) == []


def test_a_documents_folder_that_is_not_there_is_refused_naming_it(
    app: OrderDeskApp, demo_db: str, cli: Callable[..., object], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-folder"
    ok(cli("settings", "set", "documents.folder", str(missing), db=demo_db))  # type: ignore[arg-type]

    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, ANNAS, "anna")
        await choose(pilot, f"Print {ANNAS}", 1)
        title, message, severity = await toasted(pilot, "documents folder")
        assert (title, severity) == ("Not printed", "warning")
        assert message == f"the documents folder {missing} does not exist (setting documents.folder)"

    drive(app, scenario, size=SIZE)
    assert not missing.exists()
    assert printed_rows(demo_db) == []


# ----------------------------------------------------------------------------------- a stage's batch


def irinas_in(db: str, status: str) -> list[str]:
    """The orders of "dom" in that stage that irina sees (hers and the unassigned open ones), oldest first."""
    rows = query(
        db,
        "SELECT o.number FROM orders o JOIN store s ON s.id = o.store_id LEFT JOIN employee e ON e.id = o.manager_id"
        " WHERE s.code = 'dom' AND o.status = :status AND (e.login = 'irina' OR (o.manager_id IS NULL AND o.is_open = true))"
        " ORDER BY o.created_at, o.id",
        status=status,
    )
    return [str(number) for (number,) in rows]


def test_p_on_the_stage_board_writes_the_stages_waybills_in_one_file(
    app: OrderDeskApp, demo_db: str, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    expected = irinas_in(demo_db, PICKING)
    assert len(expected) >= 2
    monkeypatch.setattr(stage_board, "LONG_BATCH", len(expected) - 1)  # a batch that takes a while: said at once
    said: list[str] = []  # every toast, also one gone by now (the "under way" one lasts 3 s; the batch may take longer)
    notify = app.notify
    monkeypatch.setattr(
        app, "notify", lambda message, *a, **k: (said.append(str(message)), notify(message, *a, **k))[1]
    )

    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "irina")
        await pilot.press("3")
        await until(pilot, lambda: isinstance(pilot.app.screen, StageBoardScreen) and bool(pilot.app.screen.columns()),
                    "the stage board")  # fmt: skip
        board = pilot.app.screen
        assert isinstance(board, StageBoardScreen)
        at = [view.column.code for view in board.columns()].index(PICKING)
        await pilot.press(*["right"] * at)
        await settle(pilot)
        column = board.columns()[board.current()].column
        assert column.code == PICKING and column.count == len(expected)
        await choose(
            pilot, f"Печать этапа «{column.name}»: {len(expected)} заказ{_ending(len(expected))} в одном файле", 0
        )
        _, message, severity = await toasted(pilot, "записаны")
        assert f"Печать: {len(expected)} заказ{_ending(len(expected))}…" in said
        path = folder / f"dom-{PICKING}-waybill-{NOW.date().isoformat()}.pdf"
        assert path.is_file()
        pages = pdf_pages(path)
        assert len(pages) >= len(expected)
        assert message.startswith(f"Накладные на {len(expected)} заказ") and message.endswith(f"):\n{path}")
        assert f"({len(pages)} страниц" in message and severity == "information"
        firsts = [next(i for i, text in enumerate(pages) if number in text) for number in expected]
        assert firsts == sorted(firsts) and len(set(firsts)) == len(expected)  # oldest first, each on its own pages
        assert printed_rows(demo_db) == [(number, "irina", "waybill", "desk") for number in expected]

    drive(app, scenario, size=SIZE)


def _ending(n: int) -> str:
    """заказ, заказа, заказов."""
    if n % 10 == 1 and n % 100 != 11:
        return ""
    return "а" if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else "ов"


def test_p_on_an_empty_stage_says_so_and_prints_nothing(app: OrderDeskApp, demo_db: str, folder: Path) -> None:
    async def scenario(pilot: Pilot) -> None:
        await signed_in(pilot, "anna")
        await pilot.press("3")
        await until(pilot, lambda: isinstance(pilot.app.screen, StageBoardScreen) and bool(pilot.app.screen.columns()),
                    "the stage board")  # fmt: skip
        board = pilot.app.screen
        assert isinstance(board, StageBoardScreen)
        empty = next(i for i, view in enumerate(board.columns()) if view.column.count == 0)
        await pilot.press(*["right"] * empty)
        await settle(pilot)
        name = board.columns()[board.current()].column.name
        await pilot.press("P")
        _, message, severity = await toasted(pilot, "no orders")
        assert (message, severity) == (f"{name} has no orders to print.", "warning")
        assert not isinstance(pilot.app.screen, ChooseDialog)

    drive(app, scenario, size=SIZE)
    assert list(folder.iterdir()) == [] and printed_rows(demo_db) == []


# ----------------------------------------------------------------------------------- the keys are found


def footer_keys(pilot: Pilot) -> dict[str, FooterKey]:
    return {key.description: key for key in pilot.app.screen.query(FooterKey)}


@pytest.mark.parametrize("login", ["anna", "irina"])
def test_the_print_keys_show_whole_in_the_footer_at_80_columns_and_in_help_and_the_palette(
    app: OrderDeskApp, demo_db: str, login: str
) -> None:
    words = {"anna": ("Print", "Print stage"), "irina": ("Печать", "Печать этапа")}[login]

    async def shown_whole(pilot: Pilot, description: str) -> None:
        keys = footer_keys(pilot)
        assert description in keys, list(keys)
        region = keys[description].region
        assert region.width > 0 and region.right <= SIZE[0], (description, region)
        assert all(key.region.right <= SIZE[0] for key in keys.values()), {d: k.region for d, k in keys.items()}

    async def in_help_and_palette(pilot: Pilot, description: str, ident: str) -> None:
        await pilot.press("question_mark")
        await until(pilot, lambda: isinstance(pilot.app.screen, HelpScreen), "the help")
        assert ["P", description, ident] in table_rows(pilot, "#help-keys")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("ctrl+p")
        await until(pilot, lambda: isinstance(pilot.app.screen, CommandPalette), "the palette")
        await pilot.press(*description.lower())
        offered = lambda: [str(o.prompt) for o in pilot.app.screen.query_one("CommandList").options]  # type: ignore[attr-defined]  # noqa: E731
        await until(pilot, lambda: any(description in s for s in offered()), f"{description} offered")
        await pilot.press("escape")
        await settle(pilot)

    async def scenario(pilot: Pilot) -> None:
        number = ANNAS if login == "anna" else irinas_in(demo_db, PICKING)[0]
        await opened(pilot, number, login)
        await shown_whole(pilot, words[0])
        if login == "anna":  # the same bindings in Russian: the footer's width is what differs
            await in_help_and_palette(pilot, words[0], "order.print")
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("3")
        await until(pilot, lambda: isinstance(pilot.app.screen, StageBoardScreen) and bool(pilot.app.screen.columns()),
                    "the stage board")  # fmt: skip
        await settle(pilot)
        await shown_whole(pilot, words[1])
        if login == "anna":
            await in_help_and_palette(pilot, words[1], "board.print")

    drive(app, scenario, size=SIZE)


def test_p_on_the_order_screen_and_the_stage_board_is_still_a_break(app: OrderDeskApp, demo_db: str) -> None:
    """Print is shift+P: `p` means "on a break" on every screen, as the header and the README say."""

    def presence() -> str:
        return str(query(demo_db, "SELECT presence FROM employee WHERE login = 'anna'")[0][0])

    async def scenario(pilot: Pilot) -> None:
        await opened(pilot, ANNAS, "anna")
        await pilot.press("p")
        await until(pilot, lambda: presence() == "break", "anna on a break")
        assert isinstance(pilot.app.screen, OrderScreen)  # no dialog of documents
        await pilot.press("f", "escape", "3")
        await until(pilot, lambda: isinstance(pilot.app.screen, StageBoardScreen) and presence() == "free", "the board")
        await pilot.press("p")
        await until(pilot, lambda: presence() == "break", "anna on a break again")
        assert isinstance(pilot.app.screen, StageBoardScreen)

    drive(app, scenario, size=SIZE)
