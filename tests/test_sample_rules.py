"""The sample task rules of sample_data/demo.toml (seed 001, issue 15 item 8), end to end: each one,
given a new order it is meant for, makes exactly the task it describes, for the right employee, every
variable filled, due at the right time of the fixed clock; and `orderdesk tasks list --assignee LOGIN
--json` shows it.

Orders come in as a shop's would: imported from a file (`orders import`) or made at the desk (`orders
create`), then moved (`orders advance`) or left to the scheduler (`tick --at`). Where the carousel
chooses among several employees, the one meant to get the task is signed in and free, so the choice is
the rule's and not the order the demo's own tasks happened to leave the carousel in.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from orderdesk.clock import FixedClock
from orderdesk.policy.timestamps import iso
from tests.conftest import NOW, ok, query, run_cli

DAY = timedelta(days=1)
HOUR = timedelta(hours=1)
NBSP = "\u202f"  # money_text's narrow no-break space: "60 000,00 ₽"

# the active managers of Дом и сад (kirill is deactivated); nikolai works every store
DOM_MANAGERS = {"irina", "boris", "vera", "nikolai"}

PAYMENT_CHECK = "Проверить оплату через 5 дней"
SIDOROV = "Заказы Сидорова Александра — Ирине Петровой"
LARGE = "Крупные заказы — Борису Иванову"
SAINT_PETERSBURG = "Санкт-Петербург — менеджерам из Санкт-Петербурга"
CALL = "Позвонить покупателю в течение часа"
PICKUP = "Заказ на точке выдачи — сообщить покупателю"
PRINT_OVERDUE = "Просрочка в Печатном дворе — Сергею Волкову"

# customers of the demo (sample_data/demo.toml [[customers]])
SIDOROV_CUSTOMER = {"name": "Сидоров Александр", "phone": "+7 900 000-00-02", "email": "a.sidorov@example.ru",
                    "city": "Saint Petersburg"}  # fmt: skip
KAZAN = {"name": "Андрей Никитин", "phone": "+7 900 000-00-05", "email": "nikitin@example.ru", "city": "Kazan"}
PETERSBURG = {"name": "Татьяна Белова", "phone": "+7 900 000-00-06", "email": "belova@example.ru",
              "city": "Saint Petersburg"}  # fmt: skip
ROMASHKA = {"name": "ООО «Ромашка»", "phone": "+7 900 000-00-07", "email": "zakaz@romashka.example.ru",
            "city": "Moscow"}  # fmt: skip
SMIRNOV = {"name": "Игорь Смирнов", "phone": "+7 900 000-00-09", "email": "i.smirnov@example.ru", "city": "Moscow"}
HUGHES = {"name": "Charlotte Hughes", "phone": "+44 20 7946 0002", "email": "charlotte.hughes@example.com",
          "city": "London"}  # fmt: skip


# ----------------------------------------------------------------------------------- helpers


def order(number: str, store: str, customer: dict[str, str], price: str, **changes: Any) -> dict[str, Any]:
    """An order of one item at `price`, picked up (no delivery cost): its total is `price`."""
    data: dict[str, Any] = {
        "number": number, "store": store, "channel": "site", "type": "regular", "created_at": iso(NOW),
        "customer": customer, "items": [{"sku": "X-1", "name": "Товар", "qty": 1, "price": price, "discount": "0"}],
        "payment_method": "card", "delivery": {"method": "pickup", "cost": "0.00"}, "discount": "0.00",
        "manager": None, "status": None,
    }  # fmt: skip
    data.update(changes)
    return data


def dom_order(number: str, customer: dict[str, str] = KAZAN, price: str = "4590.00", **changes: Any) -> dict[str, Any]:
    return order(number, "dom", customer, price, **changes)


def imported(cli: Any, db: str, tmp_path: Path, *orders: dict[str, Any]) -> None:
    path = tmp_path / f"{orders[0]['number']}.json"
    path.write_text(json.dumps(list(orders), ensure_ascii=False), encoding="utf-8")
    result = json.loads(ok(cli("orders", "import", str(path), "--json", db=db)).stdout)
    assert result["imported"] == len(orders) and result["skipped"] == [], result


def signed_in_and_free(cli: Any, db: str, *logins: str) -> None:
    for login in logins:
        ok(cli("users", "login", login, db=db))
        ok(cli("users", "set-status", login, "free", db=db))


def tasks(cli: Any, db: str, *args: str) -> list[dict[str, Any]]:
    return json.loads(ok(cli("tasks", "list", *args, "--json", db=db)).stdout)


def tasks_of(cli: Any, db: str, number: str) -> list[dict[str, Any]]:
    """Every task of the order, whoever has it."""
    return tasks(cli, db, "--order", number)


def only_task(cli: Any, db: str, number: str, login: str) -> dict[str, Any]:
    """The order's one task; it is `login`'s and his own list shows it."""
    of_order = tasks_of(cli, db, number)
    assert len(of_order) == 1, of_order
    task = of_order[0]
    assert task["assignee"] == login, task
    assert [t for t in tasks(cli, db, "--assignee", login) if t["order"] == number] == [task]
    return task


def assert_filled(task: dict[str, Any]) -> None:
    for key in ("title", "text"):
        assert "#" not in task[key], task[key]


def tick(cli: Any, db: str, at: datetime) -> None:
    ok(cli("tick", "--at", iso(at), db=db))


def rule_log(cli: Any, db: str, number: str) -> list[dict[str, Any]]:
    return json.loads(ok(cli("rules", "log", "--order", number, "--json", db=db)).stdout)


def created_run(cli: Any, db: str, number: str) -> dict[str, list[str]]:
    """The order_created event's run of the rules: which fired, which matched but were stopped."""
    runs = [r for r in rule_log(cli, db, number) if r["occurrence"] == "created"]
    assert len(runs) == 1, runs
    tried = runs[0]["rules"]
    return {
        "fired": [t["rule"] for t in tried if t["fired"]],
        "stopped": [t["rule"] for t in tried if t["matched"] and not t["fired"]],
    }


