"""Demo evidence: console screenshots drawn with Pillow, a policy PDF, an HR export and a restore log."""

from __future__ import annotations

import csv
import datetime as dt
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas as PdfCanvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont
Color = tuple[int, int, int]

WIDTH, HEIGHT = 1440, 900
FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")

FIRST_NAMES = (
    "Aisha",
    "Ben",
    "Carlos",
    "Chloe",
    "Daniel",
    "Fatima",
    "Grace",
    "Hiroshi",
    "Isabel",
    "Jamal",
    "Julia",
    "Kevin",
    "Laura",
    "Liam",
    "Maya",
    "Mohammed",
    "Nina",
    "Olivia",
    "Oscar",
    "Rahul",
    "Rosa",
    "Samuel",
    "Sofia",
    "Tariq",
    "Wei",
    "Yara",
    "Zoe",
    "Lucas",
    "Emma",
    "Noah",
)
LAST_NAMES = (
    "Adeyemi",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jensen",
    "Kowalski",
    "Larsen",
    "Moreau",
    "Nakamura",
    "O'Connor",
    "Patel",
    "Quinn",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Usman",
    "Varga",
    "Walsh",
    "Xu",
    "Yilmaz",
    "Zhang",
    "Novak",
    "Silva",
)
DEPARTMENTS = (
    ("Engineering", "Software Engineer"),
    ("Engineering", "Senior Software Engineer"),
    ("Customer Success", "Customer Success Manager"),
    ("Sales", "Account Executive"),
    ("Marketing", "Content Marketing Lead"),
    ("Finance", "Accountant"),
    ("Product", "Product Designer"),
    ("Support", "Support Engineer"),
)

GREEN: Color = (26, 127, 55)
RED: Color = (207, 34, 46)
AMBER: Color = (176, 110, 0)
GREY: Color = (101, 109, 118)
BLUE: Color = (9, 105, 218)


def _font(size: int, bold: bool = False) -> Font:
    """DejaVu where installed (it has the glyphs and a bold face); Pillow's bundled font otherwise."""
    path = FONT_DIR / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
    if path.exists():
        return ImageFont.truetype(str(path), size)
    return ImageFont.load_default(size)


def people(rng: random.Random, count: int) -> list[tuple[str, str]]:
    """Distinct fictional (first, last) names."""
    pairs = [(f, last) for f in FIRST_NAMES for last in LAST_NAMES]
    return rng.sample(pairs, count)


def email_of(first: str, last: str) -> str:
    return f"{first.lower()}.{last.lower().replace(chr(39), '')}@acmecloud.example"


@dataclass(frozen=True)
class Pill:
    """A coloured status badge inside a table cell."""

    text: str
    color: Color


Cell = str | Pill


@dataclass(frozen=True)
class Screen:
    """What one admin console screenshot shows."""

    tab_title: str
    url: str
    brand: str
    brand_color: Color
    accent: Color
    nav: Sequence[str]
    nav_selected: str
    breadcrumb: str
    heading: str
    subheading: str
    captured: dt.datetime
    user: str = "david.okafor@acmecloud.example"


