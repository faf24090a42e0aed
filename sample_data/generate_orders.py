"""Write the demo orders: sample_data/orders.json (about 300) and sample_data/orders.csv (a few).

Deterministic and stdlib-only: `python sample_data/generate_orders.py` always writes the
same files. Codes, delivery prices, stage rules, managers and customers are read from
demo.toml next to this script, so the orders only use what the demo configuration defines.
"""

from __future__ import annotations

import csv
import json
import random
import tomllib
import zlib
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

HERE = Path(__file__).resolve().parent
CONFIG = HERE / "demo.toml"
JSON_OUT = HERE / "orders.json"
CSV_OUT = HERE / "orders.csv"

SEED = 2026
END = datetime(2026, 11, 24, 18, 0, tzinfo=UTC)  # "now" of the demo
START = datetime(2026, 7, 24, 18, 0, tzinfo=UTC)  # four months earlier
# Old orders lie clearly beyond both "90 days" and "3 months" (Aug 24) before END.
OLD_BEFORE = END - timedelta(days=93)
RECENT_FROM = END - timedelta(days=88)
TODAY_FROM = END - timedelta(hours=20)  # a fresh batch, so the demo opens on a live queue

ORDERS_PER_STORE = {"home": 120, "dom": 100, "print": 80}
OLD_SHARE = Decimal("0.10")
TODAY_SHARE = Decimal("0.05")
NIGHT_SHARE = Decimal("0.15")
MANAGER_SHARE = 0.15
STATUS_SHARE = 0.20
TOTAL_SHARE = 0.50
PREFIX = {"home": "H", "dom": "D", "print": "P"}
CENT = Decimal("0.01")

# --- catalogues: (sku, name, price) -------------------------------------------------
HOME_GOODS = [
    ("RK-2", "Rake", "12.50"),
    ("SP-1", "Garden spade", "24.99"),
    ("PS-3", "Bypass pruning shears", "15.75"),
    ("WC-10", "Watering can 10 l", "9.99"),
    ("GH-25", "Garden hose 25 m", "29.00"),
    ("HR-1", "Hose reel", "34.50"),
    ("WB-85", "Wheelbarrow 85 l", "69.00"),
    ("LB-18", "Cordless leaf blower 18 V", "89.99"),
    ("LM-36", "Cordless lawn mower 36 cm", "219.00"),
    ("HT-50", "Hedge trimmer 50 cm", "74.99"),
    ("CB-300", "Compost bin 300 l", "42.00"),
    ("RB-120", "Raised bed kit 120x60", "58.50"),
    ("ST-6", "Seed tray set (6)", "7.25"),
    ("TP-30", "Terracotta pot 30 cm", "11.40"),
    ("BF-1", "Hanging bird feeder", "13.99"),
    ("SL-4", "Solar path lights (4)", "19.99"),
    ("GG-M", "Garden gloves, size M", "4.50"),
    ("KP-1", "Kneeling pad", "6.99"),
    ("OC-45", "Outdoor seat cushion", "16.00"),
    ("PH-13", "Patio heater 13 kW", "149.00"),
    ("MC-50", "Multipurpose compost 50 l", "8.75"),
    ("TS-MM", "Tomato seeds 'Moneymaker'", "2.49"),
    ("LF-10", "Lawn feed 10 kg", "21.00"),
    ("FT-1", "Folding garden table", "64.00"),
]
HOME_DIGITAL = [
    ("GC-25", "E-gift card 25", "25.00"),
    ("GC-50", "E-gift card 50", "50.00"),
    ("GP-1", "Online garden planning session", "35.00"),
]
HOME_CUSTOM = [
    ("CU-PB", "Made-to-measure planter box", ("80.00", "240.00")),
    ("CU-SH", "Custom shed shelving", ("60.00", "180.00")),
]

DOM_GOODS = [
    ("SK-26", "Сковорода чугунная 26 см", "1890.00"),
    ("KS-4", "Набор кастрюль (4 шт.)", "4590.00"),
    ("CH-17", "Чайник электрический 1,7 л", "2290.00"),
    ("PL-150", "Плед флисовый 150×200", "990.00"),
    ("KPB-2", "Комплект постельного белья, 2-спальный", "3490.00"),
    ("PM-70", "Полотенце махровое 70×140", "650.00"),
    ("SB-18", "Сушилка для белья напольная", "1790.00"),
    ("GD-1", "Гладильная доска", "2490.00"),
    ("KH-5", "Контейнеры для хранения (5 шт.)", "790.00"),
    ("SH-1", "Швабра с отжимом и ведром", "1590.00"),
    ("VD-10", "Ведро пластиковое 10 л", "290.00"),
    ("LS-8", "Лейка садовая 8 л", "450.00"),
    ("SE-1", "Секатор садовый", "890.00"),
    ("GR-V", "Грабли веерные", "560.00"),
    ("ST-BY", "Семена томатов «Бычье сердце»", "89.00"),
    ("GO-25", "Горшок для цветов 25 см", "340.00"),
    ("NN-5", "Набор ножей (5 шт.)", "2790.00"),
    ("DR-B", "Доска разделочная бамбуковая", "490.00"),
    ("KV-1", "Коврик для ванной", "720.00"),
    ("LN-1", "Лампа настольная светодиодная", "1990.00"),
    ("TR-1", "Термос 1 л", "1290.00"),
    ("GZ-40", "Гамак садовый", "2590.00"),
]
DOM_DIGITAL = [
    ("SR-1000", "Подарочный сертификат на 1000 ₽ (электронный)", "1000.00"),
    ("SR-3000", "Подарочный сертификат на 3000 ₽ (электронный)", "3000.00"),
]
DOM_CUSTOM = [
    ("IZ-SH", "Шкаф-купе по индивидуальным размерам", ("18000.00", "46000.00")),
    ("IZ-TX", "Пошив штор по размерам", ("4500.00", "15000.00")),
]