def rub(amount: str) -> str:
    """An amount of roubles as the texts print it: rub("4 590,00") == "4 590,00 ₽" (narrow spaces)."""
    return f"{amount} ₽".replace(" ", NBSP)


# ----------------------------------------------------------------------------------- the rules as loaded


def test_the_demo_loads_the_sample_rules_in_their_order(demo_db: str) -> None:
    rows = query(demo_db, "SELECT event, priority, name, continues FROM task_rule ORDER BY event, priority, name")
    assert rows == [
        ("order_created", 5, PAYMENT_CHECK, True),
        ("order_created", 10, SIDOROV, False),
        ("order_created", 20, LARGE, False),
        ("order_created", 30, SAINT_PETERSBURG, False),
        ("order_created", 90, CALL, False),
        ("overdue", 10, PRINT_OVERDUE, False),
        ("status_changed", 10, PICKUP, False),
    ]


def test_loading_the_demo_again_changes_no_rule(demo_db: str, cli: Any) -> None:
    before = query(demo_db, "SELECT * FROM task_rule ORDER BY id")
    ok(cli("load", "sample_data/demo.toml", db=demo_db))
    assert query(demo_db, "SELECT * FROM task_rule ORDER BY id") == before


# ----------------------------------------------------------------------------------- order_created


def test_a_new_order_of_dom_gets_one_call_from_a_manager_of_the_store(demo_db: str, cli: Any, tmp_path: Path) -> None:
    signed_in_and_free(cli, demo_db, "boris")
    imported(cli, demo_db, tmp_path, dom_order("D-9001"))
    task = only_task(cli, demo_db, "D-9001", "boris")
    assert task == task | {
        "title": "Звонок по заказу D-9001: Андрей Никитин",
        "text": f"Подтвердите заказ D-9001 на сумму {rub('4 590,00')}: телефон +7 900 000-00-05, "
                "e-mail nikitin@example.ru.",
        "status": "open", "priority": "high", "project": "default", "rule": CALL,
        "created_at": iso(NOW), "due_at": iso(NOW + HOUR), "overdue": False,
    }  # fmt: skip
    assert created_run(cli, demo_db, "D-9001") == {"fired": [PAYMENT_CHECK, CALL], "stopped": []}


def test_an_order_made_at_the_desk_fires_the_same_rules(demo_db: str, cli: Any) -> None:
    """A manager who takes an order on the phone: it is his, and his store's call rule gives the call."""
    ok(cli("orders", "create", "--as", "irina", "--store", "dom", "--number", "D-9002",
           "--customer", KAZAN["name"], "--phone", KAZAN["phone"], "--email", KAZAN["email"], "--city", "Kazan",
           "--item", "KS-4:Набор кастрюль (4 шт.):1:4590.00", "--payment", "card", "--delivery", "pickup",
           db=demo_db))  # fmt: skip
    of_order = tasks_of(cli, demo_db, "D-9002")
    assert len(of_order) == 1, of_order
    task = of_order[0]
    assert task["assignee"] == "irina" and task["rule"] == CALL  # her order: her call
    assert task["title"] == "Звонок по заказу D-9002: Андрей Никитин"
    assert task["due_at"] == iso(NOW + HOUR) and task["priority"] == "high"
    assert_filled(task)