class Canvas:
    """Draws browser chrome and console widgets onto one image, top to bottom."""

    def __init__(self, screen: Screen) -> None:
        self.screen = screen
        self.image = Image.new("RGB", (WIDTH, HEIGHT), (255, 255, 255))
        self.draw = ImageDraw.Draw(self.image)
        self.left = 272
        self.y = 0

    def text(
        self,
        xy: tuple[float, float],
        text: str,
        size: int = 14,
        bold: bool = False,
        fill: Color = (31, 35, 40),
    ) -> float:
        font = _font(size, bold)
        self.draw.text(xy, text, font=font, fill=fill)
        return font.getlength(text)

    def chrome(self) -> None:
        s = self.screen
        d = self.draw
        d.rectangle((0, 0, WIDTH, 26), fill=(236, 236, 236))
        self.text((14, 5), "  Chrome   File   Edit   View   History   Bookmarks   Window   Help", 13)
        clock = s.captured.strftime("%a %-d %b  %H:%M")
        self.text((WIDTH - 150, 5), clock, 13, bold=True)
        d.rectangle((0, 26, WIDTH, 66), fill=(222, 225, 230))
        for i, colour in enumerate(((255, 95, 87), (254, 188, 46), (40, 200, 64))):
            d.ellipse((14 + i * 22, 40, 26 + i * 22, 52), fill=colour)
        d.rounded_rectangle((96, 32, 396, 66), radius=8, fill=(255, 255, 255))
        d.rectangle((96, 56, 396, 66), fill=(255, 255, 255))
        d.rectangle((106, 41, 120, 55), fill=s.brand_color)
        self.text((128, 40), s.tab_title if len(s.tab_title) <= 34 else s.tab_title[:33] + "…", 13)
        d.rectangle((0, 66, WIDTH, 104), fill=(255, 255, 255))
        self.text((18, 74), "←   →   ⟳", 16, fill=GREY)
        d.rounded_rectangle((120, 72, WIDTH - 60, 98), radius=13, fill=(241, 243, 244))
        self.text((140, 76), "https://", 13, fill=GREY)
        self.text((200, 76), s.url, 13)
        d.line((0, 104, WIDTH, 104), fill=(208, 215, 222))
        d.rectangle((0, 105, WIDTH, 153), fill=s.brand_color)
        self.text((24, 115), s.brand, 22, bold=True, fill=(255, 255, 255))
        width = _font(13).getlength(s.user)
        self.text((WIDTH - width - 64, 122), s.user, 13, fill=(230, 236, 245))
        d.ellipse((WIDTH - 48, 115, WIDTH - 20, 143), fill=s.accent)
        self.text((WIDTH - 40, 120), s.user[0].upper(), 14, bold=True, fill=(255, 255, 255))

    def sidebar(self) -> None:
        s = self.screen
        self.draw.rectangle((0, 154, self.left - 16, HEIGHT), fill=(246, 248, 250))
        self.draw.line((self.left - 16, 154, self.left - 16, HEIGHT), fill=(208, 215, 222))
        y = 176
        for item in s.nav:
            if item.startswith("#"):
                self.text((22, y + 6), item[1:].upper(), 11, bold=True, fill=GREY)
                y += 30
                continue
            if item == s.nav_selected:
                self.draw.rectangle((0, y - 4, self.left - 17, y + 26), fill=(221, 234, 250))
                self.draw.rectangle((0, y - 4, 4, y + 26), fill=s.accent)
                self.text((28, y + 2), item, 14, bold=True, fill=(17, 24, 39))
            else:
                self.text((28, y + 2), item, 14, fill=(55, 65, 81))
            y += 34

    def header(self) -> None:
        s = self.screen
        self.text((self.left, 172), s.breadcrumb, 12, fill=BLUE)
        self.text((self.left, 194), s.heading, 26, bold=True)
        self.text((self.left, 234), s.subheading, 14, fill=GREY)
        self.y = 270

    def frame(self) -> None:
        """The browser window, console sidebar and page header every screenshot starts with."""
        self.chrome()
        self.sidebar()
        self.header()

    def cards(self, cards: Sequence[tuple[str, str, Color]]) -> None:
        width = (WIDTH - self.left - 32 - 16 * (len(cards) - 1)) // len(cards)
        for i, (label, value, colour) in enumerate(cards):
            x = self.left + i * (width + 16)
            self.draw.rounded_rectangle(
                (x, self.y, x + width, self.y + 78), radius=6, outline=(208, 215, 222), fill=(255, 255, 255)
            )
            self.draw.rectangle((x, self.y + 6, x + 4, self.y + 72), fill=colour)
            self.text((x + 18, self.y + 12), label, 13, fill=GREY)
            self.text((x + 18, self.y + 34), value, 24, bold=True, fill=colour)
        self.y += 98

    def table(self, columns: Sequence[tuple[str, int]], rows: Sequence[Sequence[Cell]], footer: str) -> None:
        x0 = self.left
        right = WIDTH - 32
        self.draw.rectangle((x0, self.y, right, self.y + 36), fill=(246, 248, 250), outline=(208, 215, 222))
        x = x0 + 14
        for title, width in columns:
            self.text((x, self.y + 10), title, 13, bold=True, fill=(55, 65, 81))
            x += width
        self.y += 36
        for r, row in enumerate(rows):
            fill = (255, 255, 255) if r % 2 == 0 else (250, 251, 252)
            self.draw.rectangle((x0, self.y, right, self.y + 34), fill=fill)
            self.draw.line((x0, self.y + 34, right, self.y + 34), fill=(230, 234, 238))
            x = x0 + 14
            for cell, (_title, width) in zip(row, columns, strict=True):
                if isinstance(cell, Pill):
                    length = _font(12, True).getlength(cell.text)
                    tint = tuple(int(c + (255 - c) * 0.85) for c in cell.color)
                    self.draw.rounded_rectangle(
                        (x - 2, self.y + 7, x + length + 14, self.y + 27),
                        radius=10,
                        fill=(tint[0], tint[1], tint[2]),
                    )
                    self.text((x + 6, self.y + 9), cell.text, 12, bold=True, fill=cell.color)
                else:
                    self.text((x, self.y + 9), cell, 13)
                x += width
            self.y += 34
        self.draw.line((x0, self.y, x0, self.y - 34 * len(rows) - 36), fill=(208, 215, 222))
        self.draw.line((right, self.y, right, self.y - 34 * len(rows) - 36), fill=(208, 215, 222))
        self.draw.line((x0, self.y, right, self.y), fill=(208, 215, 222))
        self.text((x0, self.y + 12), footer, 12, fill=GREY)
        self.y += 40

    def checks(self, items: Sequence[tuple[int, bool, str, str]]) -> None:
        """Settings checkboxes: (indent level, checked, label, explanation)."""
        for level, checked, label, note in items:
            x = self.left + 8 + level * 28
            box = (x, self.y + 3, x + 16, self.y + 19)
            if checked:
                self.draw.rounded_rectangle(box, radius=3, fill=BLUE)
                self.draw.line(
                    (x + 3, self.y + 11, x + 7, self.y + 15, x + 13, self.y + 6),
                    fill=(255, 255, 255),
                    width=2,
                )
            else:
                self.draw.rounded_rectangle(box, radius=3, outline=(140, 149, 159), width=1)
            self.text((x + 28, self.y + 1), label, 14, bold=True)
            self.text((x + 28, self.y + 22), note, 12, fill=GREY)
            self.y += 50

    def save(self, path: Path) -> None:
        buffer = io.BytesIO()
        self.image.save(buffer, format="PNG", optimize=True)
        path.write_bytes(buffer.getvalue())


