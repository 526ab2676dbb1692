"""Signing PDFs as the competent person and as the agency (QĐ 778 Đ6, Đ7; NĐ 30/2020
Đ33 and Phụ lục I; TT 41/2017 Đ6.2.b). Pure functions over PDF bytes, no database.

The order on a văn bản đi:

1. ``sign_as_person``: the leader's visible signature on the last page (ô 7). The same
   incremental update adds two empty, read-only text fields on page 1 (ô 3 "Số: …" and
   ô 4 "<địa danh>, ngày … tháng … năm …"), so the leader's signature covers them.
2. ``write_issue_number``: after issuance the văn thư fills those two fields. Filling
   form fields is a change PDF signatures allow (pyHanko's diff analysis: FORM_FILLING),
   so the leader's signature stays valid.
3. ``sign_as_agency``: the agency's signature with the seal (ô 8) beside the leader's;
   ``sign_attachment_as_agency`` for each separate attachment file (page 1, top right,
   no image).

All signatures are PAdES baseline B-B (ETSI.CAdES.detached, SHA-256), approval
signatures in new incremental updates.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from collections.abc import Callable
from zoneinfo import ZoneInfo

import pkcs11
from flask_babel import lazy_gettext as _l
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils import layout as pdf_layout
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.form_tools import enumerate_fields_in, populate_static_text_field
from pyhanko.pdf_utils.generic import pdf_name
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError

from app.signatures import layout
from app.signatures.appearance import (
    BOLD,
    ITALIC,
    REGULAR,
    Canvas,
    DrawingStampStyle,
    EmbeddedFont,
    open_png,
)
from app.signatures.keys import SigningError, check_signer_valid_at
from app.signatures.layout import Box, Page
from app.signatures.verify import outside_event_loop

log = logging.getLogger(__name__)

PERSON_FIELD_PREFIX = "eoffice_person_"
AGENCY_FIELD_PREFIX = "eoffice_agency_"
NUMBER_FIELD = "eoffice_so_ky_hieu"
DATE_FIELD = "eoffice_ngay_ban_hanh"
# Where the person's signature image is, on the page (for the agency's seal, ô 8).
IMAGE_RECT_KEY = "/EOffice_ImageRect"
# NĐ 30 Phụ lục I: signing times in Vietnam time, ISO 8601.
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


# --- Times and texts --------------------------------------------------------------------


def vietnam_time(value: dt.datetime | None = None) -> dt.datetime:
    """``value`` (naive = UTC, as stored; default now) in Vietnam time, whole seconds."""
    value = value or dt.datetime.now(dt.UTC)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(VIETNAM).replace(microsecond=0)


def iso_time(value: dt.datetime) -> str:
    """2026-11-24T09:15:02+07:00"""
    return vietnam_time(value).isoformat(timespec="seconds")


def issue_date_text(place: str, issued_on: dt.date) -> str:
    """"Bình Sơn, ngày 05 tháng 02 năm 2026" — NĐ 30 Phụ lục I: days below 10 and the
    months 1 and 2 take a leading zero."""
    month = f"{issued_on.month:02d}" if issued_on.month < 3 else str(issued_on.month)
    return f"{place}, ngày {issued_on.day:02d} tháng {month} năm {issued_on.year}"


# --- Reading the PDF ------------------------------------------------------------------------


def _open(pdf: bytes) -> IncrementalPdfFileWriter:
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except (PdfError, ValueError, KeyError, TypeError) as error:
        raise SigningError("invalid_pdf", _l("The file is not a PDF that can be signed.")) \
            from error
    if writer.prev.encrypted:
        raise SigningError("invalid_pdf", _l("An encrypted PDF cannot be signed."))
    return writer


def _write(writer: IncrementalPdfFileWriter) -> bytes:
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _page_count(writer: IncrementalPdfFileWriter) -> int:
    return int(writer.root["/Pages"]["/Count"])


def _page(writer: IncrementalPdfFileWriter, index: int) -> Page:
    node = writer.find_page_for_modification(index)[0].get_object()
    while "/MediaBox" not in node and "/Parent" in node:  # inheritable
        node = node["/Parent"]
    return Page(*Box.of(node["/MediaBox"]).as_tuple())


def _page_index(writer: IncrementalPdfFileWriter, page_ref) -> int:
    for index in range(_page_count(writer)):
        if writer.find_page_for_modification(index)[0].reference == page_ref.reference:
            return index
    return _page_count(writer) - 1


def _fields(writer: IncrementalPdfFileWriter, field_type: str) -> dict[str, tuple]:
    """Form fields of a type: name → (value, field dictionary)."""
    try:
        form_fields = writer.root["/AcroForm"]["/Fields"]
    except KeyError:
        return {}
    found = enumerate_fields_in(form_fields, refs_seen=set(), target_field_type=field_type)
    return {name: (value, ref.get_object()) for name, value, ref in found}


def _signed(writer: IncrementalPdfFileWriter, prefix: str) -> list:
    """Signed signature fields whose names start with ``prefix``, in document order."""
    return [field for name, (value, field) in _fields(writer, "/Sig").items()
            if name.startswith(prefix) and value is not None]


def _next_field_name(writer: IncrementalPdfFileWriter, prefix: str) -> str:
    taken = set(_fields(writer, "/Sig"))
    number = 1
    while f"{prefix}{number}" in taken:
        number += 1
    return f"{prefix}{number}"


# --- Signing ---------------------------------------------------------------------------------


class _PdfSigner(signers.PdfSigner):
    """pyHanko's PdfSigner, with the signing time (/M) the caller decided on, so that
    the time shown in the appearance is the time in the signature dictionary."""

    def __init__(self, *args, signed_at: dt.datetime, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.signed_at = signed_at

    def init_signing_session(self, pdf_out, existing_fields_only=False):
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self.signed_at
        return session


def _sign(writer: IncrementalPdfFileWriter, signer, *, prefix: str, page_index: int,
          box: Box, draw: Callable[[Canvas], None], signed_at: dt.datetime | None = None,
          name: str | None = None, widget_entries: dict | None = None) -> bytes:
    """A new visible signature field on ``page_index`` at ``box``, drawn by ``draw``,
    signed (PAdES B-B, SHA-256) in the writer's incremental update."""
    signed_at = vietnam_time(signed_at)
    check_signer_valid_at(signer, signed_at)
    field_name = _next_field_name(writer, prefix)
    fields.append_signature_field(
        writer, fields.SigFieldSpec(field_name, on_page=page_index, box=box.as_tuple()))
    if widget_entries:
        _value, widget = _fields(writer, "/Sig")[field_name]
        widget.update(widget_entries)
    metadata = signers.PdfSignatureMetadata(
        field_name=field_name, md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES, name=name)
    pdf_signer = _PdfSigner(metadata, signer, stamp_style=DrawingStampStyle(draw=draw),
                            signed_at=signed_at)
    try:
        return outside_event_loop(pdf_signer.sign_pdf, writer,
                                  existing_fields_only=True).getvalue()
    except pkcs11.PKCS11Error as error:
        log.warning("the token refused to sign: %r", error)
        raise SigningError("token_unavailable", _l(
            "The token refused to sign: check that it is still plugged in.")) from error
    except (PyHankoSigningError, PdfError) as error:
        log.warning("pyHanko refused to sign: %s", error)
        raise SigningError("signing_failed", _l(
            "The document cannot be signed: its file or its earlier signatures do not "
            "allow another signature.")) from error