PRINT_GOODS = [
    ("VZ-100", "Визитки, 100 шт.", "690.00"),
    ("VZ-500", "Визитки, 500 шт.", "1890.00"),
    ("FK-20", "Фотокнига 20×20, 20 разворотов", "2490.00"),
    ("FK-30", "Фотокнига 30×30, 30 разворотов", "4290.00"),
    ("KR-1", "Кружка с печатью", "450.00"),
    ("KR-H", "Кружка-хамелеон с печатью", "790.00"),
    ("FT-P", "Футболка с принтом", "1190.00"),
    ("KL-N", "Календарь настенный перекидной", "990.00"),
    ("KL-D", "Календарь-домик настольный", "390.00"),
    ("LS-A5", "Листовки А5, 500 шт.", "1650.00"),
    ("PL-A2", "Плакат А2", "590.00"),
    ("HL-40", "Холст на подрамнике 40×50", "2190.00"),
    ("NK-L", "Наклейки, лист А4", "190.00"),
    ("FP-50", "Фотопечать 10×15, 50 шт.", "750.00"),
    ("BL-A5", "Блокнот с логотипом А5", "320.00"),
    ("PZ-120", "Пазл с фото, 120 элементов", "890.00"),
    ("MG-1", "Магнит с фото", "150.00"),
    ("BK-1", "Брошюра, 16 страниц, 100 шт.", "5400.00"),
]
PRINT_DIGITAL = [
    ("MK-VZ", "Макет визитки (файл)", "500.00"),
    ("ES-1000", "Электронный сертификат на 1000 ₽", "1000.00"),
    ("ED-FK", "Электронная версия фотокниги (PDF)", "300.00"),
]
PRINT_CUSTOM = [
    ("PR-SH", "Печать по индивидуальному макету", ("1500.00", "25000.00")),
    ("PR-BN", "Баннер по размерам заказчика", ("2400.00", "12000.00")),
]
TOPUP_PERSON = ("TP-P", "Пополнение счёта частного лица")
TOPUP_COMPANY = ("TP-C", "Пополнение счёта организации")

# Repeat customers per store (names as in demo.toml).
STORE_CUSTOMERS = {
    "home": [
        "Alexander Sidorov",
        "Oliver Bennett",
        "Charlotte Hughes",
        "George Whitfield",
        "Amelia Turner",
        "Greenleaf Landscaping Ltd",
        "Oakfield Primary School",
        "Harry Collins",
    ],
    "dom": [
        "Сидоров Александр",
        "Мария Кузьмина",
        "Елена Васильева",
        "Андрей Никитин",
        "Татьяна Белова",
        "ООО «Ромашка»",
        "Ольга Зайцева",
        "Наталья Егорова",
    ],
    "print": [
        "Игорь Смирнов",
        "Наталья Егорова",
        "АО «Вектор-Медиа»",
        "ИП Соколов Д. А.",
        "Кафе «Берёзка»",
        "ООО «Ромашка»",
        "Татьяна Белова",
    ],
}
NEW_CUSTOMER_SHARE = {"home": 0.35, "dom": 0.35, "print": 0.40}

