"""Where the SMTP password comes from: never the `setting` table, which every desk reads.

In this order: the environment of the process that sends mail (ORDERDESK_SMTP_PASSWORD), else the
file the setting `smtp.password_file` names (an absolute path; refused when missing, empty, or open
to anyone but its owner: chmod 600). A password stored in the table by an older orderdesk is still
read, last, so that upgrading does not stop the mail, but every delivery that uses it logs a warning
and `orderdesk settings show` says so, until `orderdesk settings set smtp.password ""` removes it.
"""

from __future__ import annotations

import logging
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session

from orderdesk.clock import Clock
from orderdesk.config.schema import SmtpSettings
from orderdesk.policy.errors import InvalidInput
from orderdesk.usecases import audit
from storage.models import Setting

ENV = "ORDERDESK_SMTP_PASSWORD"
STORED_KEY = "smtp.password"  # the row older versions wrote
STORED_WARNING = (
    f"the SMTP password is stored in the database, where every desk can read it; put it in {ENV} or "
    f'smtp.password_file, then remove it with `orderdesk settings set smtp.password ""`'
)
# a child of the scheduler's logger: the terminal desk silences that one (no lines over the screen)
log = logging.getLogger("orderdesk.scheduler.mail")


@dataclass(frozen=True)
class SmtpPassword:
    value: str
    source: str  # "environment", "file", "database" (an older version's row), "none"


def stored_password(*, session: Session) -> str | None:
    """The password an older version kept in the `setting` table, None if there is none."""
    row = session.get(Setting, STORED_KEY)
    value = row.value if row is not None else None
    return value if isinstance(value, str) and value else None


def smtp_password(*, smtp: SmtpSettings, stored: str | None, environ: Mapping[str, str] = os.environ) -> SmtpPassword:
    """The password to log in to the SMTP server with; InvalidInput (one line, naming the setting or
    the file) when the named file cannot be used, or a login is set and no password is anywhere."""
    if environ.get(ENV):
        return SmtpPassword(environ[ENV], "environment")
    if smtp.password_file:
        return SmtpPassword(_read_password_file(smtp.password_file), "file")
    if stored:
        log.warning("orderdesk: warning: %s", STORED_WARNING)
        return SmtpPassword(stored, "database")
    if smtp.username:
        raise InvalidInput(
            f"smtp.username is {smtp.username!r} but no password is given: set {ENV} or smtp.password_file"
        )
    return SmtpPassword("", "none")


def _read_password_file(name: str) -> str:
    path = Path(name).expanduser()
    where = f"smtp.password_file {path}"
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise InvalidInput(f"{where}: not a file")
        if os.name == "posix" and info.st_mode & 0o077:
            raise InvalidInput(
                f"{where}: others may open it (mode {stat.S_IMODE(info.st_mode):04o}); "
                f"only its owner may: chmod 600 {path}"
            )
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInput(f"{where}: no such file") from None
    except PermissionError:
        raise InvalidInput(f"{where}: permission denied (it must be readable by the user sending mail)") from None
    except UnicodeDecodeError:
        raise InvalidInput(f"{where}: not UTF-8 text") from None
    except OSError as exc:
        raise InvalidInput(f"{where}: {exc.strerror or exc}") from None
    password = text.splitlines()[0] if text.strip() else ""  # the first line, without its line break
    if not password:
        raise InvalidInput(f"{where}: the file is empty")
    return password


def clears_stored_password(key: str, value: str) -> bool:
    """`settings set smtp.password ""`: the one value of that key still taken, to remove the old row."""
    return key == STORED_KEY and value.strip() in ("", '""', "''")


def clear_stored_password(*, session: Session, clock: Clock) -> bool:
    """Remove the password an older version stored (audited, hidden); False if there was none."""
    row = session.get(Setting, STORED_KEY)
    if row is None:
        return False
    had = bool(row.value)
    session.delete(row)
    audit.record(
        session=session, at=clock.now(), rule="admin", action="setting.changed",
        before={STORED_KEY: "********" if had else ""}, after={STORED_KEY: None},
    )  # fmt: skip
    return True