def _rect(box: Box) -> generic.ArrayObject:
    return generic.ArrayObject(generic.FloatObject(round(v, 2)) for v in box.as_tuple())


# --- Ô 3 and ô 4: the issue number and date, as form fields ---------------------------------


def _add_issue_fields(writer: IncrementalPdfFileWriter, number_at: Box, date_at: Box) -> None:
    """Two empty read-only text fields on page 1, unless the document has them already
    (a second signer). They go into the signer's incremental update, so the signature
    covers them and filling them later is FORM_FILLING, not a new field."""
    if NUMBER_FIELD in _fields(writer, "/Tx"):
        return
    root = writer.root
    if "/AcroForm" not in root:
        root[pdf_name("/AcroForm")] = writer.add_object(
            generic.DictionaryObject({pdf_name("/Fields"): generic.ArrayObject()}))
        writer.update_root()
    form = root["/AcroForm"]
    form_fields = form.setdefault(pdf_name("/Fields"), generic.ArrayObject())
    # Variable-text fields need a default appearance; ours carry their own appearance.
    form.setdefault(pdf_name("/DR"), generic.DictionaryObject({
        pdf_name("/Font"): generic.DictionaryObject({
            pdf_name("/Helv"): generic.DictionaryObject({
                pdf_name("/Type"): pdf_name("/Font"), pdf_name("/Subtype"): pdf_name("/Type1"),
                pdf_name("/BaseFont"): pdf_name("/Helvetica"),
                pdf_name("/Encoding"): pdf_name("/WinAnsiEncoding")})})}))
    form.setdefault(pdf_name("/DA"), generic.pdf_string("/Helv 0 Tf 0 g"))
    page_ref = writer.find_page_for_modification(0)[0]
    for name, label, box in ((NUMBER_FIELD, "Số, ký hiệu văn bản", number_at),
                             (DATE_FIELD, "Địa danh, ngày tháng năm ban hành", date_at)):
        empty = RawContent(b"", box=pdf_layout.BoxConstraints(width=box.width,
                                                              height=box.height))
        field_ref = writer.add_object(generic.DictionaryObject({
            pdf_name("/FT"): pdf_name("/Tx"),
            pdf_name("/T"): generic.pdf_string(name),
            pdf_name("/TU"): generic.pdf_string(label),
            pdf_name("/Ff"): generic.NumberObject(1),  # read-only: the văn thư writes it
            pdf_name("/Type"): pdf_name("/Annot"),
            pdf_name("/Subtype"): pdf_name("/Widget"),
            pdf_name("/Rect"): _rect(box),
            pdf_name("/F"): generic.NumberObject(4),  # print
            pdf_name("/P"): page_ref,
            pdf_name("/AP"): generic.DictionaryObject({
                pdf_name("/N"): writer.add_object(empty.as_form_xobject())}),
        }))
        form_fields.append(field_ref)
        writer.register_annotation(page_ref, field_ref)
    writer.update_container(form_fields)
    writer.update_container(form)


