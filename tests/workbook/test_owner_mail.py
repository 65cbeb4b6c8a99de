"""Reminder emails: each owner's open and overdue requests, as a mailto: link or an unsent .eml draft."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
from urllib.parse import parse_qs, urlsplit

from helpers.requests import make_request

from workbook.model import Engagement, Person, Request, Status
from workbook.owner_mail import MAILTO_LIMIT, eml_bytes, eml_name, mailto_url, owner_mails

TODAY = dt.date(2026, 5, 1)
ACME = Engagement("Acme Cloud", "SOC 2 Type II", dt.date(2026, 1, 1), dt.date(2026, 6, 30), "Northbridge", 90)


def request(
    ref: str, owner: str, status: Status = Status.OPEN, due: dt.date | None = None, title: str = ""
) -> Request:
    return make_request(
        ref,
        title=title or f"Title of {ref}",
        request="text",
        criteria=(),
        section="",
        owner=owner,
        status=status,
        due=due,
        source_sheet="",
        source_row=None,
        updated_at=dt.datetime(2026, 4, 1, tzinfo=dt.UTC),
    )


def test_one_mail_per_owner_with_open_requests_overdue_first_and_ready_ones_left_out() -> None:
    mails = owner_mails(
        [
            request("PBC-1", "Dana Ops", due=dt.date(2026, 4, 1)),
            request("PBC-2", "Dana Ops", Status.IN_PROGRESS, due=dt.date(2026, 6, 1)),
            request("PBC-3", "Dana Ops", Status.ACCEPTED),
            request("PBC-4", "Sam Lee", Status.READY_FOR_AUDITOR),
            request("PBC-5", ""),
        ],
        [Person(1, "Dana Ops", "dana@acme.example"), Person(2, "Sam Lee", "")],
        ACME,
        TODAY,
    )
    assert [(m.owner, m.email, m.overdue, m.open) for m in mails] == [
        ("Dana Ops", "dana@acme.example", ("PBC-1",), ("PBC-2",))
    ]
    mail = mails[0]
    assert mail.subject == "Acme Cloud SOC 2 Type II: 2 open requests, 1 overdue"
    assert mail.body.startswith("Hello Dana,")
    assert "Overdue (1):\n- PBC-1: Title of PBC-1 (Open, due 2026-04-01)" in mail.body
    assert "Open (1):\n- PBC-2: Title of PBC-2 (In progress, due 2026-06-01)" in mail.body


def test_a_mailto_link_carries_subject_and_body_and_is_cut_at_a_line_when_too_long() -> None:
    many = [request(f"PBC-{n}", "Dana Ops", title="x" * 80) for n in range(60)]
    mail = owner_mails(many, [Person(1, "Dana Ops", "dana@acme.example")], ACME, TODAY)[0]
    url = mailto_url(mail)
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and parts.path == "dana@acme.example"
    query = parse_qs(parts.query)
    assert query["subject"] == [mail.subject]
    assert query["body"][0].endswith("the full list is in the saved email or in Audit Workbook.")
    assert len(url) < MAILTO_LIMIT + 400


def test_an_eml_draft_is_unsent_addressed_and_named_safely() -> None:
    mail = owner_mails([request("PBC-1", "Ana/../Ops")], [Person(1, "Ana/../Ops", "")], ACME, TODAY)[0]
    message = email.message_from_bytes(eml_bytes(mail), policy=email.policy.default)
    assert message["X-Unsent"] == "1"
    assert message["To"] is None  # no address known: the user picks one in the mail program
    assert message.get_content().startswith("Hello Ana/../Ops,")
    assert eml_name(mail) == "open-requests-Ana-..-Ops.eml"
    assert "/" not in eml_name(mail)
