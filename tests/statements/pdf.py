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


def archival(data: bytes) -> dict[str, object]:
    """What makes the file PDF/A-3b, as a validator would look for it: the XMP identification (part 3, conformance
    B), an output intent with its colour profile, and the attachment declared as the document's data file
    (/AF, /AFRelationship /Data)."""
    root = PdfReader(io.BytesIO(data)).trailer["/Root"]
    xmp = root["/Metadata"].get_object().get_data().decode()
    part = re.search(r"pdfaid:part(?:>|=\")(\d)", xmp)
    conformance = re.search(r"pdfaid:conformance(?:>|=\")([A-Za-z])", xmp)
    spec = root["/Names"]["/EmbeddedFiles"]["/Names"][1].get_object()
    return {
        "part": part.group(1) if part else None,
        "conformance": conformance.group(1) if conformance else None,
        "output_intents": [str(i.get_object().get("/S")) for i in root.get("/OutputIntents", [])],
        "has_profile": all("/DestOutputProfile" in i.get_object() for i in root.get("/OutputIntents", [])),
        "relationship": str(spec.get("/AFRelationship")),
        # WeasyPrint lists the one file specification twice in /AF: the same object, so one file
        "af": sorted({str(f.get_object().get("/F")) for f in root.get("/AF", [])}),
    }