def _field_style(font, size: int) -> TextBoxStyle:
    return TextBoxStyle(
        font=EmbeddedFont(font), font_size=size,
        box_layout_rule=pdf_layout.SimpleBoxLayoutRule(
            x_align=pdf_layout.AxisAlignment.ALIGN_MID,
            y_align=pdf_layout.AxisAlignment.ALIGN_MID,
            margins=pdf_layout.Margins.uniform(1),
            inner_content_scaling=pdf_layout.InnerScaling.SHRINK_TO_FIT))


# --- The public functions -------------------------------------------------------------------


def sign_as_person(pdf: bytes, signer, *, title: str, name: str, image_png: bytes | None,
                   box=None, number_box=None, date_box=None) -> bytes:
    """The competent person's visible signature (NĐ 30 Phụ lục I ô 7) on the last page.

    ``title`` is the position (chức vụ; several lines for "TM. …"/"KT. …" are separated
    by newlines), set in capitals, bold; ``image_png`` the handwritten signature (blue,
    transparent), centred between the title and the ``name`` (bold); without an image
    the gap stays blank. ``box`` (x0, y0, x1, y1 in points) overrides the default place
    (``layout.person_box``); ``number_box`` / ``date_box`` those of the issue fields,
    which are added empty, in the same update, if the document has none yet.
    """
    writer = _open(pdf)
    last = _page_count(writer) - 1
    box = Box.of(box) if box else layout.person_box(_page(writer, last))
    titles = [line.strip().upper() for line in title.splitlines() if line.strip()]
    try:
        image_size = open_png(image_png).size if image_png else None
    except Exception as error:  # Pillow raises many kinds for a broken file
        raise SigningError("bad_image", _l("The signature image is not a PNG image.")) \
            from error
    plan = layout.person_layout(box.width, box.height, len(titles), image_size)
    first = _page(writer, 0)
    _add_issue_fields(writer, Box.of(number_box) if number_box else layout.number_box(first),
                      Box.of(date_box) if date_box else layout.date_box(first))

    def draw(canvas: Canvas) -> None:
        for line, baseline in zip(titles, plan.title_baselines, strict=True):
            canvas.text(line, font=BOLD, size=layout.TITLE_SIZE, baseline=baseline,
                        max_width=canvas.width)
        if image_png:
            canvas.image(image_png, plan.image)
        canvas.text(name, font=BOLD, size=layout.NAME_SIZE, baseline=plan.name_baseline,
                    max_width=canvas.width)

    image_on_page = plan.image.shifted(box.x0, box.y0)
    return _sign(writer, signer, prefix=PERSON_FIELD_PREFIX, page_index=last, box=box,
                 draw=draw, name=name, widget_entries={pdf_name(IMAGE_RECT_KEY): _rect(
                     image_on_page)})


