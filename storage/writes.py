"""Writes of many rows at once, and the statements whose SQL differs by database.

Use cases decide; these functions only write what they are given (plain ids, dicts and tables), so
the raw SQL, the driver-level executemany and every dialect branch stay here (DESIGN.md §2).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime
from itertools import repeat
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, bindparam, delete, func, insert, select, update
from sqlalchemy.exc import DBAPIError

from storage.models import Customer, Employee, Order

_orders = Order.__table__  # type: ignore[attr-defined]


class BulkWriter:
    """executemany straight to the DBAPI cursor, in the driver's own placeholder style, with values
    already in their database form: the per-row work SQLAlchemy would repeat is done once."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection
        self.dialect = connection.dialect
        self.placeholder = "?" if self.dialect.paramstyle == "qmark" else "%s"

    def many(self, sql: str, rows: Sequence[Sequence[Any]]) -> int:
        """`sql` with `{}` where each value goes; returns the rows changed."""
        if not rows:
            return 0
        statement = sql.format(*[self.placeholder] * sql.count("{}"))
        cursor = self.connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        driver_error = self.dialect.loaded_dbapi.Error
        try:
            cursor.executemany(statement, rows)
            return cursor.rowcount
        except driver_error as exc:  # as SQLAlchemy's own statements raise it: callers catch DBAPIError
            raise DBAPIError.instance(statement, None, exc, driver_error, dialect=self.dialect) from exc
        finally:
            cursor.close()

    def insert(self, table: Table, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any] | None = None) -> int:
        """INSERT rows that all have the same keys, given as the ORM takes them (aware times, dicts for
        JSON), each with the `shared` values too: each column's value is put in its database form by
        the column's own type, once for a shared value or one the row before had too. None is SQL
        NULL, in a JSON column too."""
        if not rows:
            return 0
        names = list(rows[0])
        columns: list[Iterable[Any]] = []
        for name in names:
            values = [row[name] for row in rows]
            process = self._processor(table.c[name].type)
            columns.append(values if process is None else _converted(values, process))
        for name, value in (shared or {}).items():
            if name not in rows[0]:
                names.append(name)
                columns.append(repeat(self.value(table.c[name], value)))
        return self.insert_encoded(table, names, list(zip(*columns, strict=False)))

    def insert_encoded(self, table: Table, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """INSERT rows of values already in their database form (`value`), one for each of `names`."""
        quote = self.dialect.identifier_preparer.quote
        sql = (f"INSERT INTO {self.dialect.identifier_preparer.format_table(table)} "
               f"({', '.join(quote(n) for n in names)}) VALUES ({', '.join(['{}'] * len(names))})")  # fmt: skip
        return self.many(sql, rows)

    def value(self, column: Any, value: Any) -> Any:
        """One value in the database form of `column` (a table's column)."""
        process = self._processor(column.type)
        return value if process is None or value is None else process(value)

    def _processor(self, column_type: Any) -> Callable[[Any], Any] | None:
        # the dialect's own form of the type, as SQLAlchemy binds it (SQLite: times as text with
        # microseconds, like every other writer's; PostgreSQL: JSON as the driver's JSON)
        return column_type.dialect_impl(self.dialect).bind_processor(self.dialect)  # type: ignore[no-any-return]


def _converted(values: list[Any], process: Callable[[Any], Any]) -> list[Any]:
    """`process` each value, once for each object however often it comes (one time, one shared
    `before`, the traces a backlog pass's decisions share); None stays None (SQL NULL, in a JSON
    column too)."""
    done: dict[int, Any] = {}  # by id(): the values are alive in `values` all along
    out = []
    for value in values:
        if value is None:
            out.append(None)
            continue
        key = id(value)
        converted = done.get(key, _MISSING)
        if converted is _MISSING:
            converted = done[key] = process(value)
        out.append(converted)
    return out


_MISSING = object()


# ---------------------------------------------------------------------------------- inserts


def bulk_insert(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any] | None = None
) -> int:
    """`BulkWriter.insert`: rows with the same keys (and the `shared` values), straight to the driver
    (a pass writes 100,000 audit rows)."""
    return BulkWriter(connection).insert(table, rows, shared)


