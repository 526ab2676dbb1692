"""The data dictionary of the eOffice: ORM classes only, rules live in services.

Every row an agency owns carries ``agency_id`` (QĐ 778 Đ2, Đ10: one shared system, data
scoped per agency); who may see what is decided once, in ``app.security.scope``.
"""

from __future__ import annotations

import enum

from flask_appbuilder import Model
from flask_appbuilder.security.sqla.models import User
from sqlalchemy import (
    Boolean,
    Enum,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship


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


class UserAccount(User):
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

    def get_full_name(self) -> str:
        """Vietnamese order: họ (family name) first, e.g. "Phan Thị Kim"."""
        return f"{self.last_name} {self.first_name}".strip()

    def __repr__(self) -> str:
        return self.get_full_name()