def test_every_order_of_sidorov_goes_to_irina_before_the_large_and_city_rules(
    demo_db: str, cli: Any, tmp_path: Path
) -> None:
    """He lives in Saint Petersburg and this order is a large one: his rule is tried first and stops the
    others, so he gets one call, from Ирина, and no second one from the city or the large-order rule."""
    signed_in_and_free(cli, demo_db, "vera", "boris")  # free, but not his
    imported(cli, demo_db, tmp_path, dom_order("D-9003", SIDOROV_CUSTOMER, "60000.00"))
    task = only_task(cli, demo_db, "D-9003", "irina")
    assert task == task | {
        "title": "Звонок по заказу D-9003: Сидоров Александр",
        "text": f"Постоянный покупатель. Подтвердите заказ D-9003 на сумму {rub('60 000,00')}: "
                "телефон +7 900 000-00-02, e-mail a.sidorov@example.ru.",
        "priority": "high", "project": "default", "rule": SIDOROV, "due_at": iso(NOW + HOUR),
    }  # fmt: skip
    assert created_run(cli, demo_db, "D-9003") == {
        "fired": [PAYMENT_CHECK, SIDOROV],
        "stopped": [LARGE, SAINT_PETERSBURG, CALL],
    }


@pytest.mark.parametrize(
    ("price", "login", "rule"),
    [
        ("50000.00", "boris", LARGE),
        ("1000000.00", "boris", LARGE),
        ("49999.99", "irina", CALL),
        ("1000000.01", "irina", CALL),
    ],
    ids=["50 000", "1 000 000", "under", "over"],
)
def test_orders_of_50_000_to_1_000_000_roubles_are_for_boris_alone(
    demo_db: str, cli: Any, tmp_path: Path, price: str, login: str, rule: str
) -> None:
    signed_in_and_free(cli, demo_db, "irina")  # the catch-all's choice when the order is not a large one
    imported(cli, demo_db, tmp_path, dom_order("D-9004", ROMASHKA, price))
    task = only_task(cli, demo_db, "D-9004", login)
    total = rub(f"{int(price[:-3]):,}".replace(",", " ") + "," + price[-2:])
    assert task["rule"] == rule
    if rule == LARGE:
        assert task["title"] == f"Звонок по крупному заказу D-9004 на {total}: ООО «Ромашка»"
        assert task["text"] == ("Подтвердите состав, сроки и оплату заказа D-9004: телефон +7 900 000-00-07, "
                                "e-mail zakaz@romashka.example.ru.")  # fmt: skip
    else:
        assert task["title"] == "Звонок по заказу D-9004: ООО «Ромашка»"
        assert total in task["text"]
    assert (task["priority"], task["due_at"]) == ("high", iso(NOW + HOUR))


def test_orders_from_saint_petersburg_go_to_a_manager_of_that_city(demo_db: str, cli: Any, tmp_path: Path) -> None:
    """boris is free too, but in Moscow: the city condition leaves the carousel Ирина, Вера and Николай,
    and of them Вера is the one at her desk."""
    signed_in_and_free(cli, demo_db, "boris", "vera")
    imported(cli, demo_db, tmp_path, dom_order("D-9005", PETERSBURG, "2290.00"))
    task = only_task(cli, demo_db, "D-9005", "vera")
    assert task == task | {
        "title": "Звонок по заказу D-9005: Татьяна Белова",
        "text": f"Заказ из Санкт-Петербурга на сумму {rub('2 290,00')}. Подтвердите его: телефон +7 900 000-00-06, "
                "e-mail belova@example.ru.",
        "priority": "high", "project": "default", "rule": SAINT_PETERSBURG, "due_at": iso(NOW + HOUR),
    }  # fmt: skip
    assert created_run(cli, demo_db, "D-9005") == {"fired": [PAYMENT_CHECK, SAINT_PETERSBURG], "stopped": [CALL]}


def test_saint_petersburg_orders_go_to_its_managers_when_none_is_at_a_desk(
    demo_db: str, cli: Any, tmp_path: Path
) -> None:
    imported(cli, demo_db, tmp_path, dom_order("D-9006", PETERSBURG, "2290.00"))
    (task,) = tasks_of(cli, demo_db, "D-9006")
    assert task["assignee"] in {"irina", "vera", "nikolai"} and task["rule"] == SAINT_PETERSBURG


