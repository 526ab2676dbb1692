"""Files for the malware-scan tests and the files benchmark: infected ones (the EICAR test
file and the custom test signature of scripts/clamd-local, each hidden inside an otherwise
proper PDF, so only the scanner can refuse them) and clean PDFs of any size, written to
disk in chunks (memory does not grow with the size)."""

from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

# The standard 68-byte anti-virus test file, kept encoded so that no scanner on a
# developer's machine quarantines this source file.
EICAR = base64.b64decode(
    "WDVPIVAlQEFQWzRcUFpYNTQoUF4pN0NDKTd9JEVJQ0FSLVNUQU5EQVJELUFOVElWSVJVUy1URVNULUZJTEUhJEgrSCo="
)
EICAR_SIGNATURE = "Eicar-Test-Signature"
# The custom test signature of scripts/clamd-local matches this text anywhere in a file.
CUSTOM_MARKER = b"EOFFICE-TEST-MALWARE-MARKER-7f3a"
CUSTOM_SIGNATURE = "Eoffice.Test.CustomMarker"


def pdf_with(payload: bytes = b"", padding: int = 0) -> bytes:
    """A small, well-formed one-page PDF carrying ``payload`` in an unreferenced stream."""
    return b"".join(_pdf_parts(payload, padding_size=padding, padding=[b"\x00" * padding]))


def infected_pdf(payload: bytes) -> bytes:
    return pdf_with(payload)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write_padded_pdf(path: Path, size: int, chunk: int = 1024 * 1024) -> str:
    """Write a well-formed PDF of exactly ``size`` bytes to ``path`` (random bytes in an
    unreferenced stream object make up the size); returns its sha256."""
    def skeleton(padding_size: int) -> int:  # everything but the padding itself
        return sum(len(p) for p in _pdf_parts(b"", padding_size, []))

    # The padding's length and offsets are written in the PDF too: their digits change
    # the skeleton's size, so solve until stable.
    padding_size = size - skeleton(0)
    for _ in range(5):
        padding_size = size - skeleton(max(padding_size, 0))
    if padding_size < 0 or skeleton(padding_size) + padding_size != size:
        raise ValueError(f"cannot make a PDF of exactly {size} bytes")

    def random_chunks():
        left = padding_size
        while left:
            step = min(chunk, left)
            yield os.urandom(step)
            left -= step

    digest = hashlib.sha256()
    written = 0
    with path.open("wb") as out:
        for part in _pdf_parts(b"", padding_size, random_chunks()):
            out.write(part)
            digest.update(part)
            written += len(part)
    assert written == size, (written, size)
    return digest.hexdigest()


def _pdf_parts(payload: bytes, padding_size: int, padding):
    """The bytes of the PDF in order; ``padding`` yields ``padding_size`` bytes in total.
    Offsets for the cross-reference table are counted as the parts go by."""
    offsets: list[int] = []
    position = 0

    def emit(data: bytes):
        nonlocal position
        position += len(data)
        return data

    def start_object() -> None:
        offsets.append(position)

    yield emit(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    content = b"BT /F1 12 Tf 72 770 Td (eOffice) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n" % len(payload) + payload + b"\nendstream",
    ]
    for number, body in enumerate(objects, start=1):
        start_object()
        yield emit(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    start_object()
    yield emit(b"7 0 obj\n<< /Length %d >>\nstream\n" % padding_size)
    yield from padding
    position += padding_size
    yield emit(b"\nendstream\nendobj\n")
    xref = position
    table = b"xref\n0 %d\n0000000000 65535 f \n" % (len(offsets) + 1)
    table += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    yield emit(table + b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
               % (len(offsets) + 1, xref))


# Proper PDFs that only a malware scanner can refuse.
EICAR_PDF = infected_pdf(EICAR)
MARKER_PDF = infected_pdf(b"Ghi chu: " + CUSTOM_MARKER)
