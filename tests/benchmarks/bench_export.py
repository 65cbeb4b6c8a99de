"""Benchmark: PDF package export of N requests (N 5-page PDFs, 2N 1920×1080 PNGs) against img2pdf + qpdf.

Run: .venv/bin/python tests/benchmarks/bench_export.py [--n 300] [--double] [--workdir DIR]
Prints `name: value unit (ratio vs reference)` lines; not part of the default test run.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))


def _make_png(path: Path, seed: int) -> None:
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (1920, 1080), (246, 247, 249))
    draw = ImageDraw.Draw(img)
    draw.rectangle((0, 0, 1920, 64), fill=(30 + seed % 60, 58, 95))
    draw.rectangle((0, 64, 260, 1080), fill=(232, 236, 241))
    for row in range(40):
        y = 90 + row * 24
        draw.text(
            (290, y),
            f"user{seed:04d}-{row:02d}@example.com   admin   MFA enabled   "
            f"last login 2025-0{row % 9 + 1}-1{row % 9}",
            fill=(20, 20, 20),
        )
        draw.line((280, y + 20, 1900, y + 20), fill=(220, 220, 220))
    img.save(path, "PNG")


def _make_pdf(path: Path, seed: int) -> None:
    from reportlab.pdfgen.canvas import Canvas

    canvas = Canvas(str(path))
    for page in range(5):
        canvas.setFont("Helvetica", 10)
        for line in range(50):
            canvas.drawString(
                50,
                780 - line * 14,
                f"Report {seed} page {page + 1} line {line}: change ticket CHG-{seed * 100 + line}",
            )
        canvas.showPage()
    canvas.save()


def make_corpus(workdir: Path, n: int) -> tuple[list[Path], list[Path]]:
    workdir.mkdir(parents=True, exist_ok=True)
    pngs = [workdir / f"shot{i:04d}.png" for i in range(2 * n)]
    pdfs = [workdir / f"report{i:04d}.pdf" for i in range(n)]
    for i, p in enumerate(pngs):
        if not p.exists():
            _make_png(p, i)
    for i, p in enumerate(pdfs):
        if not p.exists():
            _make_pdf(p, i)
    return pngs, pdfs


def _opener(path: Path):  # type: ignore[no-untyped-def]
    def chunks() -> Iterator[bytes]:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                yield chunk

    return chunks


def run_ours(workdir: Path, n: int, out: Path) -> None:
    from workbook.formats.package.assemble import write_pdf_package
    from workbook.formats.package.inputs import PackageEvidence, PackageInput, PackageRequest
    from workbook.model import Status

    now = dt.datetime(2025, 3, 4, tzinfo=dt.UTC)
    pngs, pdfs = make_corpus(workdir, n)

    def evidence(path: Path, media: str) -> PackageEvidence:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        return PackageEvidence(
            name=path.name,
            media_type=media,
            size=path.stat().st_size,
            sha256=digest,
            effective_date=None,
            added_by="bench",
            added_at=now,
            open=_opener(path),
        )

    requests = tuple(
        PackageRequest(
            ref=f"PBC-{i:03d}",
            title=f"Request {i}",
            request="Provide evidence",
            criteria=("CC6.1",),
            section=f"Section {i % 5}",
            owner="Dana",
            status=Status.READY_FOR_AUDITOR,
            due=None,
            evidence=(
                evidence(pdfs[i], "application/pdf"),
                evidence(pngs[2 * i], "image/png"),
                evidence(pngs[2 * i + 1], "image/png"),
            ),
        )
        for i in range(n)
    )
    pkg = PackageInput(
        client="Bench",
        framework="SOC 2",
        period_start=None,
        period_end=None,
        auditor="A",
        prepared_by="B",
        generated_at=now,
        final=False,
        package_id="bench",
        activity_head="0" * 64,
        requests=requests,
    )
    start = time.perf_counter()
    result = write_pdf_package(pkg, out)
    took = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": took, "peak_mb": peak_mb, "pages": result.pages}))


def child(args: list[str]) -> dict[str, float]:
    proc = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def reference(workdir: Path, n: int, tmp: Path) -> float:
    pngs, pdfs = make_corpus(workdir, n)
    img2pdf = shutil.which("img2pdf") or str(Path(sys.executable).parent / "img2pdf")
    start = time.perf_counter()
    images_pdf = tmp / "images.pdf"
    subprocess.run([img2pdf, *map(str, pngs), "-o", str(images_pdf)], check=True)
    subprocess.run(
        ["qpdf", "--empty", "--pages", str(images_pdf), *map(str, pdfs), "--", str(tmp / "ref.pdf")],
        check=True,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--double", action="store_true", help="also run 2N to compare peak memory")
    parser.add_argument("--workdir", type=Path, default=Path(tempfile.gettempdir()) / "auditwb-bench")
    parser.add_argument("--child", nargs=2, metavar=("N", "OUT"))
    args = parser.parse_args()
    if args.child:
        run_ours(args.workdir, int(args.child[0]), Path(args.child[1]))
        return
    if shutil.which("qpdf") is None:
        sys.exit("qpdf is not installed")
    make_corpus(args.workdir, args.n * (2 if args.double else 1))
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        ref = reference(args.workdir, args.n, tmp)
        ours = child(["--workdir", str(args.workdir), "--child", str(args.n), str(tmp / "ours.pdf")])
        size_ours = (tmp / "ours.pdf").stat().st_size / 1e6
        size_ref = (tmp / "ref.pdf").stat().st_size / 1e6
        print(f"reference img2pdf+qpdf N={args.n}: {ref:.2f} s (1.00x)")
        print(f"export pdf N={args.n}: {ours['seconds']:.2f} s ({ours['seconds'] / ref:.2f}x vs reference)")
        print(f"export pdf N={args.n} peak RSS: {ours['peak_mb']:.0f} MB")
        print(
            f"export pdf N={args.n} size: {size_ours:.0f} MB ({size_ours / size_ref:.2f}x vs reference "
            "output, which has no attachments)"
        )
        print(f"export pdf N={args.n} pages: {ours['pages']:.0f}")
        if args.double:
            (tmp / "ours.pdf").unlink()
            ref2 = reference(args.workdir, 2 * args.n, tmp)
            big = child(["--workdir", str(args.workdir), "--child", str(2 * args.n), str(tmp / "ours2.pdf")])
            print(f"reference img2pdf+qpdf N={2 * args.n}: {ref2:.2f} s (1.00x)")
            print(
                f"export pdf N={2 * args.n}: {big['seconds']:.2f} s "
                f"({big['seconds'] / ref2:.2f}x vs reference)"
            )
            print(
                f"export pdf N={2 * args.n} peak RSS: {big['peak_mb']:.0f} MB "
                f"({big['peak_mb'] / ours['peak_mb']:.2f}x vs N={args.n})"
            )


if __name__ == "__main__":
    main()