def okta_users(path: Path, rng: random.Random) -> None:
    screen = Screen(
        tab_title="People - Acme Cloud - Admin Console",
        url="acmecloud-admin.okta.com/admin/users",
        brand="okta  Admin Console",
        brand_color=(0, 41, 122),
        accent=(0, 125, 193),
        nav=(
            "Dashboard",
            "#Directory",
            "People",
            "Groups",
            "Devices",
            "Profile Editor",
            "#Customizations",
            "Applications",
            "Security",
            "Workflow",
            "Reports",
            "Settings",
        ),
        nav_selected="People",
        breadcrumb="Directory  /  People",
        heading="People",
        subheading="Everyone in the Acme Cloud organization. Showing Active users, sorted by name.",
        captured=dt.datetime(2026, 11, 18, 9, 42),
    )
    canvas = Canvas(screen)
    canvas.frame()
    canvas.cards(
        (
            ("Active", "84", GREEN),
            ("Staged", "1", AMBER),
            ("Suspended", "0", GREY),
            ("Deactivated (period)", "20", RED),
        )
    )
    rows: list[list[Cell]] = []
    names = sorted(people(rng, 12), key=lambda n: (n[0], n[1]))
    for first, last in names:
        created = dt.date(2023, 1, 9) + dt.timedelta(days=rng.randrange(0, 1200))
        last_login = dt.datetime(2026, 11, 18, 9, 0) - dt.timedelta(minutes=rng.randrange(10, 60 * 24 * 6))
        mfa = "Okta Verify" if rng.random() < 0.8 else "FIDO2 (WebAuthn)"
        rows.append(
            [
                f"{first} {last}",
                email_of(first, last),
                Pill("Active", GREEN),
                mfa,
                last_login.strftime("%b %-d, %Y %H:%M"),
                created.strftime("%b %-d, %Y"),
            ]
        )
    canvas.table(
        (
            ("Person", 170),
            ("Username / primary email", 330),
            ("Status", 110),
            ("MFA factor", 170),
            ("Last sign in", 190),
            ("Created", 140),
        ),
        rows,
        "Showing 1–12 of 84 active people  ·  Export: Reports › People › Download CSV",
    )
    canvas.save(path)