EN_FIRST = [
    "Jack",
    "Emily",
    "Sophie",
    "Daniel",
    "Olivia",
    "Lucy",
    "Noah",
    "Isla",
    "Ethan",
    "Grace",
    "Samuel",
    "Chloe",
    "Henry",
    "Ruby",
    "William",
    "Freya",
]
EN_LAST = [
    "Smith",
    "Taylor",
    "Brown",
    "Wilson",
    "Evans",
    "Walker",
    "Wright",
    "Thompson",
    "Robinson",
    "Wood",
    "Hall",
    "Green",
    "Harris",
    "Lewis",
    "Clarke",
    "Baker",
]
EN_CITIES = [
    ("London", "20 7946"),
    ("London", "20 7946"),
    ("Manchester", "161 496"),
    ("Birmingham", "121 496"),
    ("Leeds", "113 496"),
    ("Bristol", "117 496"),
    ("Edinburgh", "131 496"),
]
RU_MALE = ["Алексей", "Михаил", "Сергей", "Павел", "Роман", "Владимир", "Артём", "Денис", "Константин", "Егор"]
RU_FEMALE = ["Дарья", "Анна", "Ксения", "Юлия", "Екатерина", "Светлана", "Полина", "Вероника", "Алина", "Ирина"]
# (male surname, female surname, transliteration for e-mail)
RU_SURNAMES = [
    ("Попов", "Попова", "popov"),
    ("Лебедев", "Лебедева", "lebedev"),
    ("Козлов", "Козлова", "kozlov"),
    ("Новиков", "Новикова", "novikov"),
    ("Морозов", "Морозова", "morozov"),
    ("Волков", "Волкова", "volkov"),
    ("Соловьёв", "Соловьёва", "solovyov"),
    ("Зуев", "Зуева", "zuev"),
    ("Павлов", "Павлова", "pavlov"),
    ("Семёнов", "Семёнова", "semyonov"),
    ("Голубев", "Голубева", "golubev"),
    ("Виноградов", "Виноградова", "vinogradov"),
    ("Богданов", "Богданова", "bogdanov"),
    ("Тихонов", "Тихонова", "tikhonov"),
]
EN_STREETS = ["High Street", "Station Road", "Church Lane", "Victoria Road", "Mill Lane", "Park Avenue"]
RU_STREETS = ["Ленина", "Садовая", "Мира", "Пушкина", "Гагарина", "Лесная", "Центральная"]
RU_CITY_NAMES = {
    "Moscow": "Москва",
    "Saint Petersburg": "Санкт-Петербург",
    "Kazan": "Казань",
    "Nizhny Novgorod": "Нижний Новгород",
    "Yekaterinburg": "Екатеринбург",
    "Tver": "Тверь",
    "Kaluga": "Калуга",
}


