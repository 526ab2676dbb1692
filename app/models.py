"""The data dictionary of the eOffice: ORM classes only, rules live in services.

Every row an agency owns carries ``agency_id`` (QĐ 778 Đ2, Đ10: one shared system, data
scoped per agency); who may see what is decided once, in ``app.security.scope``.
"""

from __future__ import annotations

import datetime as dt
import enum

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship, validates

from app.i18n import utcnow


class AgencyKind(str, enum.Enum):
    """Level of an agency in the province (cấp cơ quan)."""

    province = "province"  # UBND tỉnh
    department = "department"  # sở, ban, ngành
    district = "district"  # UBND huyện, thị xã, thành phố
    commune = "commune"  # UBND xã, phường, thị trấn
    unit = "unit"  # đơn vị sự nghiệp, trực thuộc
    external = "external"  # outside the province (bộ, ngành, tỉnh khác)


class Agency(Model):
    """Cơ quan, tổ chức: the tenant that owns documents, registers and users."""

    __tablename__ = "agency"
    __table_args__ = (Index("ix_agency_parent_id", "parent_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Mã định danh điện tử (QĐ 20/2020/QĐ-TTg): ddd.dd.dd.Ldd, e.g. 000.00.00.H48.
    # Optional: an agency without one cannot exchange externally (QĐ 778 Đ9.2).
    code: Mapped[str | None] = mapped_column(String(13), unique=True)
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    # Viết tắt tên cơ quan used in ký hiệu, e.g. "UBND" in 12/QĐ-UBND.
    abbreviation: Mapped[str] = mapped_column(String(20), nullable=False)
    kind: Mapped[AgencyKind] = mapped_column(
        Enum(AgencyKind, name="agency_kind", native_enum=False, length=20),
        nullable=False,
        default=AgencyKind.unit,
    )
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    parent: Mapped[Agency | None] = relationship(
        "Agency", remote_side=[id], back_populates="children"
    )
    children: Mapped[list[Agency]] = relationship("Agency", back_populates="parent")
    # Địa danh in the date line: "Quảng Ngãi, ngày 22 tháng 5 năm 2023".
    place_name: Mapped[str | None] = mapped_column(String(100))
    official_email: Mapped[str | None] = mapped_column(String(320))
    # Địa chỉ nhận văn bản điện tử (QĐ 778 Đ18.6 keeps it up to date).
    exchange_endpoint: Mapped[str | None] = mapped_column(String(500))
    # Cán bộ phụ trách an toàn thông tin (QĐ 778 Đ13.1).
    infosec_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", use_alter=True, name="fk_agency_infosec_officer")
    )
    infosec_officer: Mapped[UserAccount | None] = relationship(
        "UserAccount", foreign_keys=[infosec_officer_id], post_update=True
    )
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    departments: Mapped[list[Department]] = relationship(
        "Department", back_populates="agency", order_by="Department.name"
    )

    @property
    def can_exchange_externally(self) -> bool:
        """QĐ 778 Đ9.2: only agencies with a mã định danh exchange outside the install."""
        return bool(self.code) and self.active

    def __repr__(self) -> str:
        return self.name


class Department(Model):
    """Phòng, ban, đơn vị inside an agency."""

    __tablename__ = "department"
    __table_args__ = (
        UniqueConstraint("agency_id", "name", name="uq_department_agency_name"),
        Index("ix_department_agency_id", "agency_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    agency: Mapped[Agency] = relationship(Agency, back_populates="departments")
    name: Mapped[str] = mapped_column(String(255), nullable=False)
    # Viết tắt of the drafting unit, used in công văn: 1234/UBND-VP.
    abbreviation: Mapped[str | None] = mapped_column(String(20))
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self) -> str:
        return self.name


class UserAccount(User):  # tài khoản người dùng
    """Flask-AppBuilder's user (table ``ab_user``) with the agency it belongs to.

    Extended the documented way: a subclass on the same table, named by the security
    manager's ``user_model``.
    """

    __tablename__ = "ab_user"

    agency_id: Mapped[int | None] = mapped_column(
        ForeignKey("agency.id"), index=True, nullable=True
    )
    agency: Mapped[Agency | None] = relationship(Agency, foreign_keys=[agency_id])
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("department.id"), index=True, nullable=True
    )
    department: Mapped[Department | None] = relationship(Department)
    position: Mapped[str | None] = mapped_column(String(100))  # chức vụ
    official_email: Mapped[str | None] = mapped_column(String(320))  # thư công vụ
    phone: Mapped[str | None] = mapped_column(String(20))
    # Where the password is checked (QĐ 778 Đ8.2a, Đ16): "ldap" for official mail
    # directory accounts, "local" for the few who have no mailbox.
    auth_source: Mapped[str] = mapped_column(String(10), nullable=False, default="local",
                                             server_default="local")
    # Set when repeated failed logins lock the account; only an admin clears it.
    locked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # Why the account was deactivated (mailbox revoked, handed over on leaving, ...).
    inactive_reason: Mapped[str | None] = mapped_column(String(200))
    # Last time the directory sync found the account's mailbox.
    directory_seen_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    def get_full_name(self) -> str:
        """Vietnamese order: họ (family name) first, e.g. "Phan Thị Kim"."""
        return f"{self.last_name} {self.first_name}".strip()

    def __repr__(self) -> str:
        return self.get_full_name()


# --- Document registry (NĐ 30/2020) -------------------------------------------------------


class Direction(str, enum.Enum):
    """Which way a register counts: văn bản đến or văn bản đi."""

    incoming = "incoming"  # đến
    outgoing = "outgoing"  # đi


class Urgency(str, enum.Enum):
    """Mức độ khẩn (NĐ 30 Đ4.2.c); edXML OtherInfo/Priority beside each."""

    normal = "normal"  # Thường, 0
    urgent = "urgent"  # Khẩn, 1
    very_urgent = "very_urgent"  # Thượng khẩn, 2
    flash = "flash"  # Hỏa tốc, 3


class Secrecy(str, enum.Enum):
    """Độ mật. Only ``none`` may be stored: QĐ 778 Đ1.2 keeps state secrets out."""

    none = "none"
    confidential = "confidential"  # Mật
    secret = "secret"  # Tối mật
    top_secret = "top_secret"  # Tuyệt mật


class SigningAuthority(str, enum.Enum):
    """Quyền hạn ký (NĐ 30 Phụ lục I): TM., KT., TL., TUQ., Q. or the head signing."""

    own = "own"
    on_behalf = "TM"  # thay mặt tập thể
    deputy = "KT"  # ký thay
    by_order = "TL"  # thừa lệnh
    by_authorisation = "TUQ"  # thừa ủy quyền
    acting = "Q"  # quyền


class OutgoingStatus(str, enum.Enum):
    draft = "draft"  # dự thảo
    in_review = "in_review"  # trình duyệt
    approved = "approved"  # đã duyệt, chờ phát hành
    issued = "issued"  # đã phát hành (số, ngày assigned)
    cancelled = "cancelled"  # hủy: the record stays (QĐ 778 Đ12.1)


class IncomingStatus(str, enum.Enum):
    """National processing codes (QĐ 28/2018; edXML StatusCode) where they exist."""

    arrived = "01"  # Đã đến: waiting for the văn thư
    returned = "02"  # Từ chối tiếp nhận
    registered = "03"  # Đã tiếp nhận (vào sổ)
    assigned = "04"  # Phân công
    processing = "05"  # Đang xử lý
    completed = "06"  # Hoàn thành
    cancelled = "cancelled"  # hủy (recalled by the sender)


def _enum(enum_class: type[enum.Enum], name: str, length: int = 20) -> Enum:
    return Enum(
        enum_class, name=name, native_enum=False, length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class DocumentType(Model):
    """Tên loại văn bản hành chính and its viết tắt (NĐ 30 Đ7, Phụ lục III)."""

    __tablename__ = "document_type"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True, nullable=False)
    # None for Công văn and Thư công, which carry no type abbreviation.
    abbreviation: Mapped[str | None] = mapped_column(String(10))
    sort_order: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self) -> str:
        return self.name