def aws_iam_mfa(path: Path, rng: random.Random) -> None:
    screen = Screen(
        tab_title="Users | IAM | Global",
        url="us-east-1.console.aws.amazon.com/iam/home#/users",
        brand="aws   Identity and Access Management (IAM)",
        brand_color=(35, 47, 62),
        accent=(255, 153, 0),
        nav=(
            "Dashboard",
            "#Access management",
            "User groups",
            "Users",
            "Roles",
            "Policies",
            "Identity providers",
            "Account settings",
            "#Access reports",
            "Access Analyzer",
            "Credential report",
            "Organization activity",
        ),
        nav_selected="Users",
        breadcrumb="IAM  >  Users",
        heading="Users (9)",
        subheading="Account 4127-8830-1956 (acme-prod). Human access is through IAM Identity Center; "
        "these are break-glass and CI identities.",
        captured=dt.datetime(2026, 11, 18, 10, 5),
        user="priya.raman @ acme-prod",
    )
    canvas = Canvas(screen)
    canvas.frame()
    canvas.cards(
        (
            ("Root user MFA (hardware key)", "Enabled", GREEN),
            ("Root access keys", "None", GREEN),
            ("Users without MFA (console)", "0", GREEN),
            ("Access keys older than 90 days", "1", AMBER),
        )
    )
    users = (
        ("breakglass-admin", "Admins", "Hardware TOTP", "Console only"),
        ("breakglass-secops", "Admins", "Hardware TOTP", "Console only"),
        ("ci-terraform-apply", "CI-Deployers", "—", "Programmatic"),
        ("ci-ecr-push", "CI-Deployers", "—", "Programmatic"),
        ("datadog-integration", "ReadOnly", "—", "Programmatic"),
        ("m.chen-admin", "Admins", "Virtual", "Console + keys"),
        ("d.okafor-admin", "Admins", "Virtual", "Console"),
        ("p.raman-admin", "Admins", "FIDO security key", "Console"),
        ("backup-reporter", "ReadOnly", "—", "Programmatic"),
    )
    rows: list[list[Cell]] = []
    for name, group, mfa, access in users:
        age = rng.randrange(3, 80) if name != "datadog-integration" else 97
        activity = (
            f"{rng.randrange(1, 50)} minutes ago"
            if access == "Programmatic"
            else f"{rng.randrange(1, 20)} days ago"
        )
        mfa_cell: Cell = Pill(mfa, GREEN) if mfa != "—" else Pill("Not applicable", GREY)
        key_cell: Cell = (
            Pill(f"{age} days", AMBER if age > 90 else GREEN)
            if "Programmatic" in access or "keys" in access
            else "—"
        )
        rows.append([name, group, access, mfa_cell, activity, key_cell])
    canvas.table(
        (
            ("User name", 200),
            ("Groups", 140),
            ("Access type", 160),
            ("MFA", 190),
            ("Last activity", 180),
            ("Active key age", 150),
        ),
        rows,
        "Console sign-in requires MFA by SCP 'DenyWithoutMFA' (o-7hx2k9q1pe). Credential report "
        "generated 2026-11-18 10:04 UTC.",
    )
    canvas.save(path)


def github_branch_protection(path: Path) -> None:
    screen = Screen(
        tab_title="Branch protection rule · acme-cloud/platform-api",
        url="github.com/acme-cloud/platform-api/settings/branch_protection_rules/41077123",
        brand="GitHub   acme-cloud / platform-api",
        brand_color=(36, 41, 47),
        accent=(253, 140, 115),
        nav=(
            "General",
            "#Access",
            "Collaborators and teams",
            "Moderation options",
            "#Code and automation",
            "Branches",
            "Tags",
            "Rules",
            "Actions",
            "Webhooks",
            "Environments",
            "#Security",
            "Code security",
            "Deploy keys",
            "Secrets and variables",
        ),
        nav_selected="Branches",
        breadcrumb="Settings  /  Branches  /  Branch protection rule",
        heading="Branch protection rule",
        subheading="Branch name pattern:  main      Applies to 1 branch.  "
        "Last edited by p.raman on Feb 3, 2026.",
        captured=dt.datetime(2026, 11, 18, 11, 17),
        user="tbecker-acme",
    )
    canvas = Canvas(screen)
    canvas.frame()
    canvas.checks(
        (
            (
                0,
                True,
                "Require a pull request before merging",
                "When enabled, all commits must be made to a non-protected branch and submitted via a pull "
                "request.",
            ),
            (
                1,
                True,
                "Require approvals:  2",
                "Pull requests targeting a matching branch require 2 approving reviews and no changes "
                "requested.",
            ),
            (
                1,
                True,
                "Dismiss stale pull request approvals when new commits are pushed",
                "New reviewable commits pushed to a matching branch will dismiss pull request review "
                "approvals.",
            ),
            (
                1,
                True,
                "Require review from Code Owners",
                "Require an approved review in pull requests including files with a designated code owner.",
            ),
            (
                0,
                True,
                "Require status checks to pass before merging",
                "Required: ci / build · ci / unit-tests · ci / integration-tests · snyk / dependencies · "
                "sast / semgrep",
            ),
            (
                0,
                True,
                "Require conversation resolution before merging",
                "All conversations on code must be resolved before a pull request can be merged.",
            ),
            (
                0,
                True,
                "Require linear history",
                "Prevent merge commits from being pushed to matching branches.",
            ),
            (
                0,
                True,
                "Do not allow bypassing the above settings",
                "The above settings will apply to administrators and custom roles with the bypass "
                "permission.",
            ),
            (0, False, "Allow force pushes", "Permit force pushes for all users with push access."),
            (0, False, "Allow deletions", "Allow users with push access to delete matching branches."),
        )
    )
    canvas.save(path)


def aws_backup_jobs(path: Path, rng: random.Random) -> None:
    screen = Screen(
        tab_title="Jobs | AWS Backup",
        url="us-east-1.console.aws.amazon.com/backup/home?region=us-east-1#/jobs",
        brand="aws   AWS Backup",
        brand_color=(35, 47, 62),
        accent=(255, 153, 0),
        nav=(
            "Dashboard",
            "#My account",
            "Backup plans",
            "Backup vaults",
            "Jobs",
            "Protected resources",
            "Restore testing",
            "Reports",
            "Settings",
            "#Backup audit manager",
            "Frameworks",
            "Controls",
        ),
        nav_selected="Jobs",
        breadcrumb="AWS Backup  >  Jobs  >  Backup jobs",
        heading="Backup jobs (12)",
        subheading="Plan acme-prod-daily: daily 03:00 UTC, 35-day retention, copy to us-west-2 vault "
        "acme-dr-vault (KMS encrypted).",
        captured=dt.datetime(2026, 11, 18, 11, 40),
        user="marcus.chen @ acme-prod",
    )
    canvas = Canvas(screen)
    canvas.frame()
    canvas.cards(
        (
            ("Completed (14 days)", "27", GREEN),
            ("Failed", "1", RED),
            ("Expired", "0", GREY),
            ("Cross-region copies", "27", BLUE),
        )
    )
    resources = (("arn:…:db:acme-prod-postgres", "RDS", 212.4), ("arn:…:file-system/fs-0a7c1e", "EFS", 38.9))
    rows: list[list[Cell]] = []
    for day in range(6):
        date = dt.datetime(2026, 11, 18, 3, 0) - dt.timedelta(days=day)
        for resource, kind, size in resources:
            failed = day == 4 and kind == "EFS"
            job_id = f"{rng.getrandbits(32):08X}-{rng.getrandbits(16):04X}"
            status = Pill("Failed", RED) if failed else Pill("Completed", GREEN)
            stamp = (date + dt.timedelta(minutes=rng.randrange(0, 9))).strftime("%b %-d, %Y %H:%M UTC")
            grown = size + day * -0.3 + rng.random()
            rows.append([job_id, status, resource, kind, stamp, "—" if failed else f"{grown:.1f} GB"])
    canvas.table(
        (
            ("Backup job ID", 200),
            ("Status", 130),
            ("Resource ID", 280),
            ("Resource type", 130),
            ("Creation time", 230),
            ("Backup size", 120),
        ),
        rows,
        "Failed job on Nov 14 (EFS, ACCESS_DENIED after KMS key policy change) re-run manually: "
        "completed 09:12 UTC — OPS-2291.",
    )
    canvas.save(path)


def inspector_findings(path: Path) -> None:
    screen = Screen(
        tab_title="Findings | Amazon Inspector",
        url="us-east-1.console.aws.amazon.com/inspector/v2/home?region=us-east-1#/findings/by-vulnerability",
        brand="aws   Amazon Inspector",
        brand_color=(35, 47, 62),
        accent=(255, 153, 0),
        nav=(
            "Dashboard",
            "#Findings",
            "By vulnerability",
            "By instance",
            "By container image",
            "By Lambda function",
            "All findings",
            "#General settings",
            "Account management",
            "Suppression rules",
            "Export SBOMs",
        ),
        nav_selected="By vulnerability",
        breadcrumb="Amazon Inspector  >  Findings  >  By vulnerability",
        heading="Findings by vulnerability",
        subheading="Active findings across 3 accounts (acme-prod, acme-staging, acme-shared). "
        "Continuous scanning: EC2, ECR, Lambda.",
        captured=dt.datetime(2026, 11, 18, 14, 3),
        user="priya.raman @ acme-shared",
    )
    canvas = Canvas(screen)
    canvas.frame()
    canvas.cards(
        (("Critical", "0", RED), ("High", "2", (188, 76, 0)), ("Medium", "14", AMBER), ("Low", "37", GREY))
    )
    findings: tuple[tuple[str, Color, str, str, str, str, str], ...] = (
        (
            "High",
            (188, 76, 0),
            "CVE-2026-21148 - openssl",
            "3 images",
            "Nov 12, 2026",
            "Yes",
            "SEC-1184 (due Dec 12)",
        ),
        (
            "High",
            (188, 76, 0),
            "CVE-2026-19302 - libxml2",
            "1 instance",
            "Nov 16, 2026",
            "Yes",
            "SEC-1190 (due Dec 16)",
        ),
        ("Medium", AMBER, "CVE-2026-17755 - urllib3", "2 images", "Nov 3, 2026", "Yes", "SEC-1171"),
        (
            "Medium",
            AMBER,
            "CVE-2026-16620 - glibc",
            "6 instances",
            "Oct 29, 2026",
            "Yes",
            "Patch window Nov 21",
        ),
        ("Medium", AMBER, "CVE-2026-15011 - nghttp2", "2 images", "Oct 22, 2026", "Yes", "SEC-1158"),
        ("Medium", AMBER, "CVE-2026-14482 - requests", "1 Lambda", "Oct 20, 2026", "Yes", "SEC-1152"),
        ("Low", GREY, "CVE-2026-11873 - curl", "9 instances", "Sep 30, 2026", "Yes", "Accepted (RISK-031)"),
        ("Low", GREY, "CVE-2025-48823 - tar", "4 images", "Sep 2, 2026", "No", "Accepted (RISK-027)"),
        ("Low", GREY, "CVE-2025-45190 - ncurses", "4 images", "Aug 19, 2026", "No", "Accepted (RISK-027)"),
    )
    rows: list[list[Cell]] = [
        [Pill(severity, colour), title, where, first, fix, ticket]
        for severity, colour, title, where, first, fix, ticket in findings
    ]
    canvas.table(
        (
            ("Severity", 110),
            ("Vulnerability", 290),
            ("Impacted", 140),
            ("First observed", 170),
            ("Fix available", 130),
            ("Remediation", 250),
        ),
        rows,
        "SLA per Vulnerability Management Policy v2.1: critical 7 days, high 30 days, medium 90 days. "
        "Showing 9 of 53.",
    )
    canvas.save(path)


