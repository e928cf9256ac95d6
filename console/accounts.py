"""Staff accounts: Argon2 password hashes, roles, and a lock after repeated failed logins."""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from db.models import ROLES, StaffAccount, utcnow

MIN_PASSWORD = 12
LOCK_AFTER = 5
LOCK_FOR = dt.timedelta(minutes=15)
_hasher = PasswordHasher()
# Verified against when the user name is unknown, so that the answer takes as long.
_UNKNOWN_USER_HASH = _hasher.hash("no account has this password")


class AccountError(ValueError):
    """A staff account cannot be made or changed as asked (the message says why, in German)."""


@dataclass(frozen=True)
class Staff:
    """The logged-in person, as the console's pages see them."""

    username: str
    display_name: str
    role: str


def create_account(
    sessions: sessionmaker[Session], username: str, display_name: str, role: str, password: str
) -> Staff:
    if role not in ROLES:
        raise AccountError(f"Rolle muss eine von {', '.join(ROLES)} sein")
    if not username.isascii() or not username.replace(".", "").replace("-", "").isalnum():
        raise AccountError("Benutzername: nur Buchstaben, Ziffern, Punkt und Bindestrich")
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"Das Passwort braucht mindestens {MIN_PASSWORD} Zeichen")
    with sessions.begin() as session:
        if session.scalar(select(StaffAccount).where(StaffAccount.username == username)):
            raise AccountError(f"Das Konto {username} gibt es schon")
        session.add(StaffAccount(username=username, display_name=display_name, role=role,
                                 password_hash=_hasher.hash(password), active=True,
                                 failed_logins=0))
    return Staff(username, display_name, role)


def set_active(sessions: sessionmaker[Session], username: str, active: bool) -> None:
    with sessions.begin() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if account is None:
            raise AccountError(f"Das Konto {username} gibt es nicht")
        account.active = active
        if active:
            account.failed_logins, account.locked_until = 0, None


def list_accounts(sessions: sessionmaker[Session]) -> list[tuple[Staff, bool]]:
    with sessions() as session:
        return [(Staff(a.username, a.display_name, a.role), a.active)
                for a in session.scalars(select(StaffAccount).order_by(StaffAccount.username))]


def authenticate(
    sessions: sessionmaker[Session], username: str, password: str, now: dt.datetime | None = None
) -> Staff | None:
    """The account, when the password is right and the account active and not locked."""
    now = now or utcnow()
    with sessions.begin() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if account is None:
            _verify(_UNKNOWN_USER_HASH, password)
            return None
        locked_until = _aware(account.locked_until)
        if locked_until and locked_until > now:
            return None
        if not account.active or not _verify(account.password_hash, password):
            account.failed_logins += 1
            if account.failed_logins >= LOCK_AFTER:
                account.locked_until = now + LOCK_FOR
                account.failed_logins = 0
            return None
        account.failed_logins, account.locked_until = 0, None
        if _hasher.check_needs_rehash(account.password_hash):
            account.password_hash = _hasher.hash(password)
        return Staff(account.username, account.display_name, account.role)


def find_staff(sessions: sessionmaker[Session], username: str) -> Staff | None:
    """The account of a session, if it is still active."""
    with sessions() as session:
        account = session.scalar(select(StaffAccount).where(StaffAccount.username == username))
        if account is None or not account.active:
            return None
        return Staff(account.username, account.display_name, account.role)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    """SQLite gives back naive datetimes; they were stored in UTC."""
    if moment is not None and moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment
