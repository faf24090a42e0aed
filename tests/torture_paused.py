"""The orderdesk command line stopped in the middle of its transaction, for a test to kill it there
(tests/test_torture.py).

    python -m tests.torture_paused PATTERN COUNT -- CLI ARGS...

It stops for good just before the COUNT-th SQL statement that matches PATTERN (a regular
expression) is sent, after printing PAUSED on stdout; storage's bulk writes, which go straight to
the driver, are looked at too. TORTURE_CHUNK makes the distribution pass and the import
decide and write that many orders at a time (a large pass or file in several chunks, as 100,000
orders would be, at a size a test can afford).
"""

from __future__ import annotations

import os
import re
import signal
import sys
from typing import Any


def paused(pattern: str, count: int, cli_args: list[str]) -> None:
    from sqlalchemy import event
    from sqlalchemy.engine import Engine

    from storage.writes import BulkWriter

    matcher, seen = re.compile(pattern, re.IGNORECASE | re.DOTALL), [0]

    def looked_at(statement: str) -> None:
        if matcher.search(statement):
            seen[0] += 1
            if seen[0] == count:
                sys.stdout.write("PAUSED\n")
                sys.stdout.flush()
                while True:
                    signal.pause()  # until the caller's SIGKILL

    @event.listens_for(Engine, "before_cursor_execute")
    def _statement(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        looked_at(statement)

    many = BulkWriter.many

    def bulk(self: BulkWriter, sql: str, rows: Any) -> int:  # storage's bulk writes go straight to the driver
        if rows:
            looked_at(sql)
        return many(self, sql, rows)

    BulkWriter.many = bulk  # type: ignore[method-assign]

    if os.environ.get("TORTURE_CHUNK"):
        import orderdesk.usecases.assignment as assignment
        import orderdesk.usecases.import_orders as import_orders

        assignment.CHUNK = import_orders.BATCH = int(os.environ["TORTURE_CHUNK"])
    from orderdesk.cli.main import main

    sys.argv = ["orderdesk", *cli_args]
    main()


if __name__ == "__main__":
    paused(sys.argv[1], int(sys.argv[2]), sys.argv[4:] if sys.argv[3:4] == ["--"] else sys.argv[3:])
