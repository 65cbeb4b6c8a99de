"""An export logs its intent before publishing and its outputs after; one stopped in between is completed on
the next open, so a published package is never missing from the log."""

from __future__ import annotations

from pathlib import Path

import pytest

from workbook.model import Actor, ExportOptions
from workbook.services.demo import build_demo
from workbook.services.exporting import ExportService
from workbook.services.workbook import Workbook


@pytest.fixture
def demo_path(tmp_path: Path, actor: Actor) -> Path:
    return build_demo(tmp_path / "demo", actor)


@pytest.fixture
def out(tmp_path: Path) -> Path:
    folder = tmp_path / "out"
    folder.mkdir()
    return folder


def kinds(workbook: Workbook) -> list[tuple[str, str]]:
    return [(e.action, e.field) for e in workbook.activity.of_actions(("package.intent", "package.export"))]


def test_an_export_logs_its_intent_then_its_outputs(demo_path: Path, out: Path, actor: Actor) -> None:
    with Workbook.open(demo_path, actor) as workbook:
        result = ExportService(workbook).export(ExportOptions(zip=out / "p.zip", xlsx=out / "p.xlsx"))
        assert result.logged
        assert kinds(workbook) == [
            ("package.intent", "zip"),
            ("package.intent", "xlsx"),
            ("package.export", "zip"),
            ("package.export", "xlsx"),
        ]
        assert workbook.verify().ok


def test_an_export_stopped_after_publishing_is_logged_on_the_next_open(
    demo_path: Path, out: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    with Workbook.open(demo_path, actor) as workbook:
        # Stopped right after the outputs were put in place: the last log write never happens.
        monkeypatch.setattr(ExportService, "_log", lambda self, pkg, outputs: False)
        result = ExportService(workbook).export(ExportOptions(xlsx=out / "p.xlsx"))
        assert (out / "p.xlsx").is_file()
        assert kinds(workbook) == [("package.intent", "xlsx")]
    monkeypatch.undo()
    with Workbook.open(demo_path, actor) as workbook:
        entries = workbook.activity.of_actions(("package.export",))
        assert [(e.field, e.after) for e in entries] == [("xlsx", result.outputs[0].sha256)]
        assert '"reconciled": true' in entries[0].detail
        assert workbook.verify().ok
    with Workbook.open(demo_path, actor) as workbook:  # done once, not at every open
        assert len(workbook.activity.of_actions(("package.export",))) == 1


def test_an_export_stopped_before_publishing_leaves_only_its_intent(
    demo_path: Path, out: Path, actor: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    logged_intent = ExportService._log_intent

    def then_the_disk_fills(self: ExportService, *args: object) -> bool:
        logged_intent(self, *args)  # type: ignore[arg-type]
        raise OSError(28, "No space left on device")

    with Workbook.open(demo_path, actor) as workbook:
        monkeypatch.setattr(ExportService, "_log_intent", then_the_disk_fills)
        with pytest.raises(Exception, match="could not write the export"):
            ExportService(workbook).export(ExportOptions(xlsx=out / "p.xlsx"))
    monkeypatch.undo()
    assert not (out / "p.xlsx").exists()
    assert list(out.iterdir()) == []  # no staging folder either
    with Workbook.open(demo_path, actor) as workbook:
        assert kinds(workbook) == [("package.intent", "xlsx")]
        assert workbook.verify().ok