def insert_rows(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """One executemany INSERT through SQLAlchemy Core (not the ORM's bulk path: nothing to track)."""
    if rows:
        connection.execute(insert(table), list(rows))


def insert_returning_ids(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """INSERT the rows and return their new ids, in the order of `rows`."""
    if not rows:
        return []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    return list(connection.execute(statement, list(rows)).scalars().all())


def insert_ignoring_duplicates(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], keys: Sequence[str]
) -> int:
    """INSERT the rows; one whose `keys` (a unique constraint's columns) are already there is skipped.
    Returns how many were inserted."""
    if not rows:
        return 0
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = dialect_insert(table).on_conflict_do_nothing(index_elements=list(keys))
    return connection.execute(statement, dict(rows[0]) if len(rows) == 1 else list(rows)).rowcount


# ---------------------------------------------------------------------------------- orders


def set_managers_where_unassigned(connection: Connection, pairs: Iterable[tuple[int, int]]) -> int:
    """(manager id, order id): set each order's manager, only where it has none yet; returns how many
    orders took their manager. A few (one arriving order, a take): one executemany; a backlog: one
    UPDATE from a temporary table (`update_from`), since SQLite checks the foreign keys of every
    statement executed and an executemany is one statement a row."""
    rows = sorted(((order_id, manager_id) for manager_id, order_id in pairs), key=itemgetter(0))
    if len(rows) < SET_BASED_FROM:
        return BulkWriter(connection).many(
            "UPDATE orders SET manager_id = {} WHERE id = {} AND manager_id IS NULL", [(m, o) for o, m in rows]
        )
    return update_from(connection, "orders", "manager_id", "integer", rows, only_where_null=True)


def _copy_rows(connection: Connection, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """PostgreSQL: the rows into `table` by COPY (psycopg 3), the fastest way in."""
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
    finally:
        cursor.close()


SET_BASED_FROM = 100  # rows; fewer are cheaper by executemany than through a temporary table


def update_from(
    connection: Connection, table: str, column: str, sql_type: str, rows: Sequence[tuple[int, Any]],
    *, only_where_null: bool = False,
) -> int:  # fmt: skip
    """(row id, value), ids unique and ascending: set `column` of each row of `table` in one UPDATE …
    FROM a temporary table filled by one executemany (values in their database form; `sql_type`
    the column's type for PostgreSQL). With `only_where_null`, only rows whose column is still
    NULL change. Returns the rows changed. The temporary table goes with the statement (SQLite: it
    is dropped; PostgreSQL: ON COMMIT DROP as well, for a transaction that fails before; a failed
    SQLite transaction rolls its creation back)."""
    if not rows:
        return 0
    postgres = connection.dialect.name == "postgresql"
    temp = f"set_{table}_{column}"
    if postgres:
        connection.exec_driver_sql(f"CREATE TEMP TABLE {temp} (id integer, value {sql_type}) ON COMMIT DROP")
    else:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS temp.{temp}")
        connection.exec_driver_sql(f"CREATE TEMP TABLE {temp} (id INTEGER PRIMARY KEY, value)")
    if postgres:
        _copy_rows(connection, temp, ("id", "value"), rows)
        connection.exec_driver_sql(f"ANALYZE {temp}")
    else:
        BulkWriter(connection).many(f"INSERT INTO {temp} (id, value) VALUES ({{}}, {{}})", rows)
    where = f" AND {table}.{column} IS NULL" if only_where_null else ""
    changed = connection.exec_driver_sql(
        f"UPDATE {table} SET {column} = t.value FROM {temp} AS t WHERE {table}.id = t.id{where}"
    ).rowcount
    connection.exec_driver_sql(f"DROP TABLE {temp}")
    return changed


def set_overdue(connection: Connection, order_ids: Sequence[int]) -> None:
    """Flag the orders overdue, those not flagged yet."""
    if order_ids:
        not_yet = _orders.c.overdue == False  # noqa: E712
        statement = update(_orders).where(_orders.c.id == bindparam("oid"), not_yet).values(overdue=True)
        connection.execute(statement, [{"oid": order_id} for order_id in order_ids])


def update_orders(
    connection: Connection,
    changes: Sequence[tuple[int, Mapping[str, Any]]],
    *,
    expect_status: Sequence[str] | None = None,
) -> None:
    """(order id, new column values): one executemany per set of columns changed. With `expect_status`
    (one per change), an order is changed only while it is still in that status."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for index, (order_id, values) in enumerate(changes):
        params = {"oid": order_id} | {f"v_{c}": v for c, v in values.items()}
        if expect_status is not None:
            params["expect_status"] = expect_status[index]
        shapes.setdefault(tuple(values), []).append(params)
    for columns, params in shapes.items():
        where = [_orders.c.id == bindparam("oid")]
        if expect_status is not None:
            where.append(_orders.c.status == bindparam("expect_status"))
        statement = update(_orders).where(*where).values({c: bindparam(f"v_{c}") for c in columns})
        connection.execute(statement, params)


# ---------------------------------------------------------------------------------- people


def lock_employees(
    connection: Connection, employee_ids: Iterable[int] | None = None, *, skip_locked: bool = False
) -> frozenset[int]:
    """Hold these employees' rows (every employee's, with None) until the transaction ends, so that
    what is decided about a manager's load (a claim, an assignment, a distribution pass) is decided
    by one desk at a time: the second waits for the first's commit, then reads the load it left.

    The rows are taken in id order (two desks locking overlapping sets never deadlock), `FOR NO KEY
    UPDATE`: it excludes the other lockers and every UPDATE of the row, but not the inserts whose
    foreign key names the employee (audit rows, orders, logins), which take a key-share lock only.
    `skip_locked` takes only the rows no one else holds now and returns the ids of the others (a
    pass leaves those managers out instead of waiting: it may already hold rows a waiting desk needs).
    SQLite: nothing to do, a write transaction (BEGIN IMMEDIATE) already holds the whole database."""
    if connection.dialect.name == "sqlite":
        return frozenset()
    ids = None if employee_ids is None else sorted(set(employee_ids))
    if ids == []:
        return frozenset()
    table = Employee.__table__  # type: ignore[attr-defined]
    query = select(table.c.id).order_by(table.c.id).with_for_update(key_share=True, skip_locked=skip_locked)
    if ids is not None:
        query = query.where(table.c.id.in_(ids))
    held = set(connection.execute(query).scalars())
    if not skip_locked:
        return frozenset()
    wanted = set(ids) if ids is not None else set(connection.execute(select(table.c.id)).scalars())
    return frozenset(wanted - held)


def set_last_assigned(connection: Connection, employee_ids: Iterable[int], at: datetime) -> None:
    """The managers were given an order at `at` (the carousel's order, D3): one UPDATE."""
    ids = sorted(set(employee_ids))
    if ids:
        table = Employee.__table__  # type: ignore[attr-defined]
        connection.execute(update(table).where(table.c.id.in_(ids)).values(last_assigned_at=at))


def delete_customers_without_orders(connection: Connection, customer_ids: Sequence[int]) -> int:
    """Delete those of these customers no order names (cards an import made for orders it then had
    to skip); returns how many went."""
    if not customer_ids:
        return 0
    customers, orders = Customer.__table__, _orders  # type: ignore[attr-defined]
    unused = ~select(orders.c.id).where(orders.c.customer_id == customers.c.id).exists()
    deleted = 0
    ids = sorted(set(customer_ids))
    for start in range(0, len(ids), 500):
        deleted += connection.execute(
            delete(customers).where(customers.c.id.in_(ids[start : start + 500]), unused)
        ).rowcount
    return deleted


def set_customer_managers(connection: Connection, managers: Mapping[int, int | None]) -> None:
    """Customer id -> responsible manager's employee id: an executemany for a few, one UPDATE from a
    temporary table for a pass's thousands (`update_from`)."""
    rows = sorted(managers.items(), key=itemgetter(0))
    if len(rows) < SET_BASED_FROM:
        BulkWriter(connection).many("UPDATE customer SET manager_id = {} WHERE id = {}", [(m, c) for c, m in rows])
    else:
        update_from(connection, "customer", "manager_id", "integer", rows)


# ---------------------------------------------------------------------------------- task rules


def insert_new_returning(
    connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]], *, keys: Sequence[str],
    returning: Sequence[str],
) -> list[Any]:  # fmt: skip
    """INSERT the rows, skipping those whose `keys` (a unique constraint's columns) are already there;
    returns the `returning` columns of the rows that were new, in no particular order. Two writers
    racing on one key: the second waits for the first's commit (the unique index), then skips it."""
    if not rows:
        return []
    if connection.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    statement = (
        dialect_insert(table)
        .on_conflict_do_nothing(index_elements=list(keys))
        .returning(*(table.c[name] for name in returning))
    )
    return list(connection.execute(statement, list(rows)).all())


