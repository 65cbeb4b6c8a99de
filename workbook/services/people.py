"""People who own requests: add, rename, merge duplicates."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from workbook.errors import UserError
from workbook.model import Actor, Changes, Person
from workbook.services.activity import record
from workbook.storage.database import Database
from workbook.storage.schema import PersonRow, RequestRow
from workbook.storage.values import Row


def to_person(row: PersonRow, request_count: int) -> Person:
    check = Row("people", row.id)
    return Person(row.id, check.text("name", row.name), check.text("email", row.email), request_count)


def clean_name(name: str) -> str:
    return " ".join(name.split())[:200]


def find_person(session: Session, name: str) -> PersonRow | None:
    """Case- and spacing-insensitive lookup."""
    wanted = clean_name(name).casefold()
    for row in session.scalars(select(PersonRow)):
        if row.name.casefold() == wanted:
            return row
    return None


def person_for(
    session: Session, actor: Actor, name: str, created: set[str] | None = None
) -> PersonRow | None:
    """The person called `name`, added (and logged) when new and then put in `created`; None for ""."""
    name = clean_name(name)
    if not name:
        return None
    row = find_person(session, name)
    if row is None:
        row = PersonRow(name=name, email="", created_at=dt.datetime.now(dt.UTC))
        session.add(row)
        session.flush()
        record(session, actor, "person.add", target=name)
        if created is not None:
            created.add(name)
    return row


def remove_person_if_unused(session: Session, actor: Actor, name: str) -> bool:
    """Inside the caller's transaction: remove `name` if no request names them; logged."""
    row = find_person(session, name)
    if row is None:
        return False
    if session.scalar(select(func.count()).where(RequestRow.owner_id == row.id)):
        return False
    record(session, actor, "person.remove", target=row.name)
    session.delete(row)
    return True


class PeopleService:
    def __init__(self, db: Database, actor: Actor) -> None:
        self._db = db
        self._actor = actor

    def list(self) -> list[Person]:
        with self._db.read() as session:
            counts = {
                owner_id: count
                for owner_id, count in session.execute(
                    select(RequestRow.owner_id, func.count())
                    .where(RequestRow.archived.is_(False))
                    .group_by(RequestRow.owner_id)
                )
            }
            rows = session.scalars(select(PersonRow).order_by(func.lower(PersonRow.name)))
            return [to_person(r, counts.get(r.id, 0)) for r in rows]

    def add(self, name: str, email: str = "") -> Person:
        if not clean_name(name):
            raise UserError("a person needs a name")
        with self._db.write() as session:
            if find_person(session, name) is not None:
                raise UserError(f"{clean_name(name)!r} is already in this workbook")
            row = person_for(session, self._actor, name)
            assert row is not None
            if email.strip():
                record(session, self._actor, "person.set", row.name, "email", "", email.strip())
            row.email = email.strip()
            return to_person(row, 0)

    def rename(self, old: str, new: str) -> Changes:
        new = clean_name(new)
        if not new:
            raise UserError("a person needs a name")
        with self._db.write() as session:
            row = find_person(session, old)
            if row is None:
                raise UserError(f"no person called {old!r}")
            other = find_person(session, new)
            if other is not None and other.id != row.id:
                raise UserError(f"{new!r} already exists", hint="merge the two people instead")
            record(
                session,
                self._actor,
                "person.rename",
                target=row.name,
                field="name",
                before=row.name,
                after=new,
            )
            row.name = new
            return Changes(people=True, all_requests=True)

    def remove_if_unused(self, name: str) -> bool:
        """Remove a person no request names (undoing an owner added on the fly); False if still in use."""
        with self._db.write() as session:
            return remove_person_if_unused(session, self._actor, name)

    def merge(self, duplicate: str, into: str) -> Changes:
        """Give every request of `duplicate` to `into`, then remove `duplicate`."""
        with self._db.write() as session:
            dup, keep = find_person(session, duplicate), find_person(session, into)
            if dup is None or keep is None:
                raise UserError(f"no person called {duplicate if dup is None else into!r}")
            if dup.id == keep.id:
                raise UserError("cannot merge a person into themselves")
            moved = [r for r in session.scalars(select(RequestRow).where(RequestRow.owner_id == dup.id))]
            for request in moved:
                request.owner_id = keep.id
            record(
                session,
                self._actor,
                "person.merge",
                target=keep.name,
                before=dup.name,
                after=keep.name,
                detail={"requests_moved": len(moved), "refs": sorted(r.ref for r in moved)},
            )
            session.delete(dup)
            return Changes(refs=frozenset(r.ref for r in moved), people=True, all_requests=True)

    def unmerge(self, duplicate: str, email: str, into: str, refs: Sequence[str]) -> Changes:
        """Undo a merge in one transaction: `duplicate` again (with their email), owning `refs` again.

        Only requests `into` still owns go back; each move is logged as an owner change.
        """
        with self._db.write() as session:
            created: set[str] = set()
            row = person_for(session, self._actor, duplicate, created)
            keep = find_person(session, into)
            if row is None:
                raise UserError("a person needs a name")
            if email.strip() and row.email != email.strip():
                record(session, self._actor, "person.set", row.name, "email", row.email, email.strip())
                row.email = email.strip()
            back: set[str] = set()
            for request in session.scalars(select(RequestRow).where(RequestRow.ref.in_(list(refs)))):
                if keep is not None and request.owner_id == keep.id:
                    record(session, self._actor, "request.set", request.ref, "owner", keep.name, row.name)
                    request.owner_id = row.id
                    back.add(request.ref)
            return Changes(refs=frozenset(back), people=True, created_people=frozenset(created))

    def set_email(self, name: str, email: str) -> Changes:
        """A person's email address ("" removes it); logged. Used only to prepare emails, never to send."""
        email = email.strip()
        if email and ("@" not in email or any(c.isspace() for c in email) or len(email) > 254):
            raise UserError(f"{email!r} is not an email address", hint="type it as name@example.com")
        with self._db.write() as session:
            row = find_person(session, name)
            if row is None:
                raise UserError(f"no person called {name!r}")
            if row.email == email:
                return Changes()
            record(session, self._actor, "person.set", row.name, "email", row.email, email)
            row.email = email
            return Changes(people=True)
