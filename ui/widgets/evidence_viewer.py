"""One evidence file shown large for review: images zoomed, PDFs paged, CSV as a table, others named."""

from __future__ import annotations

import csv
import io

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt, Signal
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

CSV_ROWS = 2000
ZOOM_STEPS = (0.25, 0.33, 0.5, 0.67, 0.8, 1.0, 1.25, 1.5, 2.0, 3.0, 4.0)


def csv_rows(data: bytes, limit: int = CSV_ROWS) -> tuple[list[list[str]], bool]:
    """The first `limit` rows of a CSV (encoding and delimiter guessed); True when there were more."""
    for encoding in ("utf-8-sig", "cp1252", "latin-1"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    sample = text[:8192]
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows: list[list[str]] = []
    for row in csv.reader(io.StringIO(text, newline=""), dialect):
        if len(rows) == limit:
            return rows, True
        rows.append(row)
    return rows, False


class EvidenceViewer(QWidget):
    """Shows what `show_bytes` is given; `open_requested` asks the window to open the file in its own app."""

    open_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("evidence_viewer")
        self.kind = "none"
        self.zoom = 1.0
        self._image = QImage()
        self._pdf_document: object | None = None
        self._pdf_buffer: QBuffer | None = None

        self.caption = QLabel()
        self.caption.setObjectName("viewer_caption")
        self.caption.setWordWrap(True)
        self.zoom_out = QPushButton("−")
        self.zoom_in = QPushButton("+")
        self.fit = QPushButton("Fit")
        self.open_button = QPushButton("Open in its own app")
        for button, tip in (
            (self.zoom_out, "Zoom out (Ctrl+-)"),
            (self.zoom_in, "Zoom in (Ctrl++)"),
            (self.fit, "Fit to the window (Ctrl+0)"),
            (self.open_button, "Open the original file with the program your computer uses for it"),
        ):
            button.setToolTip(tip)
            button.setAccessibleName(tip)
        self.zoom_out.clicked.connect(lambda: self.step_zoom(-1))
        self.zoom_in.clicked.connect(lambda: self.step_zoom(1))
        self.fit.clicked.connect(self.fit_image)
        self.open_button.clicked.connect(self.open_requested)
        for keys, slot in (("Ctrl+-", lambda: self.step_zoom(-1)), ("Ctrl++", lambda: self.step_zoom(1))):
            QShortcut(QKeySequence(keys), self, slot)
        QShortcut(QKeySequence("Ctrl+="), self, lambda: self.step_zoom(1))
        QShortcut(QKeySequence("Ctrl+0"), self, self.fit_image)

        self.image_label = QLabel()
        self.image_label.setObjectName("viewer_image")
        self.image_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.scroller = QScrollArea()
        self.scroller.setWidget(self.image_label)
        self.scroller.setWidgetResizable(False)
        self.scroller.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.table = QTableWidget()
        self.table.setObjectName("viewer_table")
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.message = QLabel()
        self.message.setObjectName("viewer_message")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.pdf_slot = QWidget()
        self._pdf_layout = QVBoxLayout(self.pdf_slot)
        self._pdf_layout.setContentsMargins(0, 0, 0, 0)
        self.pdf_view: QWidget | None = None

        self.stack = QStackedWidget()
        for page in (self.message, self.scroller, self.pdf_slot, self.table):
            self.stack.addWidget(page)

        bar = QHBoxLayout()
        bar.addWidget(self.caption, 1)
        for button in (self.zoom_out, self.fit, self.zoom_in, self.open_button):
            bar.addWidget(button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(bar)
        layout.addWidget(self.stack, 1)
        self.show_message("No evidence is attached to this request yet.")

    def _zoom_controls(self, visible: bool) -> None:
        for button in (self.zoom_out, self.fit, self.zoom_in):
            button.setVisible(visible)

    def show_message(self, text: str, caption: str = "") -> None:
        self.kind = "none"
        self.caption.setText(caption)
        self.message.setText(text)
        self._zoom_controls(False)
        self.open_button.setVisible(bool(caption))
        self.stack.setCurrentWidget(self.message)

    def show_bytes(self, name: str, media_type: str, data: bytes, caption: str) -> None:
        """Show the file's bytes by its kind; a file too large to read here was given as b""."""
        self.caption.setText(caption)
        self.open_button.setVisible(True)
        lower = name.lower()
        if not data:
            self.show_message(f"{name} is too large to show here: open it in its own app.", caption)
            return
        if data.startswith(b"%PDF"):
            self._show_pdf(data)
        elif media_type.startswith("image/"):
            image = QImage.fromData(data)
            if image.isNull():
                self.show_message(f"{name} is not an image this app can draw.", caption)
                return
            self._image = image
            self.kind = "image"
            self._zoom_controls(True)
            self.stack.setCurrentWidget(self.scroller)
            self.fit_image()
        elif lower.endswith((".csv", ".tsv")) or media_type in ("text/csv", "text/tab-separated-values"):
            rows, more = csv_rows(data)
            self._show_table(rows, more)
        else:
            self.show_message(f"{name} cannot be shown here: open it in its own app.", caption)

    def _show_table(self, rows: list[list[str]], more: bool) -> None:
        self.kind = "table"
        self._zoom_controls(False)
        header, body = (rows[0], rows[1:]) if rows else ([], [])
        width = max((len(r) for r in rows), default=0)
        self.table.clear()
        self.table.setColumnCount(width)
        self.table.setRowCount(len(body))
        self.table.setHorizontalHeaderLabels(header + [""] * (width - len(header)))
        for r, row in enumerate(body):
            for c, value in enumerate(row):
                self.table.setItem(r, c, QTableWidgetItem(value))
        if more:
            self.caption.setText(self.caption.text() + f" · first {CSV_ROWS:,} rows shown")
        self.stack.setCurrentWidget(self.table)

    def _show_pdf(self, data: bytes) -> None:
        from PySide6.QtPdf import QPdfDocument
        from PySide6.QtPdfWidgets import QPdfView

        if self.pdf_view is None:
            view = QPdfView()
            view.setObjectName("viewer_pdf")
            view.setPageMode(QPdfView.PageMode.MultiPage)
            view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
            self._pdf_layout.addWidget(view)
            self.pdf_view = view
        assert isinstance(self.pdf_view, QPdfView)
        document = QPdfDocument(self)
        buffer = QBuffer(self)
        buffer.setData(QByteArray(data))
        buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        document.load(buffer)
        self.pdf_view.setDocument(document)
        if self._pdf_document is not None and isinstance(self._pdf_document, QPdfDocument):
            self._pdf_document.deleteLater()
        if self._pdf_buffer is not None:
            self._pdf_buffer.close()
            self._pdf_buffer.deleteLater()
        self._pdf_document, self._pdf_buffer = document, buffer
        self.kind = "pdf"
        self._zoom_controls(False)
        self.stack.setCurrentWidget(self.pdf_slot)

    def pdf_pages(self) -> int:
        from PySide6.QtPdf import QPdfDocument

        document = self._pdf_document
        return document.pageCount() if isinstance(document, QPdfDocument) else 0

    def fit_image(self) -> None:
        if self._image.isNull():
            return
        room = self.scroller.viewport().size()
        scale = min(room.width() / max(1, self._image.width()), room.height() / max(1, self._image.height()))
        self._set_zoom(max(0.05, min(scale, 4.0)))

    def step_zoom(self, direction: int) -> None:
        if self.kind != "image":
            return
        if direction > 0:
            bigger = [z for z in ZOOM_STEPS if z > self.zoom + 1e-6]
            self._set_zoom(bigger[0] if bigger else ZOOM_STEPS[-1])
        else:
            smaller = [z for z in ZOOM_STEPS if z < self.zoom - 1e-6]
            self._set_zoom(smaller[-1] if smaller else ZOOM_STEPS[0])

    def _set_zoom(self, zoom: float) -> None:
        self.zoom = zoom
        size = self._image.size() * zoom
        pixmap = QPixmap.fromImage(self._image).scaled(
            size, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation
        )
        self.image_label.setPixmap(pixmap)
        self.image_label.resize(pixmap.size())