def update_by_id(connection: Connection, table: Table, changes: Sequence[tuple[int, Mapping[str, Any]]],
                 *, where: Mapping[str, Any] | None = None) -> int:  # fmt: skip
    """(row id, new column values), one executemany per set of columns; with `where`, a row is
    changed only while those columns still hold those values. Returns the rows changed."""
    shapes: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row_id, values in changes:
        shapes.setdefault(tuple(values), []).append({"rid": row_id} | {f"v_{c}": v for c, v in values.items()})
    changed = 0
    for columns, params in shapes.items():
        condition = [table.c.id == bindparam("rid")] + [table.c[c] == v for c, v in (where or {}).items()]
        statement = update(table).where(*condition).values({c: bindparam(f"v_{c}") for c in columns})
        changed += connection.execute(statement, params).rowcount
    return changed


def insert_with_ids(connection: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> list[int]:
    """INSERT the rows (same keys) and return their new ids, in the order of `rows`. SQLite cannot
    say which RETURNING row is which of a multi-row INSERT, so SQLAlchemy would send one INSERT a row;
    there the write transaction (BEGIN IMMEDIATE) holds the lock, so the ids are given from the
    largest one and the rows go in one driver executemany. PostgreSQL: INSERT … RETURNING in pages."""
    if not rows:
        return []
    if connection.dialect.name != "sqlite":
        return insert_returning_ids(connection, table, rows)
    first = (connection.execute(select(func.max(table.c.id))).scalar() or 0) + 1
    ids = list(range(first, first + len(rows)))
    BulkWriter(connection).insert(table, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
    return ids


def set_json(connection: Connection, table: Table, column: str, values: Sequence[tuple[int, Any]]) -> None:
    """(row id, value): set one JSON (or any) column of each row, one driver executemany."""
    bulk = BulkWriter(connection)
    quote = bulk.dialect.identifier_preparer.quote
    bulk.many(
        f"UPDATE {bulk.dialect.identifier_preparer.format_table(table)} SET {quote(column)} = {{}} WHERE id = {{}}",
        [(bulk.value(table.c[column], value), row_id) for row_id, value in values],
    )


# ---------------------------------------------------------------------------------- configuration generation


def bump_config_generation(connection: Connection) -> None:
    """The configuration changed in this transaction: move its generation number on, so that every
    process's cache (its own at its next read, others' at theirs) reads it again once this commits."""
    connection.exec_driver_sql("UPDATE config_generation SET generation = generation + 1 WHERE id = 1")