def policy_pdf(path: Path) -> None:
    """A three-page Information Security Policy as a small company would write it."""
    styles = getSampleStyleSheet()
    body = ParagraphStyle(
        "body", parent=styles["BodyText"], fontName="Helvetica", fontSize=10, leading=14, spaceAfter=6
    )
    h1 = ParagraphStyle("h1", parent=styles["Heading1"], fontName="Helvetica-Bold", fontSize=18, spaceAfter=4)
    h2 = ParagraphStyle(
        "h2",
        parent=styles["Heading2"],
        fontName="Helvetica-Bold",
        fontSize=12,
        spaceBefore=10,
        spaceAfter=4,
        textColor=colors.HexColor("#1F3A5F"),
    )
    small = ParagraphStyle("small", parent=body, fontSize=8, textColor=colors.grey)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=22 * mm,
        rightMargin=22 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title="Information Security Policy",
        author="Acme Cloud, Inc.",
        subject="ISP-001 v3.2",
        creator="Acme Cloud policy library",
        invariant=1,
    )

    def footer(canvas: PdfCanvas, document: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont("Helvetica", 8)
        canvas.setFillColor(colors.grey)
        canvas.drawString(
            22 * mm, 12 * mm, "Acme Cloud, Inc. · ISP-001 Information Security Policy · v3.2 · Internal"
        )
        canvas.drawRightString(A4[0] - 22 * mm, 12 * mm, f"Page {canvas.getPageNumber()}")
        canvas.restoreState()

    meta = Table(
        [
            ["Document ID", "ISP-001", "Version", "3.2"],
            ["Owner", "Priya Raman, CTO", "Approved by", "Daniel Hart, CEO"],
            ["Effective", "15 January 2026", "Next review", "January 2027"],
            ["Classification", "Internal", "Applies to", "All personnel and contractors"],
        ],
        colWidths=[30 * mm, 50 * mm, 28 * mm, 58 * mm],
    )
    meta.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 9),
                ("FONT", (0, 0), (0, -1), "Helvetica-Bold", 9),
                ("FONT", (2, 0), (2, -1), "Helvetica-Bold", 9),
                ("BACKGROUND", (0, 0), (0, -1), colors.HexColor("#E8EEF5")),
                ("BACKGROUND", (2, 0), (2, -1), colors.HexColor("#E8EEF5")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9AA9BA")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
            ]
        )
    )
    sections: tuple[tuple[str, tuple[str, ...]], ...] = (
        (
            "1. Purpose",
            (
                'This policy sets out how Acme Cloud, Inc. ("Acme Cloud") protects the confidentiality, '
                "integrity and availability of the information it holds, including the data our customers "
                "entrust to the Acme Cloud platform. It is the top-level policy of the information security "
                "program; the topic policies and standards listed in section 6 implement it.",
            ),
        ),
        (
            "2. Scope",
            (
                "This policy applies to all employees, contractors and temporary staff, to every system "
                "that stores or processes Acme Cloud or customer data (production AWS accounts, corporate "
                "SaaS applications and company laptops), and to third parties acting on our behalf.",
            ),
        ),
        (
            "3. Roles and responsibilities",
            (
                "<b>Board of Directors</b> oversees the security program and receives a security report "
                "each quarter.",
                "<b>CTO (policy owner)</b> maintains this policy, chairs the Security and Compliance "
                "Committee and approves exceptions.",
                "<b>Head of Compliance</b> coordinates risk assessment, vendor reviews, audits and the "
                "annual policy review.",
                "<b>All personnel</b> read and acknowledge this policy within 30 days of joining and every "
                "year thereafter, complete security awareness training, and report suspected incidents "
                "immediately to #security-incidents or security@acmecloud.example.",
            ),
        ),
        (
            "4. Policy statements",
            (
                "<b>4.1 Access control.</b> Access is granted on least privilege, requested by ticket and "
                "approved by the system owner before provisioning. Single sign-on through Okta with "
                "multi-factor authentication is required for every application that supports it. Access is "
                "removed within 24 hours of termination and reviewed every quarter.",
                "<b>4.2 Cryptography.</b> Customer data is encrypted at rest with AES-256 using AWS KMS "
                "keys rotated yearly, and in transit with TLS 1.2 or higher. Secrets live only in AWS "
                "Secrets Manager.",
                "<b>4.3 Change management.</b> Changes to production code and infrastructure are made "
                "through pull requests, reviewed and approved by someone other than the author, tested "
                "automatically and deployed by the CI/CD pipeline. Emergency changes are approved "
                "retrospectively within two business days.",
                "<b>4.4 Logging and monitoring.</b> Security-relevant events are logged centrally, retained "
                "for at least 12 months and monitored for alerts by the on-call engineer.",
                "<b>4.5 Vulnerability management.</b> Systems are scanned continuously; critical "
                "vulnerabilities are fixed within 7 days, high within 30 days and medium within 90 days, or "
                "formally risk-accepted.",
                "<b>4.6 Incident response.</b> Incidents are handled under the Incident Response Plan "
                "(IRP-003), tested at least once a year by a tabletop exercise.",
                "<b>4.7 Business continuity.</b> Production data is backed up daily, copied to a second "
                "region and restored in a test at least twice a year. Recovery objectives: RTO 8 hours, RPO "
                "24 hours.",
                "<b>4.8 Vendors.</b> Vendors that handle customer data are assessed before onboarding and "
                "reviewed every year, including their SOC 2 reports.",
                "<b>4.9 Acceptable use.</b> Company laptops are managed by MDM with full-disk encryption, "
                "screen lock after 5 minutes and automatic OS updates. Customer data never leaves approved "
                "systems.",
                "<b>4.10 Human resources.</b> Background checks are completed before or within 30 days of "
                "the start date where the law allows; confidentiality agreements are signed before access "
                "is granted.",
            ),
        ),
        (
            "5. Exceptions",
            (
                "Exceptions must be requested by ticket, state the risk and compensating controls, be "
                "approved by the CTO and expire within 12 months. The Head of Compliance keeps the register "
                "of exceptions.",
            ),
        ),
        (
            "6. Related documents",
            (
                "Access Control Policy (ACP-002), Incident Response Plan (IRP-003), Change Management "
                "Policy (CMP-004), Business Continuity and Disaster Recovery Plan (BCP-005), Data "
                "Classification and Retention Policy (DCP-006), Vendor Management Policy (VMP-007), "
                "Vulnerability Management Policy (VUL-008), Code of Conduct.",
            ),
        ),
        (
            "7. Enforcement and review",
            (
                "Violations of this policy may lead to disciplinary action up to and including termination "
                "of employment or contract. This policy is reviewed at least once a year and whenever a "
                "significant change to the business or its risks occurs.",
            ),
        ),
    )
    story: list[Flowable] = [
        Paragraph("Acme Cloud, Inc.", small),
        Paragraph("Information Security Policy", h1),
        Spacer(1, 4 * mm),
        meta,
        Spacer(1, 4 * mm),
    ]
    for title, paragraphs in sections:
        story.append(Paragraph(title, h2))
        story.extend(Paragraph(text, body) for text in paragraphs)
    history = Table(
        [
            ["Version", "Date", "Author", "Change"],
            [
                "3.0",
                "12 Jan 2024",
                "P. Raman",
                "Rewritten for SOC 2; adopted Trust Services Criteria mapping",
            ],
            ["3.1", "20 Jan 2025", "S. Lindqvist", "Annual review; vulnerability SLAs added (4.5)"],
            ["3.2", "15 Jan 2026", "S. Lindqvist", "Annual review; MFA for all apps, RTO/RPO stated (4.7)"],
        ],
        colWidths=[18 * mm, 26 * mm, 28 * mm, 94 * mm],
    )
    history.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), "Helvetica", 8.5),
                ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8.5),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#E8EEF5")),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.HexColor("#9AA9BA")),
            ]
        )
    )
    story += [
        Paragraph("8. Revision history and approval", h2),
        history,
        Spacer(1, 8 * mm),
        Paragraph(
            "Approved for Acme Cloud, Inc. by Daniel Hart, Chief Executive Officer, on 15 January "
            "2026 (approval record POL-APP-2026-004).",
            body,
        ),
    ]
    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    path.write_bytes(buffer.getvalue())


