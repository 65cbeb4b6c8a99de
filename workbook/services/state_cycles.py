"""Verify's comparison of the audit-cycle tables (prior-period files, required items, samples and their
files) with what the log gives (replay_cycles.py), in the words of state_compare.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workbook.services.replay import Said
from workbook.services.state_compare import shown

if TYPE_CHECKING:
    from workbook.services.state_compare import Comparison
    from workbook.storage.integrity import StoredRow

CYCLE_TABLES = ("prior_evidence", "sample_plans", "samples", "sample_evidence")


class CycleComparison:
    def __init__(self, comparison: Comparison) -> None:
        self.c = comparison
        self.replay = comparison.replay
        self.key_of_request = {
            request_id: self.replay.key_of(ref) for request_id, ref in comparison.ref_of_request.items()
        }
        self.present_refs = set(comparison.ref_of_request.values())
        self.present_shas = set(comparison.sha_of_evidence.values())

    def run(self) -> None:
        unreadable = self.c.stored.unreadable
        if {"requests", "evidence"} & unreadable:
            return
        if "prior_evidence" not in unreadable:
            self.prior()
        if "sample_plans" not in unreadable:
            self.plans()
        if not {"samples", "sample_evidence"} & unreadable:
            self.samples()

    def _ref(self, key: int) -> str:
        return self.replay.requests[key].ref

    def _key(self, row: StoredRow) -> int | None:
        return self.key_of_request.get(row.integer("request_id") or 0)

    def _sha(self, row: StoredRow) -> str | None:
        return self.c.sha_of_evidence.get(row.integer("evidence_id") or 0)

    def _here(self, key: int, sha: str | None = None) -> bool:
        return self._ref(key) in self.present_refs and (sha is None or sha in self.present_shas)

    def prior(self) -> None:
        found: dict[tuple[int, str], StoredRow] = {}
        for row in self.c.stored.get("prior_evidence"):
            key, sha = self._key(row), self._sha(row)
            if key is not None and sha is not None and sha in self.replay.evidence:
                found[(key, sha)] = row
        for (key, sha), (detail, by) in self.replay.cycles.prior.items():
            if not self._here(key, sha):
                continue
            ref, name = self._ref(key), self.c._evidence_name(sha)
            held_row = found.pop((key, sha), None)
            if held_row is None:
                self.c.altered(
                    f"request {ref}",
                    f"{name} is prior-period evidence of {ref} by {by}, but the workbook holds no such link",
                )
                continue
            for column in ("period", "prior_ref", "sample"):
                said = detail.get(column, "")
                if column not in held_row.odd_columns and held_row.values.get(column) != said:
                    self.c.differs(
                        f"request {ref}",
                        f"the prior-period {column.replace('_', ' ')} of {name} on {ref}",
                        held_row.values.get(column),
                        Said(said, by),
                    )
        for (key, sha), _row in found.items():
            ref = self._ref(key)
            self.c.altered(
                f"request {ref}",
                f"{self.c._evidence_name(sha)} is prior-period evidence of {ref} in the workbook, "
                "but not by the log",
            )

    def plans(self) -> None:
        stored: dict[int, StoredRow] = {}
        for row in self.c.stored.get("sample_plans"):
            key = self._key(row)
            if key is not None:
                stored[key] = row
        for key, (required, by) in self.replay.cycles.plans.items():
            if not self._here(key):
                continue
            ref = self._ref(key)
            plan = stored.pop(key, None)
            value = plan.values.get("required") if plan is not None else None
            held = [i for i in value if isinstance(i, str)] if isinstance(value, list | tuple) else []
            if plan is not None and "required" in plan.odd_columns:
                continue
            if held != required:
                self.c.differs(
                    f"request {ref}", f"the items each sample of {ref} needs", held, Said(required, by)
                )
        for key, row in stored.items():
            if row.values.get("required"):
                ref = self._ref(key)
                self.c.altered(
                    f"request {ref}", f"request {ref} requires items of its samples the log never named"
                )

    def samples(self) -> None:
        code_of_sample: dict[int, tuple[int, str]] = {}
        stored: dict[tuple[int, str], StoredRow] = {}
        for row in self.c.stored.get("samples"):
            key, code, sample_id = self._key(row), row.text("code"), row.integer("id")
            if key is None or code is None:
                continue
            stored[(key, code)] = row
            if sample_id is not None:
                code_of_sample[sample_id] = (key, code)
        for key, samples in self.replay.cycles.samples.items():
            if not self._here(key):
                continue
            ref = self._ref(key)
            for code, state in samples.items():
                sample_row = stored.pop((key, code), None)
                if sample_row is None:
                    self.c.altered(
                        f"request {ref}",
                        f"sample {shown(code)} of {ref} (added at {state.by}) is missing from the workbook",
                    )
                    continue
                for column in ("label", "status", "notes", "position"):
                    said = getattr(state, column)
                    if column not in sample_row.odd_columns and sample_row.values.get(column) != said:
                        self.c.differs(
                            f"request {ref}",
                            f"the {column} of sample {shown(code)} of {ref}",
                            sample_row.values.get(column),
                            Said(said, state.said_by.get(column, state.by)),
                        )
        for (key, code), _row in stored.items():
            ref = self._ref(key)
            self.c.altered(
                f"request {ref}", f"request {ref} holds a sample {shown(code)} the log never added"
            )
        links: dict[tuple[int, str, str, str], StoredRow] = {}
        for row in self.c.stored.get("sample_evidence"):
            owner, sha = code_of_sample.get(row.integer("sample_id") or 0), self._sha(row)
            requirement = row.text("requirement")
            if owner is None or sha is None or requirement is None or sha not in self.replay.evidence:
                continue
            links[(owner[0], owner[1], sha, requirement)] = row
        for (key, code, sha, requirement), by in self.replay.cycles.sample_links.items():
            if not self._here(key, sha) or code not in self.replay.cycles.samples.get(key, {}):
                continue
            if links.pop((key, code, sha, requirement), None) is None:
                self.c.altered(
                    f"request {self._ref(key)}",
                    f"{self.c._evidence_name(sha)} is given for sample {shown(code)} of {self._ref(key)} "
                    f"by {by}, but the workbook holds no such link",
                )
        for key, code, sha, _requirement in links:
            self.c.altered(
                f"request {self._ref(key)}",
                f"{self.c._evidence_name(sha)} is given for sample {shown(code)} of {self._ref(key)} in the "
                "workbook, but not by the log",
            )