def write_issue_number(pdf: bytes, *, number: str, place: str, issued_on: dt.date) -> bytes:
    """Fill ô 3 ("Số: 15/QĐ-UBND") and ô 4 ("Bình Sơn, ngày 24 tháng 11 năm 2026") in an
    incremental update that only fills form fields, so the person's signature stays
    valid. Refused without a person's signature, without the fields, when they are
    filled already, or once the agency has signed."""
    writer = _open(pdf)
    if not _signed(writer, PERSON_FIELD_PREFIX):
        raise SigningError("no_person_signature", _l(
            "The document has no signature of the competent person yet."))
    if _signed(writer, AGENCY_FIELD_PREFIX):
        raise SigningError("agency_already_signed", _l(
            "The agency has already signed the document; its number can no longer be "
            "written."))
    text_fields = _fields(writer, "/Tx")
    if NUMBER_FIELD not in text_fields or DATE_FIELD not in text_fields:
        raise SigningError("no_issue_fields", _l(
            "The document has no place for the number and date: it was not signed in "
            "the eOffice."))
    if text_fields[NUMBER_FIELD][0] or text_fields[DATE_FIELD][0]:
        raise SigningError("number_already_written", _l(
            "The number and date are already written in the document."))
    populate_static_text_field(writer, NUMBER_FIELD, _field_style(REGULAR, layout.NUMBER_SIZE),
                               f"Số: {number}")
    populate_static_text_field(writer, DATE_FIELD, _field_style(ITALIC, layout.DATE_SIZE),
                               issue_date_text(place, issued_on))
    return _write(writer)


def sign_as_agency(pdf: bytes, signer, *, agency_name: str, seal_png: bytes | None,
                   signed_at: dt.datetime | None = None) -> bytes:
    """The agency's signature (NĐ 30 Phụ lục I ô 8) on the page of the person's latest
    signature: the seal (red, transparent, real size) covering about the left third of
    the person's signature image, with the agency name and the signing time (ISO 8601,
    Vietnam time). Refused unless the competent person has signed (NĐ 30 Đ33.1.b) and,
    when the document has the issue fields, the number has been written."""
    writer = _open(pdf)
    people = _signed(writer, PERSON_FIELD_PREFIX)
    if not people:
        raise SigningError("no_person_signature", _l(
            "The agency signs only a document the competent person has signed."))
    text_fields = _fields(writer, "/Tx")
    if NUMBER_FIELD in text_fields and not text_fields[NUMBER_FIELD][0]:
        raise SigningError("number_not_written", _l(
            "Write the number and date of issue into the document before the agency "
            "signs it."))
    person = people[-1]
    person_box = Box.of(person["/Rect"])
    if IMAGE_RECT_KEY in person:
        image = Box.of(person[IMAGE_RECT_KEY])
    else:  # signed elsewhere: the middle of the signature box
        image = Box(person_box.x0 + person_box.width / 4, person_box.y0 + person_box.height / 3,
                    person_box.x1 - person_box.width / 4, person_box.y1 - person_box.height / 3)
    signed_at = vietnam_time(signed_at)
    lines = [agency_name, iso_time(signed_at)]
    plan = layout.agency_layout(image, person_box, len(lines))

    def draw(canvas: Canvas) -> None:
        if seal_png:
            canvas.image(seal_png, plan.seal)
        _draw_lines(canvas, lines, font=REGULAR, size=layout.AGENCY_INFO_SIZE,
                    align="center", top=plan.text_top)

    return _sign(writer, signer, prefix=AGENCY_FIELD_PREFIX,
                 page_index=_page_index(writer, person.raw_get("/P")), box=plan.widget,
                 draw=draw, signed_at=signed_at, name=agency_name)


def sign_attachment_as_agency(pdf: bytes, signer, *, number: str,
                              signed_at: dt.datetime | None = None) -> bytes:
    """The agency's signature on a separate attachment file (NĐ 30 Phụ lục I): page 1,
    top right, no image; the number and notation of the document it belongs to and the
    signing time, Times New Roman, upright, size 10, black."""
    writer = _open(pdf)
    signed_at = vietnam_time(signed_at)
    lines = [number, iso_time(signed_at)]

    def draw(canvas: Canvas) -> None:
        _draw_lines(canvas, lines, font=REGULAR, size=layout.ATTACHMENT_INFO_SIZE,
                    align="right", top=canvas.height)

    return _sign(writer, signer, prefix=AGENCY_FIELD_PREFIX, page_index=0,
                 box=layout.attachment_box(_page(writer, 0)), draw=draw,
                 signed_at=signed_at)


def _draw_lines(canvas: Canvas, lines: list[str], *, font, size: float, align: str,
                top: float) -> None:
    """Lines from ``top`` (in the widget) down."""
    step = layout.line_height(size)
    for index, line in enumerate(lines):
        baseline = top - layout.ASCENT * size - index * step
        canvas.text(line, font=font, size=size, baseline=baseline, align=align,
                    max_width=canvas.width)
