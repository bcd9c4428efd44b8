"""HTML to PDF: WeasyPrint, PDF/A-3b, the tables attached inside as CSV."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.template.loader import render_to_string
from weasyprint import HTML, Attachment

ATTACHMENT = "statement-data.csv"


@dataclass
class Rendered:
    pdf: bytes
    pages: int


def render_html(template: str, context: dict) -> str:
    return render_to_string(template, context)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Layout allocates a great many small objects; each one of Python's cyclic garbage collections then walks the
    whole heap of the process (a Django worker's is large), and those walks were a third of the time. The collector
    waits until the PDF is written; what the layout left behind is collected afterwards in the usual way."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def html_to_pdf(html: str, data_csv: bytes, *, description: str) -> Rendered:
    """Lay out and write an archival PDF (PDF/A-3b: fonts embedded, colour profile, the data file attached with
    the relationship "Data")."""
    with collector_paused():
        document = HTML(string=html, base_url=".").render()
        pdf = document.write_pdf(
            pdf_variant="pdf/a-3b",
            attachments=[Attachment(string=data_csv, name=ATTACHMENT, description=description, relationship="Data")],
        )
    return Rendered(pdf=pdf, pages=len(document.pages))
