"""Password hashes (scrypt, from the standard library); passwords are never stored as given.

A stored hash carries its own parameters, `scrypt$N$r$p$salt$digest`, so a hash made at one cost
verifies at any other, and raising the cost later leaves the old hashes valid.

The cost of new hashes is N = 2**14 (r = 8, p = 1) unless the environment variable
ORDERDESK_PASSWORD_WORK gives another exponent: ORDERDESK_PASSWORD_WORK=4 hashes with N = 2**4.
Only the test suite sets it (tests/conftest.py, before anything hashes), so that its thousands of
hashes cost microseconds instead of a tenth of a second each; a desk never should. The variable is
read at every hash, not at import.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from orderdesk.policy.errors import InvalidInput

WORK_VARIABLE = "ORDERDESK_PASSWORD_WORK"
DEFAULT_WORK = 14  # N = 2**14: about 0.1 s and 16 MiB per hash
_R, _P = 8, 1


def work() -> int:
    """The exponent of N for new hashes: DEFAULT_WORK, or ORDERDESK_PASSWORD_WORK when set (1 to 16)."""
    value = os.environ.get(WORK_VARIABLE, "").strip()
    if not value:
        return DEFAULT_WORK
    if not value.isdigit() or not 1 <= int(value) <= 16:
        raise InvalidInput(f"{WORK_VARIABLE} must be a whole number from 1 to 16, not {value!r}")
    return int(value)


def hash_password(password: str) -> str:
    n = 2 ** work()
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=n, r=_R, p=_P, maxmem=_maxmem(n, _R))
    return "$".join(["scrypt", str(n), str(_R), str(_P), _b64(salt), _b64(digest)])


def verify_password(password: str, stored: str) -> bool:
    """Whether `password` is the one `stored` was made from, at the parameters `stored` names."""
    return _verified(password, stored) is True


def password_matches(password: str, stored: str | None) -> bool:
    """Whether `password` is the one `stored` was made from, at the cost of one hash whatever
    `stored` is: with no stored hash (an unknown login, an account without a password) or one that
    is not ours, the password is hashed at the cost of a new hash all the same and then refused, so
    that a sign-in takes as long whichever part was wrong."""
    verified = _verified(password, stored) if stored else None
    if verified is None:
        n = 2 ** work()
        given = password.encode(errors="surrogatepass")  # what a hash of ours could not even take costs the same
        hashlib.scrypt(given, salt=secrets.token_bytes(16), n=n, r=_R, p=_P, maxmem=_maxmem(n, _R))
    return verified is True


def _verified(password: str, stored: str) -> bool | None:
    """Whether it matches; None when `stored` is not a hash of ours (and nothing was hashed)."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return None
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(expected),
            maxmem=_maxmem(int(n), int(r)),
        )
    except ValueError:  # not a hash of ours: a wrong field count, a number or base64 that is not one
        return None
    return hmac.compare_digest(actual, expected)


def _maxmem(n: int, r: int) -> int:
    # scrypt needs 128 * N * r bytes; OpenSSL's default ceiling (32 MiB) would refuse N = 2**15 and up.
    # Capped at what N = 2**16 needs: a stored hash asking for more is refused (ValueError), not run.
    return min(128 * n * r, 128 * 2**16 * _R) + 2**20


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
