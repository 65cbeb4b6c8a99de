"""Emails that remind each owner of their open and overdue requests: prepared here, never sent by the app.

The window offers them as `mailto:` links (the user's mail program opens a draft) or as `.eml` files saved to
a folder (double-click opens a draft in most mail programs). Nothing here touches the network.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr
from urllib.parse import quote

from workbook.model import Engagement, Person, Request

# mailto: links longer than this are cut by some mail programs: the body then lists the first requests only.
MAILTO_LIMIT = 1800


@dataclass(frozen=True)
class OwnerMail:
    owner: str
    email: str
    subject: str
    body: str
    overdue: tuple[str, ...]
    open: tuple[str, ...]


def _line(request: Request) -> str:
    title = " ".join((request.title or request.request).split())
    title = title if len(title) <= 90 else title[:89] + "…"
    due = f", due {request.due.isoformat()}" if request.due else ""
    return f"- {request.ref}: {title} ({request.status.label}{due})"


def owner_mails(
    requests: Sequence[Request],
    people: Sequence[Person],
    engagement: Engagement,
    today: dt.date,
    sender: str = "",
) -> list[OwnerMail]:
    """One email per owner who has open requests, overdue ones first, signed by `sender`; others get none."""
    emails = {p.name.casefold(): p.email for p in people}
    mine: dict[str, list[Request]] = {}
    for request in requests:
        if request.owner and not request.archived and not request.status.is_ready:
            mine.setdefault(request.owner, []).append(request)
    audit = " ".join(part for part in (engagement.client, engagement.framework) if part) or "the audit"
    mails = []
    for owner in sorted(mine, key=str.casefold):
        overdue = [r for r in mine[owner] if r.is_overdue(today)]
        still_open = [r for r in mine[owner] if not r.is_overdue(today)]
        first = owner.split()[0]
        greeting = first if len(first) > 2 and "." not in first else owner
        lines = [f"Hello {greeting},", "", f"These requests of {audit} are yours and not ready yet:", ""]
        if overdue:
            lines += [f"Overdue ({len(overdue)}):", *(_line(r) for r in overdue), ""]
        if still_open:
            lines += [f"Open ({len(still_open)}):", *(_line(r) for r in still_open), ""]
        lines += ["Please send the evidence or tell me what is blocking you.", "", "Thank you"]
        if sender:
            lines.append(sender)
        count = len(overdue) + len(still_open)
        subject = f"{audit}: {count} open request{'s' if count != 1 else ''}" + (
            f", {len(overdue)} overdue" if overdue else ""
        )
        mails.append(
            OwnerMail(
                owner,
                emails.get(owner.casefold(), ""),
                subject,
                "\n".join(lines),
                tuple(r.ref for r in overdue),
                tuple(r.ref for r in still_open),
            )
        )
    return mails


def mailto_url(mail: OwnerMail) -> str:
    """A `mailto:` link with subject and body; a body too long for one is cut at a line, with a note."""
    body = mail.body
    while len(quote(body)) > MAILTO_LIMIT and "\n" in body:
        body = body.rsplit("\n", 1)[0]
    if body != mail.body:
        body += "\n- … and more: the full list is in the saved email or in Audit Workbook."
    return f"mailto:{quote(mail.email, safe='@')}?subject={quote(mail.subject)}&body={quote(body)}"


def eml_bytes(mail: OwnerMail) -> bytes:
    """The email as an unsent draft (`X-Unsent: 1` makes Outlook open it for editing; the mail program
    fills in the sender)."""
    message = EmailMessage()
    message["Subject"] = mail.subject
    if mail.email:
        message["To"] = formataddr((mail.owner, mail.email))
    message["X-Unsent"] = "1"
    message.set_content(mail.body)
    return bytes(message)


def eml_name(mail: OwnerMail) -> str:
    """A file name for the owner's draft: letters, digits, dots and dashes only."""
    stem = re.sub(r"[^\w.-]+", "-", mail.owner, flags=re.UNICODE).strip("-.") or "owner"
    return f"open-requests-{stem[:60]}.eml"