def terminations_csv(path: Path, rng: random.Random) -> list[tuple[str, str]]:
    """Twenty leavers over the audit period, as BambooHR exports them; returns their names."""
    names = people(rng, 20)
    start = dt.date(2026, 1, 1)
    days = sorted(rng.sample(range(0, 181), 20))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(
        [
            "Employee #",
            "Last Name",
            "First Name",
            "Department",
            "Job Title",
            "Employment Status",
            "Hire Date",
            "Termination Date",
            "Termination Type",
            "Termination Reason",
            "Manager",
        ]
    )
    for i, ((first, last), day) in enumerate(zip(names, days, strict=True)):
        department, title = rng.choice(DEPARTMENTS)
        ended = start + dt.timedelta(days=day)
        hired = ended - dt.timedelta(days=rng.randrange(120, 1400))
        voluntary = rng.random() < 0.75
        reason = (
            rng.choice(("Resignation", "Relocation", "Career change", "Better opportunity"))
            if voluntary
            else rng.choice(("Performance", "Position eliminated", "End of contract"))
        )
        status = "Contractor" if reason == "End of contract" else "Full-Time"
        manager = rng.choice(("Tom Becker", "Marcus Chen", "Sarah Lindqvist", "Priya Raman", "Elena Petrova"))
        writer.writerow(
            [
                f"E{1040 + i * 7 + rng.randrange(0, 7):05d}",
                last,
                first,
                department,
                title,
                status,
                hired.strftime("%m/%d/%Y"),
                ended.strftime("%m/%d/%Y"),
                "Voluntary" if voluntary else "Involuntary",
                reason,
                manager,
            ]
        )
    path.write_bytes(out.getvalue().encode("utf-8"))
    return names