@pytest.mark.parametrize(
    ("number", "store", "customer", "price"),
    [("H-9001", "home", HUGHES, "30.00"), ("P-9001", "print", SMIRNOV, "690.00")],
    ids=["home", "print"],
)
def test_a_new_order_of_the_other_stores_gets_no_task(
    demo_db: str, cli: Any, tmp_path: Path, number: str, store: str, customer: dict[str, str], price: str
) -> None:
    """Each rule names its store (a template has one language): Дом и сад's calls and payment checks
    never reach Home & Garden or the print shop, whose managers are free at their desks all the same."""
    signed_in_and_free(cli, demo_db, "emily", "dmitry")
    imported(cli, demo_db, tmp_path, order(number, store, customer, price))
    assert tasks_of(cli, demo_db, number) == []
    assert query(demo_db, "SELECT count(*) FROM task_schedule s JOIN orders o ON o.id = s.order_id "
                          "WHERE o.number = :number", number=number) == [(0,)]  # fmt: skip


# ----------------------------------------------------------------------------------- the 5-day payment check


def payment_checks(cli: Any, db: str, number: str) -> list[dict[str, Any]]:
    return [t for t in tasks_of(cli, db, number) if t["rule"] == PAYMENT_CHECK]


@pytest.mark.parametrize(
    ("customer", "call_rule"),
    [(KAZAN, CALL), (SIDOROV_CUSTOMER, SIDOROV), (PETERSBURG, SAINT_PETERSBURG)],
    ids=["anyone", "sidorov", "saint-petersburg"],
)
def test_the_payment_check_comes_five_days_after_every_order_of_dom(
    demo_db: str, cli: Any, tmp_path: Path, customer: dict[str, str], call_rule: str
) -> None:
    """Nothing at 4 days, one task at 5, still one at 6; on top of the order's call, whichever rule gave it."""
    imported(cli, demo_db, tmp_path, dom_order("D-9010", customer, "3490.00"))
    assert [t["rule"] for t in tasks_of(cli, demo_db, "D-9010")] == [call_rule]

    tick(cli, demo_db, NOW + 4 * DAY)
    assert payment_checks(cli, demo_db, "D-9010") == []

    tick(cli, demo_db, NOW + 5 * DAY)
    (check,) = payment_checks(cli, demo_db, "D-9010")
    assert check["assignee"] in DOM_MANAGERS
    assert [t for t in tasks(cli, demo_db, "--assignee", check["assignee"]) if t["order"] == "D-9010"
            and t["rule"] == PAYMENT_CHECK] == [check]  # fmt: skip
    assert check == check | {
        "title": "Проверить оплату заказа D-9010",
        "text": f"Прошло 5 дней с заказа D-9010 на сумму {rub('3 490,00')} (Дом и сад, статус «Поступил»). "
                f"Если он не оплачен, свяжитесь с покупателем ({customer['name']}): "
                f"телефон {customer['phone']}, e-mail {customer['email']}.",
        "status": "open", "priority": "normal", "project": "payments",
        "created_at": iso(NOW + 5 * DAY), "due_at": iso(NOW + 6 * DAY),
    }  # fmt: skip

    tick(cli, demo_db, NOW + 6 * DAY)  # the check's own due time: it is flagged overdue, and not made again
    assert [(t["id"], t["overdue"]) for t in payment_checks(cli, demo_db, "D-9010")] == [(check["id"], True)]
    assert sorted(t["rule"] for t in tasks_of(cli, demo_db, "D-9010")) == sorted([call_rule, PAYMENT_CHECK])


@pytest.mark.parametrize("status", ["otmenen", "zakaz_zavershen"])
def test_no_payment_check_for_an_order_cancelled_or_completed_on_day_3(
    demo_db: str, cli: Any, tmp_path: Path, status: str
) -> None:
    imported(cli, demo_db, tmp_path, dom_order("D-9011"))
    day_3 = FixedClock(NOW + 3 * DAY)
    ok(run_cli(["orders", "move", "D-9011", status, "--as", "sergey"], db=demo_db, clock=day_3))

    tick(cli, demo_db, NOW + 5 * DAY)
    tick(cli, demo_db, NOW + 6 * DAY)
    assert payment_checks(cli, demo_db, "D-9011") == []
    states = query(demo_db, "SELECT s.state, s.note FROM task_schedule s JOIN orders o ON o.id = s.order_id "
                            "WHERE o.number = 'D-9011'")  # fmt: skip
    assert len(states) == 1 and states[0][0] == "skipped" and states[0][1], states
    # the rule log says why, on the delayed occurrence
    delayed = [r for r in rule_log(cli, demo_db, "D-9011") if r["occurrence"].startswith("delayed:")]
    assert len(delayed) == 1 and not any(t["fired"] for t in delayed[0]["rules"]), delayed


