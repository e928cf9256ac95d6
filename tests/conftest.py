"""Shared fixtures: a fresh, migrated queue database on SQLite and, when DATABASE_URL points
at PostgreSQL, on PostgreSQL too (a database of its own per test run, dropped afterwards)."""
from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from db.migrate import upgrade
from db.models import Base
from db.session import make_engine, normalise_url


def _postgres_url() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgresql", "postgres")) else None


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    url = _postgres_url()
    if url is None:
        pytest.skip("DATABASE_URL does not point at PostgreSQL")
    admin_url = make_url(normalise_url(url))
    name = f"kim_test_{uuid.uuid4().hex[:10]}"
    # pool_pre_ping: a test restarts PostgreSQL (tests/test_scale.py).
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def queue_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'queue.sqlite3'}"
        upgrade(url)
        yield url
        return
    url = request.getfixturevalue("postgres_database")
    upgrade(url)
    # The database lives for the whole session, and tests/test_scale.py files requests into
    # it without this fixture: emptied before as well as after.
    _empty_tables(url)
    yield url
    _empty_tables(url)


def _empty_tables(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for table in reversed(Base.metadata.sorted_tables):
            connection.execute(table.delete())
    engine.dispose()


@pytest.fixture
def sessions(queue_url: str) -> Iterator[sessionmaker[Session]]:
    engine = make_engine(queue_url)
    yield sessionmaker(engine, expire_on_commit=False)
    engine.dispose()