def address_of(name: str, city: str, streets: list[str], shape: str) -> dict:
    """Two new customers in three give an address (for the printed documents), the third only his city. Taken
    from the name, not from the random stream, so that adding it left every other value of the files as it was."""
    key = zlib.crc32(name.encode())
    if key % 3 == 0:
        return {}
    street = streets[key // 3 % len(streets)]
    return {"address": shape.format(n=key // 7 % 120 + 1, street=street, city=city, flat=key // 11 % 200 + 1)}


RU_CITIES = [
    "Moscow",
    "Moscow",
    "Moscow",
    "Saint Petersburg",
    "Saint Petersburg",
    "Kazan",
    "Nizhny Novgorod",
    "Yekaterinburg",
    "Tver",
    "Kaluga",
]

# Weighted choices per store.
CHANNELS = {
    "home": {"site": 45, "app": 25, "phone": 15, "panel": 8, "api": 7},
    "dom": {"site": 40, "phone": 25, "app": 20, "panel": 10, "api": 5},
    "print": {"site": 45, "app": 20, "api": 18, "panel": 12, "phone": 5},
}
TYPES = {
    "home": {"regular": 70, "quick": 15, "custom": 6, "digital": 9},
    "dom": {"regular": 70, "quick": 17, "custom": 7, "digital": 6},
    "print": {"regular": 50, "quick": 12, "custom": 12, "digital": 10, "topup_person": 9, "topup_company": 7},
}
DELIVERY = {
    "home": {"courier": 45, "post": 25, "pickup": 30},
    "dom": {"courier": 45, "post": 20, "pickup": 35},
    "print": {"pickup": 50, "post": 25, "courier": 25},
}
PAYMENT = {"cash": 25, "card": 35, "online": 30, "bank_transfer": 10}
ORDER_DISCOUNTS = {
    "home": ["5.00", "10.00", "15.00"],
    "dom": ["100.00", "250.00", "500.00"],
    "print": ["100.00", "200.00", "300.00"],
}
# Print-shop production statuses make no sense for digital goods and account top-ups.
PRINT_PHYSICAL_ONLY = {"in_print", "printed", "sent", "at_pickup_point", "misprinted", "returned"}


def weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def money(value: Decimal | str) -> str:
    return str(Decimal(value).quantize(CENT))


def utc_offset(store_tz: str, moment: datetime) -> timedelta:
    """Offset of the store's zone; rules written out so the script needs no tz database."""
    if store_tz == "Europe/Moscow":
        return timedelta(hours=3)
    if store_tz == "Europe/London":

        def last_sunday(month: int) -> datetime:
            day = datetime(moment.year, month, 31, 1, 0, tzinfo=UTC)
            return day - timedelta(days=(day.weekday() + 1) % 7)

        return timedelta(hours=1) if last_sunday(3) <= moment < last_sunday(10) else timedelta(0)
    raise ValueError(f"no offset rule for {store_tz}")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Demo:
    def __init__(self, config: dict) -> None:
        self.config = config
        self.stores = {s["code"]: s for s in config["stores"]}
        self.delivery_price = {d["code"]: Decimal(d["price"]) for d in config["delivery_methods"]}
        self.cash = {p["code"]: p["cash"] for p in config["payment_methods"]}
        self.stages = {code: [s for s in config["stages"] if s["store"] == code] for code in self.stores}
        self.customers = {c["name"]: c for c in config["customers"]}
        groups = {g["code"]: g for g in config["groups"]}
        self.employees = {e["login"]: e for e in config["employees"]}
        # Managers who may hold an order of a store: active, in an order-processing group
        # whose stores include it (empty = any).
        self.managers = {
            store: [
                e["login"]
                for e in config["employees"]
                if e["active"]
                and "manager" in e["roles"]
                and any(
                    groups[g]["process_orders"] and (not groups[g]["stores"] or store in groups[g]["stores"])
                    for g in e["groups"]
                )
            ]
            for store in self.stores
        }

    def applies(self, stage: dict, payment: str, delivery: str) -> bool:
        return (not stage["payment_methods"] or payment in stage["payment_methods"]) and (
            not stage["delivery_methods"] or delivery in stage["delivery_methods"]
        )


class Generator:
    def __init__(self, demo: Demo, rng: random.Random) -> None:
        self.demo = demo
        self.rng = rng
        self.new_customers: dict[str, list[dict]] = {s: [] for s in demo.stores}

    # --- when ------------------------------------------------------------------------
    def created_at(self, store: str, *, old: bool, night: bool, today: bool = False) -> datetime:
        tz = self.demo.stores[store]["timezone"]
        lo, hi = (START, OLD_BEFORE) if old else (TODAY_FROM, END) if today else (RECENT_FROM, END)
        while True:
            day_utc = lo + timedelta(seconds=self.rng.randrange(int((hi - lo).total_seconds())))
            local_day = (day_utc + utc_offset(tz, day_utc)).replace(hour=0, minute=0, second=0)
            if night:
                hour = self.rng.choice([22, 23, 0, 1, 2, 3, 4, 5])
            else:
                hour = self.rng.choices(range(6, 22), weights=[1, 2, 4, 7, 9, 9, 8, 8, 8, 8, 8, 8, 7, 6, 4, 2])[0]
            local = local_day.replace(hour=hour, minute=self.rng.randrange(60), second=self.rng.randrange(60))
            moment = local - utc_offset(tz, local)
            if lo <= moment < hi and utc_offset(tz, moment) == utc_offset(tz, local):
                return moment

    # --- who -------------------------------------------------------------------------
    def customer(self, store: str) -> dict:
        rng = self.rng
        pool = self.new_customers[store]
        if rng.random() < NEW_CUSTOMER_SHARE[store]:
            if pool and rng.random() < 0.3:  # some new customers order twice
                return rng.choice(pool)
            taken = {c["name"] for c in pool} | set(self.demo.customers)
            while True:
                person = self.new_en() if store == "home" else self.new_ru()
                if person["name"] not in taken:
                    pool.append(person)
                    return person
        known = self.demo.customers[rng.choice(STORE_CUSTOMERS[store])]
        return {k: known[k] for k in ("name", "phone", "email", "city", "address") if k in known}

    def new_en(self) -> dict:
        rng = self.rng
        first, last = rng.choice(EN_FIRST), rng.choice(EN_LAST)
        city, prefix = rng.choice(EN_CITIES)
        return {
            "name": f"{first} {last}",
            "phone": f"+44 {prefix} {rng.randrange(100, 1000):04d}",
            "email": f"{first}.{last}{rng.randrange(10, 99)}@example.com".lower(),
            "city": city,
            **address_of(f"{first} {last}", city, EN_STREETS, "{n} {street}, {city}"),
        }

    def new_ru(self) -> dict:
        rng = self.rng
        male, female, latin = rng.choice(RU_SURNAMES)
        if rng.random() < 0.5:
            name, suffix = f"{rng.choice(RU_MALE)} {male}", ""
        else:
            name, suffix = f"{rng.choice(RU_FEMALE)} {female}", "a"
        number = rng.randrange(1_000_000)
        phone = f"+7 9{rng.randrange(10, 99)} {number // 10000:03d}-{number // 100 % 100:02d}-{number % 100:02d}"
        return {
            "name": name,
            "phone": phone,
            "email": f"{latin}{suffix}{rng.randrange(1, 999)}@example.ru",
            "city": (city := rng.choice(RU_CITIES)),
            **address_of(name, RU_CITY_NAMES[city], RU_STREETS, "г. {city}, ул. {street}, д. {n}, кв. {flat}"),
        }

    # --- what ------------------------------------------------------------------------
    def items(self, store: str, kind: str, company: bool) -> list[dict]:
        rng = self.rng
        goods = {"home": HOME_GOODS, "dom": DOM_GOODS, "print": PRINT_GOODS}[store]
        digital = {"home": HOME_DIGITAL, "dom": DOM_DIGITAL, "print": PRINT_DIGITAL}[store]
        custom = {"home": HOME_CUSTOM, "dom": DOM_CUSTOM, "print": PRINT_CUSTOM}[store]
        lines: list[tuple[str, str, int, Decimal]] = []
        if kind == "topup_person":
            sku, name = TOPUP_PERSON
            lines.append((sku, name, 1, Decimal(rng.choice(["1000", "2000", "3000", "5000"]))))
        elif kind == "topup_company":
            sku, name = TOPUP_COMPANY
            lines.append((sku, name, 1, Decimal(rng.choice(["10000", "15000", "25000", "50000"]))))
        elif kind == "digital":
            sku, name, price = rng.choice(digital)
            lines.append((sku, name, rng.choice([1, 1, 1, 2]), Decimal(price)))
        elif kind == "quick":
            sku, name, price = rng.choice(goods)
            lines.append((sku, name, 1, Decimal(price)))
        elif kind == "custom":
            sku, name, (lo, hi) = rng.choice(custom)
            step = Decimal("10") if store == "home" else Decimal("100")
            price = Decimal(lo) + step * rng.randrange(int((Decimal(hi) - Decimal(lo)) / step))
            lines.append((sku, name, 1, price))
            if rng.random() < 0.3:
                sku, name, extra = rng.choice(goods)
                lines.append((sku, name, 1, Decimal(extra)))
        else:
            count = rng.choices([1, 2, 3, 4, 5], weights=[35, 30, 20, 10, 5])[0]
            for sku, name, price in rng.sample(goods, count):
                qty = rng.choices([1, 2, 3, 5, 10], weights=[60, 20, 8, 6 if company else 2, 6 if company else 1])[0]
                lines.append((sku, name, qty, Decimal(price)))
        result = []
        for sku, name, qty, price in lines:
            discount = Decimal("0")
            if kind not in ("topup_person", "topup_company") and rng.random() < 0.12:
                rate = Decimal(rng.choice(["0.05", "0.10", "0.15"]))
                discount = (qty * price * rate).quantize(CENT)
            result.append(
                {
                    "sku": sku,
                    "name": name,
                    "qty": qty,
                    "price": money(price),
                    "discount": money(discount) if discount else "0",
                }
            )
        return result

    def payment(self, kind: str, company: bool) -> str:
        rng = self.rng
        if kind == "topup_company" or (company and rng.random() < 0.6):
            return "bank_transfer"
        if kind in ("topup_person", "digital"):
            return rng.choice(["card", "online", "online"])
        return weighted(rng, PAYMENT)

    def delivery(self, store: str, kind: str, payment: str) -> str:
        if kind in ("digital", "topup_person", "topup_company"):
            return "pickup"  # nothing to ship
        while True:
            method = weighted(self.rng, DELIVERY[store])
            if not (payment == "cash" and method == "post" and self.rng.random() < 0.7):
                return method  # cash on delivery by post is rare

    def status(
        self, store: str, kind: str, payment: str, delivery: str, created: datetime
    ) -> tuple[str, datetime] | None:
        rng = self.rng
        stages = [
            s
            for s in self.demo.stages[store][1:]
            if self.demo.applies(s, payment, delivery)
            and not (
                store == "print" and kind not in ("regular", "quick", "custom") and s["code"] in PRINT_PHYSICAL_ONLY
            )
        ]
        age_days = (END - created) / timedelta(days=1)
        weights = []
        for stage in stages:
            if stage["kind"] == "final":  # nothing is finished within a couple of days
                weights.append(12 if age_days > 20 else 1 if age_days > 2 else 0)
            elif stage["kind"] == "cancelled":
                weights.append(4 if age_days > 10 else 1)
            elif stage["kind"] == "side":
                weights.append(1)
            else:
                weights.append(2 if age_days > 20 else 6)
        stage = rng.choices(stages, weights=weights)[0]
        # Entered a little after creation: minutes for fresh orders, days for old ones.
        span = (END - created).total_seconds()
        share = rng.uniform(0.05, 0.6) if stage["kind"] == "open" else rng.uniform(0.2, 0.9)
        entered = created + timedelta(seconds=max(300, int(min(span * share, 30 * 86400))))
        if entered >= END:
            entered = created + timedelta(seconds=max(60, int(span / 2)))
        return stage["code"], entered.replace(microsecond=0)

    def manager(self, store: str, customer: dict) -> str | None:
        if self.rng.random() >= MANAGER_SHARE:
            return None
        eligible = self.demo.managers[store]
        known = self.demo.customers.get(customer["name"])
        if known and known.get("manager") in eligible:
            return known["manager"]
        return self.rng.choice(eligible)

    def order(self, store: str, *, old: bool, night: bool, today: bool = False) -> dict:
        rng = self.rng
        created = self.created_at(store, old=old, night=night, today=today)
        customer = self.customer(store)
        known = self.demo.customers.get(customer["name"])
        company = bool(known and known.get("kind") == "company")
        kind = weighted(rng, TYPES[store])
        if company and kind == "topup_person":
            kind = "topup_company"
        elif not company and kind == "topup_company":
            kind = "topup_person"
        channel = weighted(rng, CHANNELS[store])
        items = self.items(store, kind, company)
        payment = self.payment(kind, company)
        delivery = self.delivery(store, kind, payment)
        subtotal = sum(Decimal(i["qty"]) * Decimal(i["price"]) - Decimal(i["discount"]) for i in items)
        discount = Decimal("0")
        if kind not in ("topup_person", "topup_company") and rng.random() < 0.1:
            discount = Decimal(rng.choice(ORDER_DISCOUNTS[store]))
            if discount * 2 > subtotal:
                discount = Decimal("0")
        cost = self.demo.delivery_price[delivery]
        order = {
            "number": None,
            "store": store,
            "channel": channel,
            "type": kind,
            "created_at": iso(created),
            "customer": customer,
            "items": items,
            "payment_method": payment,
            "delivery": {"method": delivery, "cost": money(cost)},
            "discount": money(discount),
            "manager": self.manager(store, customer),
            "status": None,
        }
        if rng.random() < STATUS_SHARE:
            code, entered = self.status(store, kind, payment, delivery, created)
            order["status"] = code
            order["status_entered_at"] = iso(entered)
        if rng.random() < TOTAL_SHARE:
            order["total"] = money(subtotal - discount + cost)
        return order


DAY = timedelta(days=1)
OPEN_FOR = timedelta(days=14)  # a real desk: what is older than two weeks is finished or cancelled
LATE_PER_STORE = 4  # a handful of late orders in each store
POOL_AGE = timedelta(days=5)
BUSY = timedelta(days=30)  # unassigned orders are of the last days
# orderdesk.files.sample.shift_to presses the last 20 hours into today and moves older times by whole
# days (up to one day further back): a stage entered in those 20 hours stays within its limit, an older
# one must leave a day to spare, and a late one lies before them so that it stays late.
FRESH = timedelta(hours=19)
SPARE = timedelta(hours=26)


def duration(text: str) -> timedelta:
    units = {"m": timedelta(minutes=1), "h": timedelta(hours=1), "d": DAY, "w": 7 * DAY}
    return units[text[-1]] * int(text[:-1])


def chance(order: dict, what: str) -> random.Random:
    """A random stream of one order for one decision: changing one decision leaves the others be."""
    return random.Random(f"{SEED}:{order['number']}:{what}")


def at_work(demo: Demo, orders: list[dict]) -> None:
    """A normal working day at the newest order (issue 14): what is older than two weeks is finished
    (delivered, completed, issued: paid) or cancelled; the open orders are of the last days and within
    their stage's limit but for a handful per store, a few hours to a few days over; the orders of the
    last days that nobody has taken yet are each store's pool; the contractor pavel prints orders of
    Печатный двор (some due soon, one late); what has passed the payment stage is paid. A random stream
    of its own, so the orders made before keep their numbers, customers and goods."""
    now = max(datetime.fromisoformat(o["created_at"]) for o in orders)
    groups = {g["code"]: g for g in demo.config["groups"]}
    # busier lately: the orders of the last 30 days (but the last one) are drawn towards today, in the same order
    for order in orders:
        age = now - datetime.fromisoformat(order["created_at"])
        if DAY < age < BUSY:
            drawn = DAY + (BUSY - DAY) * ((age - DAY) / (BUSY - DAY)) ** 2
            order["created_at"] = iso((now - drawn).replace(microsecond=0))
    # and the newest three of each store came in within the last hour: just received
    for store in demo.stores:
        newest = sorted((o for o in orders if o["store"] == store), key=lambda o: o["created_at"])[-3:]
        for rank, order in enumerate(reversed(newest)):
            moved = now - timedelta(minutes=12 * rank + 3 + chance(order, "received").randrange(9))
            order["created_at"] = iso(max(datetime.fromisoformat(order["created_at"]), moved))

    def managers(order: dict) -> list[str]:
        return [
            login
            for login in demo.managers[order["store"]]
            if any(
                groups[g]["process_orders"]
                and order["store"] in groups[g]["stores"]
                and (not groups[g]["channels"] or order["channel"] in groups[g]["channels"])
                for g in demo.employees[login]["groups"]
            )
        ]

    def stages(order: dict) -> list[dict]:
        return [
            s
            for s in demo.stages[order["store"]]
            if demo.applies(s, order["payment_method"], order["delivery"]["method"])
            and not (order["store"] == "print" and order["type"] not in ("regular", "quick", "custom")
                     and s["code"] in PRINT_PHYSICAL_ONLY)
        ]  # fmt: skip

    def set_status(order: dict, stage: dict, entered: datetime) -> None:
        first = demo.stages[order["store"]][0]
        order["status"] = None if stage is first else stage["code"]
        order.pop("status_entered_at", None)
        if stage is not first:
            order["status_entered_at"] = iso(entered.replace(microsecond=0))

    def on_time(order: dict, limit: timedelta, created: datetime) -> datetime:
        rng = chance(order, "entered")
        if limit <= FRESH + SPARE:
            back = rng.uniform(0.05, 0.9) * min(limit, FRESH)
        else:
            back = rng.uniform(0.05, 1.0) * (limit - SPARE)
        return max(now - back, created + timedelta(minutes=rng.randint(3, 40)))

    by_store: dict[str, list[dict]] = {}
    for order in orders:
        order.pop("contractor", None)
        order.pop("payment_status", None)
        by_store.setdefault(order["store"], []).append(order)
    for store_orders in by_store.values():
        open_orders = []
        for order in store_orders:
            created = datetime.fromisoformat(order["created_at"])
            age = now - created
            pipeline = stages(order)
            first, final = pipeline[0], next(s for s in pipeline if s["kind"] == "final")
            cancelled = next(s for s in pipeline if s["kind"] == "cancelled")
            later = [s for s in pipeline[1:] if s["kind"] == "open"]
            days = age / DAY
            done = 1.0 if age > OPEN_FOR else 0.15 + 0.55 * max(0.0, days - 2) / 12 if days > 2 else 0.0
            rng = chance(order, "status")
            roll = rng.random()
            if roll < done * 0.88:
                took = min(age - timedelta(hours=1), timedelta(hours=rng.uniform(6, 24 * 9)))
                set_status(order, final, created + took)
            elif roll < done:
                set_status(order, cancelled, created + min(age / 2, timedelta(hours=rng.uniform(1, 60))))
            elif age < duration(first["time_limit"]) * 0.8:
                set_status(order, first, created)
                open_orders.append(order)
            else:
                # further along the older it is
                reach = max(1, min(len(later), round(len(later) * min(1.0, days / 6 + rng.uniform(0, 0.5)))))
                stage = rng.choice(later[:reach])
                set_status(order, stage, on_time(order, duration(stage["time_limit"]), created))
                open_orders.append(order)
        # a handful late: a few hours to a few days over their stage's limit, entered before the last hours
        late = []
        rng = random.Random(f"{SEED}:{store_orders[0]['store']}:late")
        for order in rng.sample(open_orders, len(open_orders)):
            if len(late) == LATE_PER_STORE:
                break
            created = datetime.fromisoformat(order["created_at"])
            stage = next(s for s in stages(order) if s["code"] == order["status"]) if order["status"] else None
            stage = stage or demo.stages[order["store"]][0]
            limit = duration(stage["time_limit"])
            entered = now - limit - timedelta(hours=rng.uniform(3, 60))
            entered = min(entered, now - FRESH - timedelta(hours=2))
            if stage is demo.stages[order["store"]][0] or entered <= created:
                continue
            order["status_entered_at"] = iso(entered.replace(microsecond=0))
            late.append(order)
        # who holds them: the orders of the last days nobody has taken are the pool, the rest have a manager;
        # the oldest just received at Home & Garden is already handed out (to anna, whom the README signs in)
        received = [o for o in open_orders if o["status"] is None and o["store"] == "home"]
        handed = min(received, key=lambda o: o["created_at"]) if received else None
        for order in store_orders:
            created = datetime.fromisoformat(order["created_at"])
            pool = (
                order in open_orders
                and now - created < POOL_AGE
                and (order["status"] is None or chance(order, "pool").random() < 0.7)
            )
            if pool and order is handed:  # the distribution just handed it to the store's first manager
                order["manager"] = next(m for m in managers(order) if "all-stores" not in demo.employees[m]["groups"])
            elif pool:
                order["manager"] = None
            elif order["manager"] not in managers(order):
                known = demo.customers.get(order["customer"]["name"])
                mine = known.get("manager") if known else None
                # the store's own managers by day; the night shift (any store) only for night orders
                own = [m for m in managers(order) if "all-stores" not in demo.employees[m]["groups"]]
                night = created.hour in (22, 23, 0, 1, 2, 3, 4, 5) or not own
                order["manager"] = (
                    mine
                    if mine in managers(order)
                    else chance(order, "manager").choice(managers(order) if night else own)
                )
    production = ("in_print", "printed")
    finished = {s["code"] for stages_ in demo.stages.values() for s in stages_ if s["kind"] == "final"}
    # pavel's desk: print orders of the last days in production, one of them late
    candidates = [
        o for o in orders
        if o["store"] == "print" and o["type"] in ("regular", "quick", "custom")
        and o["status"] not in finished and o["status"] != "cancelled"
        and timedelta(hours=6) < now - datetime.fromisoformat(o["created_at"]) < timedelta(days=12)
    ]  # fmt: skip
    rng = random.Random(f"{SEED}:pavel")
    chosen = sorted(rng.sample(candidates, min(7, len(candidates))), key=lambda o: o["created_at"])  # oldest late
    for n, order in enumerate(chosen):
        created = datetime.fromisoformat(order["created_at"])
        order["status"] = production[n % 3 == 2]
        limit = duration(next(s for s in demo.stages["print"] if s["code"] == order["status"])["time_limit"])
        if n == 0:
            entered = min(now - limit - timedelta(hours=rng.uniform(3, 20)), now - FRESH - timedelta(hours=2))
            entered = max(entered, created + timedelta(minutes=30))
        else:
            entered = on_time(order, limit, created)
        order["status_entered_at"] = iso(entered.replace(microsecond=0))
    for order in orders:
        if order["store"] == "print" and order["status"] in (*production, "misprinted"):
            order["contractor"] = "pavel"
        stage_list = demo.stages[order["store"]]
        codes = [s["code"] for s in stage_list]
        gate = [i for i, s in enumerate(stage_list) if s.get("requires_payment")
                and demo.applies(s, order["payment_method"], order["delivery"]["method"])]  # fmt: skip
        here = codes.index(order["status"]) if order["status"] else 0
        kind = stage_list[here]["kind"]
        prepaid = (
            order["payment_method"] == "online"
            and not (gate and here == gate[0])
            and chance(order, "paid").random() < 0.5
        )
        if kind == "final" or (kind == "open" and (prepaid or (gate and here > gate[0]))):
            order["payment_status"] = "paid"
        else:
            order.pop("payment_status", None)


def generate_json(gen: Generator) -> list[dict]:
    rng = gen.rng
    orders = []
    for store, count in ORDERS_PER_STORE.items():
        old = set(rng.sample(range(count), int(count * OLD_SHARE)))
        today = set(rng.sample(sorted(set(range(count)) - old), int(count * TODAY_SHARE)))
        night = set(rng.sample(range(count), int(count * NIGHT_SHARE)))
        batch = [gen.order(store, old=i in old, night=i in night, today=i in today) for i in range(count)]
        batch.sort(key=lambda o: o["created_at"])
        for n, order in enumerate(batch, start=1001):
            order["number"] = f"{PREFIX[store]}-{n}"
        orders.extend(batch)
    orders.sort(key=lambda o: (o["created_at"], o["number"]))
    at_work(gen.demo, orders)
    return orders


CSV_COLUMNS = [
    "number",
    "store",
    "channel",
    "type",
    "created_at",
    "status",
    "manager",
    "customer_name",
    "customer_phone",
    "customer_email",
    "customer_city",
    "customer_address",
    "payment_method",
    "delivery_method",
    "delivery_cost",
    "discount",
    "total",
    "sku",
    "item_name",
    "qty",
    "price",
    "item_discount",
]


def generate_csv(gen: Generator) -> list[dict]:
    """A small CSV sample: one row per item, order fields repeated; numbers from 5001."""
    plan = [("home", 4), ("dom", 3), ("print", 3)]
    rows = []
    for store, count in plan:
        batch = [gen.order(store, old=False, night=False) for _ in range(count)]
        batch.sort(key=lambda o: o["created_at"])
        for n, order in enumerate(batch, start=5001):
            order["number"] = f"{PREFIX[store]}-{n}"
            for item in order["items"]:
                rows.append(
                    {
                        "number": order["number"],
                        "store": store,
                        "channel": order["channel"],
                        "type": order["type"],
                        "created_at": order["created_at"],
                        "status": order["status"] or "",
                        "manager": order["manager"] or "",
                        "customer_name": order["customer"]["name"],
                        "customer_phone": order["customer"]["phone"],
                        "customer_email": order["customer"]["email"],
                        "customer_city": order["customer"]["city"],
                        "customer_address": order["customer"].get("address", ""),
                        "payment_method": order["payment_method"],
                        "delivery_method": order["delivery"]["method"],
                        "delivery_cost": order["delivery"]["cost"],
                        "discount": order["discount"],
                        "total": order.get("total", ""),
                        "sku": item["sku"],
                        "item_name": item["name"],
                        "qty": item["qty"],
                        "price": item["price"],
                        "item_discount": item["discount"],
                    }
                )
    return rows


def main() -> None:
    demo = Demo(tomllib.loads(CONFIG.read_text(encoding="utf-8")))
    gen = Generator(demo, random.Random(SEED))
    orders = generate_json(gen)
    with JSON_OUT.open("w", encoding="utf-8", newline="\n") as out:
        out.write("[\n")
        out.write(",\n".join(json.dumps(o, ensure_ascii=False) for o in orders))
        out.write("\n]\n")
    rows = generate_csv(gen)
    with CSV_OUT.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(
        f"wrote {len(orders)} orders to {JSON_OUT.name}, "
        f"{len({r['number'] for r in rows})} orders ({len(rows)} rows) to {CSV_OUT.name}"
    )


if __name__ == "__main__":
    main()
