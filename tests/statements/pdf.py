"""Reading a PDF back the way a person or an auditor would: its text (pdftotext), its fonts (pdffonts), and the
data file attached inside it (pypdf)."""

from __future__ import annotations

import io
import re
import subprocess
import tempfile

from pypdf import PdfReader

from statements.kinds.base import parse_tables_csv
from statements.render import ATTACHMENT


def _run(tool: str, data: bytes, *args: str) -> str:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(data)
        f.flush()
        return subprocess.run([tool, *args, f.name, *(["-"] if tool == "pdftotext" else [])], check=True,
                              capture_output=True, text=True).stdout


def text(data: bytes) -> str:
    return _run("pdftotext", data, "-layout")


def fonts(data: bytes) -> list[str]:
    """The names of the fonts in the PDF, without their subset prefix (ABCDEF+NanumGothic -> NanumGothic)."""
    lines = _run("pdffonts", data).splitlines()[2:]
    return [re.sub(r"^[A-Z]{6}\+", "", line.split()[0]) for line in lines if line.strip()]


def attachment_tables(data: bytes) -> dict[str, list[dict[str, str]]]:
    attachments = PdfReader(io.BytesIO(data)).attachments
    assert list(attachments) == [ATTACHMENT], list(attachments)
    return parse_tables_csv(attachments[ATTACHMENT][0])


def attachment_bytes(data: bytes) -> bytes:
    return PdfReader(io.BytesIO(data)).attachments[ATTACHMENT][0]