class Register(Model):
    """Sổ đăng ký văn bản: one number series per agency, direction and year.

    ``last_number`` is the last number handed out; the next one is taken inside the
    transaction that issues or registers the document (app.registry.numbering).
    """

    __tablename__ = "register"
    __table_args__ = (
        UniqueConstraint("agency_id", "direction", "year", "name", name="uq_register_name"),
        Index("ix_register_agency_year", "agency_id", "year", "direction"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    agency: Mapped[Agency] = relationship(Agency)
    direction: Mapped[Direction] = mapped_column(_enum(Direction, "register_direction"), nullable=False)
    year: Mapped[int] = mapped_column(Integer, nullable=False)
    name: Mapped[str] = mapped_column(String(200), nullable=False)
    is_default: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    last_number: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)

    def __repr__(self) -> str:
        return f"{self.name} ({self.year})"


class LegalStatus(str, enum.Enum):
    """What the signatures on a document's own PDF files make of it (QĐ 778 Đ6, Đ7;
    QĐ 28/2018 Đ4): an electronic original needs a valid signature of the person who
    signed and of the issuing agency."""

    valid_original = "valid_original"  # bản gốc điện tử hợp lệ
    person_only = "person_only"  # có chữ ký cá nhân, chưa có chữ ký cơ quan
    agency_only = "agency_only"  # có chữ ký cơ quan, thiếu chữ ký cá nhân
    invalid = "invalid"  # có chữ ký không hợp lệ
    unsigned = "unsigned"  # không có chữ ký số


URGENCY_PRIORITY = {Urgency.normal: 0, Urgency.urgent: 1, Urgency.very_urgent: 2, Urgency.flash: 3}


class DocumentFieldsMixin:
    """Phụ lục VI metadata shared by văn bản đi and văn bản đến."""

    # Trích yếu nội dung (Subject, 500).
    subject: Mapped[str] = mapped_column(String(500), nullable=False)
    urgency: Mapped[Urgency] = mapped_column(
        _enum(Urgency, "urgency"), nullable=False, default=Urgency.normal
    )
    # edXML OtherInfo/Priority of the urgency (0 Thường … 3 Hỏa tốc), kept in step with
    # ``urgency`` so lists can put urgent documents first from an index.
    priority: Mapped[int] = mapped_column(Integer, nullable=False, default=0,
                                          server_default="0")

    @validates("urgency")
    def _keep_priority(self, key, value):
        urgency = Urgency(value) if value is not None else Urgency.normal
        self.priority = URGENCY_PRIORITY[urgency]
        return value

    # QĐ 778 Đ1.2: the database refuses anything but "none" too.
    secrecy: Mapped[Secrecy] = mapped_column(
        _enum(Secrecy, "secrecy"), nullable=False, default=Secrecy.none
    )
    page_count: Mapped[int | None] = mapped_column(Integer)  # Số trang (PageAmount)
    description: Mapped[str | None] = mapped_column(String(500))  # Ghi chú
    # Folded (no diacritics, đ→d, lower case) copy of the searchable text, kept by the
    # registry services; the full-text indexes are built over it.
    search_text: Mapped[str | None] = mapped_column(Text)
    # Kept by app.signatures.legal from the signature checks of the document's own PDFs;
    # None while the document has no PDF.
    legal_status: Mapped[LegalStatus | None] = mapped_column(
        _enum(LegalStatus, "legal_status"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class OutgoingDocument(DocumentFieldsMixin, Model):
    """Văn bản đi: drafted, approved, issued (number + date), sent."""

    __tablename__ = "outgoing_document"
    __table_args__ = (
        UniqueConstraint("agency_id", "year", "number", "notation", name="uq_outgoing_number"),
        Index("ix_outgoing_agency_status", "agency_id", "status", "id"),
        Index("ix_outgoing_agency_status_priority", "agency_id", "status", "priority", "id"),
        CheckConstraint("secrecy = 'none'", name="ck_outgoing_no_secrets"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    agency: Mapped[Agency] = relationship(Agency)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_type.id"), nullable=False)
    document_type: Mapped[DocumentType] = relationship(DocumentType)
    # The unit that drafted it: its abbreviation ends a công văn's ký hiệu (UBND-VP).
    drafting_department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    drafting_department: Mapped[Department | None] = relationship(Department)
    drafter_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    drafter: Mapped[UserAccount | None] = relationship(UserAccount, foreign_keys=[drafter_id])
    signer_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    signer: Mapped[UserAccount | None] = relationship(UserAccount, foreign_keys=[signer_id])
    signer_name: Mapped[str | None] = mapped_column(String(50))  # SignerInfo/FullName
    signer_position: Mapped[str | None] = mapped_column(String(100))  # SignerInfo/Position
    signing_authority: Mapped[SigningAuthority] = mapped_column(
        _enum(SigningAuthority, "signing_authority", 10), nullable=False,
        default=SigningAuthority.own,
    )
    issued_amount: Mapped[int | None] = mapped_column(Integer)  # Số lượng bản
    due_date: Mapped[dt.date | None] = mapped_column(Date)  # Hạn trả lời
    status: Mapped[OutgoingStatus] = mapped_column(
        _enum(OutgoingStatus, "outgoing_status"), nullable=False, default=OutgoingStatus.draft
    )
    # Assigned at issuance (NĐ 15.3: by the system), never before, never again.
    register_id: Mapped[int | None] = mapped_column(ForeignKey("register.id"))
    register: Mapped[Register | None] = relationship(Register)
    year: Mapped[int | None] = mapped_column(Integer)
    number: Mapped[int | None] = mapped_column(Integer)
    notation: Mapped[str | None] = mapped_column(String(30))  # ký hiệu, e.g. QĐ-UBND
    issued_date: Mapped[dt.date | None] = mapped_column(Date)  # ngày tháng văn bản
    issued_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # NĐ 30 Đ18.3: a correction is a new document replacing or amending an issued one.
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_document.id"))
    replaces: Mapped[OutgoingDocument | None] = relationship(
        "OutgoingDocument", remote_side=[id], foreign_keys=[replaces_id]
    )
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    cancelled_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    # The văn bản đến this one answers (edXML ResponseFor), proposed by its handler.
    response_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("incoming_document.id", use_alter=True, name="fk_outgoing_response_for"),
        index=True)
    response_for: Mapped[IncomingDocument | None] = relationship(
        "IncomingDocument", foreign_keys=[response_for_id])

    recipients: Mapped[list[OutgoingRecipient]] = relationship(
        "OutgoingRecipient", back_populates="outgoing", order_by="OutgoingRecipient.id"
    )
    attachments: Mapped[list[Attachment]] = relationship(
        "Attachment", primaryjoin="Attachment.outgoing_id == OutgoingDocument.id",
        order_by="Attachment.id", viewonly=True,
    )

    def __str__(self) -> str:
        return f"{self.number_display} {self.subject}".strip()

    @property
    def number_display(self) -> str:
        """Số và ký hiệu as printed: 05/QĐ-UBND (NĐ 30 Phụ lục I pads under 10)."""
        return f"{self.number:02d}/{self.notation}" if self.number else ""

    def __repr__(self) -> str:
        return self.subject


class OutgoingRecipient(Model):
    """Nơi nhận of a văn bản đi and where delivery stands for it."""

    __tablename__ = "outgoing_recipient"
    __table_args__ = (
        UniqueConstraint("outgoing_id", "agency_id", name="uq_outgoing_recipient_agency"),
        Index("ix_outgoing_recipient_outgoing", "outgoing_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    outgoing_id: Mapped[int] = mapped_column(ForeignKey("outgoing_document.id"), nullable=False)
    outgoing: Mapped[OutgoingDocument] = relationship(OutgoingDocument, back_populates="recipients")
    # An agency of this install, or an outside one known by name (and code) only.
    agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    agency: Mapped[Agency | None] = relationship(Agency)
    external_name: Mapped[str | None] = mapped_column(String(200))
    external_code: Mapped[str | None] = mapped_column(String(13))
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_document.id"))
    incoming: Mapped[IncomingDocument | None] = relationship("IncomingDocument")
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime)

    @property
    def name(self) -> str:
        return self.agency.name if self.agency else (self.external_name or "")


class IncomingDocument(DocumentFieldsMixin, Model):
    """Văn bản đến: arrived (from an agency of this install, or scanned from paper),
    then registered by the văn thư with số đến, or returned with a reason."""

    __tablename__ = "incoming_document"
    __table_args__ = (
        UniqueConstraint("register_id", "arrival_number", name="uq_incoming_arrival_number"),
        Index("ix_incoming_agency_status", "agency_id", "status", "id"),
        Index("ix_incoming_agency_status_priority", "agency_id", "status", "priority", "id"),
        CheckConstraint("secrecy = 'none'", name="ck_incoming_no_secrets"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)  # receiver
    agency: Mapped[Agency] = relationship(Agency, foreign_keys=[agency_id])
    status: Mapped[IncomingStatus] = mapped_column(
        _enum(IncomingStatus, "incoming_status", 10), nullable=False,
        default=IncomingStatus.arrived,
    )
    # Where it came from.
    source_outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_document.id"))
    source_outgoing: Mapped[OutgoingDocument | None] = relationship(
        OutgoingDocument, foreign_keys=[source_outgoing_id])
    author_agency_id: Mapped[int | None] = mapped_column(ForeignKey("agency.id"))
    author_agency: Mapped[Agency | None] = relationship(Agency, foreign_keys=[author_agency_id])
    author: Mapped[str] = mapped_column(String(200), nullable=False)  # Tác giả (OrganName)
    document_type_id: Mapped[int | None] = mapped_column(ForeignKey("document_type.id"))
    document_type: Mapped[DocumentType | None] = relationship(DocumentType)
    code_number: Mapped[str | None] = mapped_column(String(11))  # Số (CodeNumber)
    code_notation: Mapped[str | None] = mapped_column(String(30))  # Ký hiệu (CodeNotation)
    document_date: Mapped[dt.date | None] = mapped_column(Date)  # Ngày văn bản
    signer_name: Mapped[str | None] = mapped_column(String(50))
    signer_position: Mapped[str | None] = mapped_column(String(100))
    arrived_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    # Set at registration (vào sổ): số đến restarts at 01 each year per register.
    register_id: Mapped[int | None] = mapped_column(ForeignKey("register.id"))
    register: Mapped[Register | None] = relationship(Register)
    year: Mapped[int | None] = mapped_column(Integer)
    arrival_number: Mapped[int | None] = mapped_column(Integer)  # Số đến
    arrival_date: Mapped[dt.date | None] = mapped_column(Date)  # Ngày đến
    due_date: Mapped[dt.date | None] = mapped_column(Date)  # Thời hạn giải quyết
    to_places: Mapped[str | None] = mapped_column(String(1000))  # Đơn vị, người nhận
    registered_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    registered_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    return_reason: Mapped[str | None] = mapped_column(String(500))
    cancel_reason: Mapped[str | None] = mapped_column(String(500))
    # Trình (NĐ 30 Đ23.1): handed to the leader who directs it, same or next working day.
    presented_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("ab_user.id", name="fk_incoming_presented_to"))
    presented_to: Mapped[UserAccount | None] = relationship(
        UserAccount, foreign_keys=[presented_to_id])
    presented_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The document's own files; working files of its handlers hang on their assignment.
    attachments: Mapped[list[Attachment]] = relationship(
        "Attachment", primaryjoin="and_(Attachment.incoming_id == IncomingDocument.id, "
        "Attachment.assignment_id.is_(None))",
        order_by="Attachment.id", viewonly=True,
    )
    working_files: Mapped[list[Attachment]] = relationship(
        "Attachment", primaryjoin="and_(Attachment.incoming_id == IncomingDocument.id, "
        "Attachment.assignment_id.isnot(None))",
        order_by="Attachment.id", viewonly=True,
    )
    replies: Mapped[list[OutgoingDocument]] = relationship(
        "OutgoingDocument", primaryjoin="OutgoingDocument.response_for_id == IncomingDocument.id",
        order_by="OutgoingDocument.id", viewonly=True,
    )

    def time_limit(self):
        """The next time limit of NĐ 30 and whether it is missed (shown in the lists)."""
        from app.routing.time_limits import incoming_time_limit

        return incoming_time_limit(self)

    def __repr__(self) -> str:
        return self.subject


class Attachment(Model):
    """A file of a document; the bytes live once in the content-addressed store."""

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint(
            "(outgoing_id IS NULL) <> (incoming_id IS NULL)", name="ck_attachment_one_owner"
        ),
        Index("ix_attachment_outgoing", "outgoing_id"),
        Index("ix_attachment_incoming", "incoming_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_document.id"))
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_document.id"))
    sha256: Mapped[str] = mapped_column(String(64), nullable=False, index=True)
    size: Mapped[int] = mapped_column(Integer, nullable=False)
    filename: Mapped[str] = mapped_column(String(255), nullable=False)  # original, as uploaded
    mime_type: Mapped[str | None] = mapped_column(String(100))
    uploaded_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    uploaded_by: Mapped[UserAccount | None] = relationship(UserAccount)
    # Set for a working file (tệp xử lý) a handler attached to their part of the work.
    assignment_id: Mapped[int | None] = mapped_column(
        ForeignKey("assignment.id", use_alter=True, name="fk_attachment_assignment"),
        index=True)
    assignment: Mapped[Assignment | None] = relationship("Assignment")
    outgoing: Mapped[OutgoingDocument | None] = relationship(
        OutgoingDocument, foreign_keys=[outgoing_id])
    incoming: Mapped[IncomingDocument | None] = relationship(
        IncomingDocument, foreign_keys=[incoming_id])
    # PDFs only, after verification: "unsigned", "valid", "invalid"; None for other types.
    signature_state: Mapped[str | None] = mapped_column(String(10))
    signatures: Mapped[list[AttachmentSignature]] = relationship(
        "AttachmentSignature", back_populates="attachment", cascade="all, delete-orphan",
        order_by="AttachmentSignature.position")


class DocumentEvent(Model):
    """Append-only history of every state change (who, when, from → to, comment)."""

    __tablename__ = "document_event"
    __table_args__ = (
        Index("ix_document_event_outgoing", "outgoing_id", "id"),
        Index("ix_document_event_incoming", "incoming_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    outgoing_id: Mapped[int | None] = mapped_column(ForeignKey("outgoing_document.id"))
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_document.id"))
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    actor: Mapped[UserAccount | None] = relationship(UserAccount)
    action: Mapped[str] = mapped_column(String(40), nullable=False)
    from_status: Mapped[str | None] = mapped_column(String(20))
    to_status: Mapped[str | None] = mapped_column(String(20))
    comment: Mapped[str | None] = mapped_column(String(1000))


# --- Điều hành ------------------------------------------------------------------------------


class PublicHoliday(Model):
    """A day off besides Saturdays and Sundays (Tết, Giỗ Tổ, 30/4, 1/5, Quốc khánh and
    their compensation days), kept by the operator for the working-day calendar."""

    __tablename__ = "public_holiday"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[dt.date] = mapped_column(Date, nullable=False, unique=True)
    name: Mapped[str] = mapped_column(String(200), nullable=False)

    def __repr__(self) -> str:
        return f"{self.day:%d/%m/%Y} {self.name}"


class AssignmentRole(str, enum.Enum):
    lead = "lead"  # chủ trì
    cooperate = "cooperate"  # phối hợp
    inform = "inform"  # để biết


class AssignmentStatus(str, enum.Enum):
    """The national codes a recipient reports back (QĐ 28/2018)."""

    assigned = "04"  # Phân công
    processing = "05"  # Đang xử lý
    completed = "06"  # Hoàn thành


class Assignment(Model):
    """Phân công: one unit or person's part in handling a văn bản đến, with its
    deadline; sub-assignments (a department head to an officer) hang under it."""

    __tablename__ = "assignment"
    __table_args__ = (
        CheckConstraint(
            "(department_id IS NULL) <> (user_id IS NULL)", name="ck_assignment_one_assignee"
        ),
        Index("ix_assignment_incoming", "incoming_id", "id"),
        Index("ix_assignment_user_status", "user_id", "status"),
        Index("ix_assignment_department_status", "department_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    incoming_id: Mapped[int] = mapped_column(ForeignKey("incoming_document.id"), nullable=False)
    incoming: Mapped[IncomingDocument] = relationship(IncomingDocument)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    parent: Mapped[Assignment | None] = relationship(
        "Assignment", remote_side=[id], back_populates="children")
    children: Mapped[list[Assignment]] = relationship(
        "Assignment", back_populates="parent", order_by="Assignment.id")
    role: Mapped[AssignmentRole] = mapped_column(_enum(AssignmentRole, "assignment_role"),
                                                 nullable=False)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    department: Mapped[Department | None] = relationship(Department)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    user: Mapped[UserAccount | None] = relationship(UserAccount, foreign_keys=[user_id])
    instruction: Mapped[str | None] = mapped_column(String(2000))  # ý kiến chỉ đạo
    deadline: Mapped[dt.date | None] = mapped_column(Date)
    status: Mapped[AssignmentStatus] = mapped_column(
        _enum(AssignmentStatus, "assignment_status", 5), nullable=False,
        default=AssignmentStatus.assigned)
    assigned_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    assigned_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    completed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # The local (Vietnam) day it was completed, compared with the deadline.
    completed_on: Mapped[dt.date | None] = mapped_column(Date)

    @property
    def assignee_name(self) -> str:
        return self.department.name if self.department else self.user.get_full_name()


class NotificationKind(str, enum.Enum):
    assigned = "assigned"  # new work
    due_soon = "due_soon"  # đôn đốc: the deadline is near
    overdue = "overdue"  # đôn đốc: the deadline has passed
    account = "account"  # to agency admins: new, moved or revoked directory accounts
    data_export = "data_export"  # a data export request to decide, or its decision


class Notification(Model):
    """An in-app message to one person (also e-mailed when SMTP is configured).

    Reminders are unique per person, part of the work, kind and period (the local day),
    so a reminder job that runs twice sends nothing twice."""

    __tablename__ = "notification"
    __table_args__ = (
        UniqueConstraint("user_id", "assignment_id", "kind", "period",
                         name="uq_notification_once_per_period"),
        Index("ix_notification_user_unread", "user_id", "read_at", "id"),
        Index("ix_notification_unsent", "emailed_at", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False)
    user: Mapped[UserAccount] = relationship(UserAccount)
    incoming_id: Mapped[int | None] = mapped_column(ForeignKey("incoming_document.id"))
    incoming: Mapped[IncomingDocument | None] = relationship(IncomingDocument)
    assignment_id: Mapped[int | None] = mapped_column(ForeignKey("assignment.id"))
    assignment: Mapped[Assignment | None] = relationship(Assignment)
    kind: Mapped[NotificationKind] = mapped_column(
        _enum(NotificationKind, "notification_kind"), nullable=False)
    period: Mapped[str] = mapped_column(String(10), nullable=False)  # yyyy-mm-dd, local
    message: Mapped[str] = mapped_column(String(500), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    # None while an e-mail is owed; the job retries until the mail server takes it.
    emailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    email_error: Mapped[str | None] = mapped_column(String(500))


# --- Chữ ký số -------------------------------------------------------------------------------


class SignatureKind(str, enum.Enum):
    person = "person"  # chữ ký số của người có thẩm quyền
    agency = "agency"  # chữ ký số của cơ quan, tổ chức (by the văn thư)


class AttachmentSignature(Model):
    """One digital signature found in a PDF attachment and what its validation showed
    (TT 41/2017 Đ9.1: keep the certificates, the signer's details and the verification
    results). Rows are replaced each time the file is verified again."""

    __tablename__ = "attachment_signature"
    __table_args__ = (Index("ix_attachment_signature_attachment", "attachment_id", "position"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    attachment_id: Mapped[int] = mapped_column(ForeignKey("attachment.id"), nullable=False)
    attachment: Mapped[Attachment] = relationship(Attachment, back_populates="signatures")
    position: Mapped[int] = mapped_column(Integer, nullable=False)  # 1 = signed first
    field_name: Mapped[str | None] = mapped_column(String(200))
    kind: Mapped[SignatureKind] = mapped_column(
        _enum(SignatureKind, "signature_kind"), nullable=False)
    signer_name: Mapped[str | None] = mapped_column(String(255))
    signer_organisation: Mapped[str | None] = mapped_column(String(255))
    signer_title: Mapped[str | None] = mapped_column(String(255))
    certificate_issuer: Mapped[str | None] = mapped_column(String(500))
    certificate_serial: Mapped[str | None] = mapped_column(String(100))
    certificate_valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime)
    signed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)  # UTC
    timestamped: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    intact: Mapped[bool] = mapped_column(Boolean, nullable=False)  # bytes unchanged
    cryptographically_valid: Mapped[bool] = mapped_column(Boolean, nullable=False)
    trusted: Mapped[bool] = mapped_column(Boolean, nullable=False)  # chain to a trust root
    # Why the chain was not trusted (expired, unknown root, revoked …), for people.
    trust_problem: Mapped[str | None] = mapped_column(String(500))
    # "none" (no revocation data in the file or fetched), "good", "revoked".
    revocation: Mapped[str] = mapped_column(String(20), nullable=False, default="none")
    # pyHanko's ModificationLevel of what changed after signing: none, lta_updates,
    # form_filling, annotations, other.
    modification_level: Mapped[str | None] = mapped_column(String(20))
    changes_allowed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    coverage: Mapped[str | None] = mapped_column(String(30))
    valid: Mapped[bool] = mapped_column(Boolean, nullable=False)  # all of the above hold
    checked_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)


class SigningProfile(Model):
    """How a person (user_id set) or an agency (user_id NULL) signs: the image shown in
    the visible signature (a person's signature, the agency's seal; a PNG in the
    attachment store) and the key — a PKCS#12 file kept encrypted (its password is asked
    at each signing and never stored) or a key on a PKCS#11 token (its PIN likewise)."""

    __tablename__ = "signing_profile"
    __table_args__ = (UniqueConstraint("owner", name="uq_signing_profile_owner"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    agency: Mapped[Agency] = relationship(Agency)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    user: Mapped[UserAccount | None] = relationship(UserAccount)
    owner: Mapped[str] = mapped_column(String(40), nullable=False)  # "user:<id>" / "agency:<id>"
    image_sha256: Mapped[str | None] = mapped_column(String(64))
    key_source: Mapped[str | None] = mapped_column(String(10))  # "pkcs12" / "pkcs11"
    pkcs12_encrypted: Mapped[bytes | None] = mapped_column(LargeBinary)
    pkcs11_token_label: Mapped[str | None] = mapped_column(String(100))
    pkcs11_key_label: Mapped[str | None] = mapped_column(String(100))
    certificate_der: Mapped[bytes | None] = mapped_column(LargeBinary)
    certificate_subject: Mapped[str | None] = mapped_column(String(500))
    certificate_valid_to: Mapped[dt.datetime | None] = mapped_column(DateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow,
                                                    onupdate=utcnow)


# --- Accounts and audit (QĐ 778 Đ8.2, Đ16, Đ19) ----------------------------------------------


class DirectoryMapping(Model):
    """Where a directory entry belongs: a value of the mail directory's agency attribute
    (e.g. ``ou=So Tu phap``) mapped to an agency, and optionally a department, for
    entries whose attribute does not already carry the agency's code."""

    __tablename__ = "directory_mapping"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    directory_value: Mapped[str] = mapped_column(String(255), nullable=False, unique=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    agency: Mapped[Agency] = relationship(Agency)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    department: Mapped[Department | None] = relationship(Department)

    def __repr__(self) -> str:
        return self.directory_value


class AuditEntry(Model):
    """Nhật ký hệ thống: one append-only entry, chained to the previous one by
    ``prev_hash`` so that editing or removing any row breaks the chain there."""

    __tablename__ = "audit_entry"
    __table_args__ = (
        Index("ix_audit_entry_event", "event", "id"),
        Index("ix_audit_entry_agency", "agency_id", "id"),
        Index("ix_audit_entry_actor", "actor_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    event: Mapped[str] = mapped_column(String(40), nullable=False)
    # Who did it (no foreign key: the log outlives anything it mentions).
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor_name: Mapped[str | None] = mapped_column(String(255))
    agency_id: Mapped[int | None] = mapped_column(Integer)
    target: Mapped[str | None] = mapped_column(String(255))  # "user:12", "incoming:5"
    ip: Mapped[str | None] = mapped_column(String(45))
    detail: Mapped[str | None] = mapped_column(Text)  # JSON
    prev_hash: Mapped[str] = mapped_column(String(64), nullable=False)
    entry_hash: Mapped[str] = mapped_column(String(64), nullable=False, unique=True)


class DataExportStatus(str, enum.Enum):
    pending = "pending"  # chờ lãnh đạo duyệt
    approved = "approved"
    rejected = "rejected"


class DataExportRequest(Model):
    """A departing user's request for a copy of their own documents (QĐ 778 Đ19.1c):
    downloadable only after the agency head approves it."""

    __tablename__ = "data_export_request"
    __table_args__ = (Index("ix_data_export_request_agency", "agency_id", "status", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency_id: Mapped[int] = mapped_column(ForeignKey("agency.id"), nullable=False)
    agency: Mapped[Agency] = relationship(Agency)
    user_id: Mapped[int] = mapped_column(ForeignKey("ab_user.id"), nullable=False, index=True)
    user: Mapped[UserAccount] = relationship(UserAccount, foreign_keys=[user_id])
    reason: Mapped[str | None] = mapped_column(String(500))
    requested_at: Mapped[dt.datetime] = mapped_column(DateTime, nullable=False, default=utcnow)
    status: Mapped[DataExportStatus] = mapped_column(
        _enum(DataExportStatus, "data_export_status"), nullable=False,
        default=DataExportStatus.pending)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("ab_user.id"))
    decided_by: Mapped[UserAccount | None] = relationship(UserAccount, foreign_keys=[decided_by_id])
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    downloaded_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