# ----------------------------------------------------------------------------------- the print shop


def print_order(number: str, status: str, entered: datetime) -> dict[str, Any]:
    return order(number, "print", SMIRNOV, "2490.00", status=status, status_entered_at=iso(entered),
                 created_at=iso(min(entered, NOW - DAY)), manager="dmitry")  # fmt: skip


PICKUP_TASK = {
    "title": "Заказ P-9002 ждёт на точке выдачи: сообщить покупателю (Игорь Смирнов)",
    "text": f"Заказ P-9002 ({rub('2 490,00')}) в статусе «Доставлен на точку выдачи». Позвоните покупателю по "
            "телефону +7 900 000-00-09 или напишите на i.smirnov@example.ru. Менеджер заказа: Дмитрий Кузнецов.",
    "priority": "normal", "project": "print", "rule": PICKUP, "status": "open",
}  # fmt: skip


def test_an_order_advanced_to_the_pickup_point_gets_its_task(demo_db: str, cli: Any, tmp_path: Path) -> None:
    signed_in_and_free(cli, demo_db, "dmitry")
    imported(cli, demo_db, tmp_path, print_order("P-9002", "sent", NOW - DAY))
    assert tasks_of(cli, demo_db, "P-9002") == []
    ok(cli("orders", "advance", "P-9002", "--as", "sergey", db=demo_db))  # the supervisor, by hand
    task = only_task(cli, demo_db, "P-9002", "dmitry")
    assert task == task | PICKUP_TASK | {"created_at": iso(NOW), "due_at": iso(NOW + DAY)}


def test_the_timed_move_to_the_pickup_point_gets_the_same_task(demo_db: str, cli: Any, tmp_path: Path) -> None:
    """Seed 004: "sent" goes to the pickup point after 4 weeks by itself; the rule fires as for a person."""
    signed_in_and_free(cli, demo_db, "dmitry")
    imported(cli, demo_db, tmp_path, print_order("P-9002", "sent", NOW - 4 * 7 * DAY - HOUR))
    tick(cli, demo_db, NOW)
    task = only_task(cli, demo_db, "P-9002", "dmitry")
    assert task == task | PICKUP_TASK | {"created_at": iso(NOW), "due_at": iso(NOW + DAY)}
    tick(cli, demo_db, NOW + HOUR)
    assert tasks_of(cli, demo_db, "P-9002") == [task]


def test_another_status_change_of_a_print_order_gets_no_task(demo_db: str, cli: Any, tmp_path: Path) -> None:
    imported(cli, demo_db, tmp_path, print_order("P-9002", "sent", NOW - DAY))
    ok(cli("orders", "move", "P-9002", "returned", "--as", "sergey", db=demo_db))
    assert tasks_of(cli, demo_db, "P-9002") == []


def test_a_print_order_late_in_its_stage_gets_sergey_a_task_once(demo_db: str, cli: Any, tmp_path: Path) -> None:
    """ "В печати" has 3 days: entered 2 days ago, it is late a day later, and the task comes once."""
    imported(cli, demo_db, tmp_path, print_order("P-9003", "in_print", NOW - 2 * DAY))
    tick(cli, demo_db, NOW)
    assert tasks_of(cli, demo_db, "P-9003") == []

    late = NOW + DAY + HOUR
    tick(cli, demo_db, late)
    task = only_task(cli, demo_db, "P-9003", "sergey")
    assert task == task | {
        "title": "Заказ P-9003 просрочен на этапе «В печати»",
        "text": f"Выясните, что задерживает заказ P-9003 ({rub('2 490,00')}), и договоритесь с покупателем "
                "(Игорь Смирнов, +7 900 000-00-09) о новом сроке. Менеджер заказа: Дмитрий Кузнецов.",
        "priority": "high", "project": "print", "rule": PRINT_OVERDUE,
        "created_at": iso(late), "due_at": iso(late + 4 * HOUR),
    }  # fmt: skip

    tick(cli, demo_db, late + DAY)
    assert [t["id"] for t in tasks_of(cli, demo_db, "P-9003")] == [task["id"]]
