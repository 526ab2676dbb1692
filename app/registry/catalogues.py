"""Catalogues as data: document types (NĐ 30 Đ7, Phụ lục III), urgency, secrecy and
signing authority, with their Vietnamese labels."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from app.models import DocumentType, Secrecy, SigningAuthority, Urgency

# (tên loại, viết tắt) in the order of NĐ 30 Đ7; Công văn and Thư công have none.
DOCUMENT_TYPES: tuple[tuple[str, str | None], ...] = (
    ("Nghị quyết", "NQ"), ("Quyết định", "QĐ"), ("Chỉ thị", "CT"), ("Quy chế", "QC"),
    ("Quy định", "QyĐ"), ("Thông cáo", "TC"), ("Thông báo", "TB"), ("Hướng dẫn", "HD"),
    ("Chương trình", "CTr"), ("Kế hoạch", "KH"), ("Phương án", "PA"), ("Đề án", "ĐA"),
    ("Dự án", "DA"), ("Báo cáo", "BC"), ("Biên bản", "BB"), ("Tờ trình", "TTr"),
    ("Hợp đồng", "HĐ"), ("Công văn", None), ("Công điện", "CĐ"), ("Bản ghi nhớ", "BGN"),
    ("Bản thỏa thuận", "BTT"), ("Giấy ủy quyền", "GUQ"), ("Giấy mời", "GM"),
    ("Giấy giới thiệu", "GGT"), ("Giấy nghỉ phép", "GNP"), ("Phiếu gửi", "PG"),
    ("Phiếu chuyển", "PC"), ("Phiếu báo", "PB"), ("Thư công", None),
)

URGENCY_LABELS = {
    Urgency.normal: _l("Normal"),
    Urgency.urgent: _l("Urgent"),
    Urgency.very_urgent: _l("Very urgent"),
    Urgency.flash: _l("Flash"),
}
# edXML OtherInfo/Priority (QCVN 102:2016) lives beside the model: URGENCY_PRIORITY.

SECRECY_LABELS = {
    Secrecy.none: _l("Not secret"),
    Secrecy.confidential: _l("Confidential (Mật)"),
    Secrecy.secret: _l("Secret (Tối mật)"),
    Secrecy.top_secret: _l("Top secret (Tuyệt mật)"),
}

SIGNING_AUTHORITY_PREFIX = {
    SigningAuthority.own: "",
    SigningAuthority.on_behalf: "TM.",
    SigningAuthority.deputy: "KT.",
    SigningAuthority.by_order: "TL.",
    SigningAuthority.by_authorisation: "TUQ.",
    SigningAuthority.acting: "Q.",
}


def sync_document_types(session) -> int:
    """Insert missing types and correct abbreviations; never deletes (old documents
    keep their type). Returns how many rows changed."""
    existing = {t.name: t for t in session.query(DocumentType)}
    changed = 0
    for order, (name, abbreviation) in enumerate(DOCUMENT_TYPES, start=1):
        row = existing.get(name)
        if row is None:
            session.add(DocumentType(name=name, abbreviation=abbreviation, sort_order=order))
            changed += 1
        elif (row.abbreviation, row.sort_order) != (abbreviation, order):
            row.abbreviation, row.sort_order = abbreviation, order
            changed += 1
    session.commit()
    return changed
