"""Alembic migrations shipped in the package: upgrade new and older files, backing older ones up first."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

if TYPE_CHECKING:
    from alembic.config import Config

    from workbook.storage.database import Database

MIGRATIONS = Path(__file__).with_name("migrations")


def config_for(engine: Engine) -> Config:
    """Alembic's configuration for the shipped migrations, run on `engine`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    script = ScriptDirectory(str(MIGRATIONS))
    head = script.get_current_head()
    assert head is not None
    return head


def upgrade(engine: Engine) -> None:
    from alembic import command

    command.upgrade(config_for(engine), "head")


def backup_copy(db: Database, label: str) -> Path:
    """A consistent copy through SQLite's online backup API, beside the workbook (temporary name first)."""
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    return db.copy_to(db.path.with_name(f"{db.path.stem}.backup-{label}-{stamp}{db.path.suffix}"))


def migrate_with_backup(db: Database, engine: Engine) -> Path:
    """Back the older file up, then upgrade it in place."""
    backup = backup_copy(db, "before-upgrade")
    upgrade(engine)
    return backup
