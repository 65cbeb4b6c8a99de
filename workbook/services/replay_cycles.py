"""The replay of audit cycles: what next-period carried, prior-period files reused, and samples.

Next-period logs, in the new workbook, every value it carries (request.carry, evidence.carry,
checklist.carry, prior.carry, sample.require), so the new file's log vouches for its whole state from its
first entry, as an import's does.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from workbook.model import Status
from workbook.services.replay_fields import ANSWER_FIELDS, EVIDENCE_FIELDS, IMPORT_FIELDS

if TYPE_CHECKING:
    from workbook.services.replay import Entry, Replay

# What request.carry holds besides the ref: the import's fields, and the owner.
CARRIED_REQUEST_FIELDS = (*IMPORT_FIELDS, "owner")
CARRIED_EVIDENCE_FIELDS = EVIDENCE_FIELDS


@dataclass
class SampleState:
    code: str
    by: str
    label: str = ""
    status: str = Status.OPEN.value
    notes: str = ""
    position: int = 0
    said_by: dict[str, str] = field(default_factory=dict)


@dataclass
class CycleState:
    """Per request key: its prior-period files, required items and samples (by code), and sample files."""

    prior: dict[tuple[int, str], tuple[Mapping[str, Any], str]] = field(default_factory=dict)
    plans: dict[int, tuple[list[str], str]] = field(default_factory=dict)
    samples: dict[int, dict[str, SampleState]] = field(default_factory=dict)
    sample_links: dict[tuple[int, str, str, str], str] = field(default_factory=dict)


def _text(detail: Mapping[str, Any], key: str) -> str:
    value = detail.get(key)
    return value if isinstance(value, str) else ""


def carry_request(replay: Replay, entry: Entry) -> None:
    from workbook.services.replay import RequestState

    detail = entry.detail or {}
    state = RequestState(entry.target, f"carried from the previous period at {entry.by}", made_by_log=True)
    replay._add_request(state)
    for name in CARRIED_REQUEST_FIELDS:
        if name in detail:
            value = detail[name]
            state.say(
                name, replay._owner(value) if name == "owner" and isinstance(value, str) else value, entry.by
            )
        elif name not in ANSWER_FIELDS:
            state.unsaid[name] = f"not carried by {entry.by}"
    for name, value in (
        ("status", Status.OPEN.value),
        ("due", None),
        ("notes", ""),
        ("archived", False),
        ("recheck_evidence", False),
    ):
        state.say(name, value, entry.by)


def carry_evidence(replay: Replay, entry: Entry) -> None:
    from workbook.services.replay import EvidenceState, Said

    detail = entry.detail or {}
    sha = entry.text("sha256")
    state = EvidenceState(sha, f"carried from the previous period at {entry.by}", made_by_log=True)
    for name in CARRIED_EVIDENCE_FIELDS:
        if name in detail:
            value = detail[name]
            state.said[name] = Said(value if value != "" or name != "effective_date" else None, entry.by)
        else:
            state.unsaid[name] = f"not carried by {entry.by}"
    replay.evidence[sha] = state


def carry_checklist(replay: Replay, entry: Entry) -> None:
    from workbook.services.replay import ImportState

    replay.imports.append(
        ImportState(entry, None, "it was carried from the previous period, not imported here")
    )


def carry_prior(replay: Replay, entry: Entry) -> None:
    key = replay.request(entry.target, entry)
    replay.evidence_of(entry.text("sha256"), entry)
    request_key = replay.key_of(key.ref)
    assert request_key is not None
    replay.cycles.prior[(request_key, entry.text("sha256"))] = (entry.detail or {}, entry.by)


def reuse(replay: Replay, entry: Entry) -> None:
    replay._link(entry)


def _key(replay: Replay, entry: Entry) -> int:
    state = replay.request(entry.target, entry)
    key = replay.key_of(state.ref)
    assert key is not None
    return key


def require(replay: Replay, entry: Entry) -> None:
    detail = entry.detail or {}
    items = detail.get("required")
    required = [i for i in items if isinstance(i, str)] if isinstance(items, list) else []
    replay.cycles.plans[_key(replay, entry)] = (required, entry.by)


def sample_add(replay: Replay, entry: Entry) -> None:
    detail = entry.detail or {}
    code = _text(detail, "sample")
    samples = replay.cycles.samples.setdefault(_key(replay, entry), {})
    position = detail.get("position")
    samples[code] = SampleState(
        code,
        entry.by,
        label=_text(detail, "label"),
        position=position if isinstance(position, int) else len(samples),
    )


def _sample(replay: Replay, entry: Entry) -> tuple[int, SampleState | None]:
    key = _key(replay, entry)
    return key, replay.cycles.samples.get(key, {}).get(entry.text("sample"))


def sample_remove(replay: Replay, entry: Entry) -> None:
    key, sample = _sample(replay, entry)
    if sample is None:
        return
    samples = replay.cycles.samples[key]
    del samples[sample.code]
    for link in [k for k in replay.cycles.sample_links if k[0] == key and k[1] == sample.code]:
        del replay.cycles.sample_links[link]
    for position, other in enumerate(sorted(samples.values(), key=lambda s: s.position)):
        other.position = position


def sample_set(replay: Replay, entry: Entry) -> None:
    sample = _sample(replay, entry)[1]
    if sample is None or entry.field not in ("label", "status", "notes"):
        return
    setattr(sample, entry.field, entry.after)
    sample.said_by[entry.field] = entry.by


def sample_link(replay: Replay, entry: Entry) -> None:
    key = _key(replay, entry)
    replay.evidence_of(entry.text("sha256"), entry)
    link = (key, entry.text("sample"), entry.text("sha256"), entry.text("requirement"))
    replay.cycles.sample_links[link] = entry.by


def sample_unlink(replay: Replay, entry: Entry) -> None:
    key = _key(replay, entry)
    link = (key, entry.text("sample"), entry.text("sha256"), entry.text("requirement"))
    replay.cycles.sample_links.pop(link, None)