def restore_test_log(path: Path) -> None:
    """The restore test's console log, as an engineer pasted it into the ticket."""
    lines = (
        "# DR restore test — OPS-2140 — 2026-05-14",
        "# Operator: Marcus Chen (DevOps Lead)   Witness: Priya Raman (CTO)",
        "# Objective: restore acme-prod-postgres from the us-west-2 copy into an isolated VPC and verify "
        "data",
        "",
        "2026-05-14T08:02:11Z  $ aws backup list-recovery-points-by-backup-vault --backup-vault-name "
        "acme-dr-vault --region us-west-2",
        "2026-05-14T08:02:13Z  latest recovery point: arn:aws:backup:us-west-2:412788301956:recovery-point:"
        "7d0c9e1a-5b44-4d8e-9f3a-2c61b7e0a415  created 2026-05-14T03:04:52Z  status COMPLETED",
        "2026-05-14T08:03:40Z  $ aws backup start-restore-job --recovery-point-arn <above> --metadata "
        "file://restore-metadata.json --iam-role-arn arn:aws:iam::412788301956:role/dr-restore",
        "2026-05-14T08:03:41Z  RestoreJobId: 5E2F91C7-0A8B-4C1D-B3E6-9F7A0D2C8B14",
        "2026-05-14T08:41:09Z  restore job 5E2F91C7 COMPLETED  created instance dr-test-20260514 "
        "(db.r6g.xlarge, us-west-2b)",
        "2026-05-14T08:44:30Z  $ psql -h dr-test-20260514.cz1q.us-west-2.rds.amazonaws.com -U dr_verify -f "
        "verify_restore.sql",
        "2026-05-14T08:44:58Z  tables restored: 214 / 214",
        "2026-05-14T08:45:02Z  row counts vs production snapshot at 03:00Z: accounts 18,204 = 18,204; "
        "workspaces 41,877 = 41,877; documents 6,912,450 = 6,912,450",
        "2026-05-14T08:45:09Z  checksum sample (10,000 random documents): 10,000 / 10,000 match",
        "2026-05-14T08:47:31Z  application smoke test against restored DB (staging app pointed at "
        "dr-test-20260514): login OK, list workspaces OK, open document OK",
        "2026-05-14T08:52:00Z  elapsed from start of restore to verified service: 48 min 19 s "
        "(RTO objective 8 h)",
        "2026-05-14T08:52:00Z  data loss window: recovery point 03:04Z, i.e. under 24 h (RPO objective 24 h)",
        "2026-05-14T09:05:12Z  $ aws rds delete-db-instance --db-instance-identifier dr-test-20260514 "
        "--skip-final-snapshot",
        "",
        "RESULT: PASS. No exceptions. Follow-up OPS-2147: script the restore-metadata.json generation.",
        "Signed off: Priya Raman, 2026-05-14",
    )
    path.write_bytes(("\n".join(lines) + "\n").encode("utf-8"))
