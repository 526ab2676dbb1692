"""Vietnamese vocabulary for the benchmark data: agencies of a province (codes
``ddd.dd.dd.H48``), people's names, positions and document subjects composed from verbs,
topics, periods and places. Everything is plain data; ``bench/generate.py`` draws from it
with a seeded ``random.Random`` so two runs with the same seed give the same database.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

PROVINCE = "Quảng Ngãi"
MAIL_DOMAIN = "quangngai.gov.vn"

# The phrases run.py searches for: one in roughly one document in ten, one in most of them,
# one in a few dozen documents of the whole province (planted by the generator, some in
# each bench agency).
COMMON_PHRASE = "chuyển đổi số"
# Matches most documents: every internal sender is an "Ủy ban nhân dân ..." or its office.
VERY_COMMON_PHRASE = "ủy ban nhân dân"
RARE_PHRASE = "cá voi mắc cạn"
RARE_SUBJECTS = (
    "Về việc cứu hộ cá voi mắc cạn tại bờ biển xã Bình Châu",
    "Báo cáo tình hình xử lý cá voi mắc cạn trên vùng biển huyện Lý Sơn",
    "Về việc phối hợp chôn cất cá voi mắc cạn theo phong tục ngư dân",
)


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    abbreviation: str
    kind: str  # AgencyKind name
    parent_code: str | None
    place: str
    weight: float  # share of the province's documents it handles
    head_title: str  # chức danh of the head who signs
    departments: tuple[tuple[str, str], ...]


# --- Agencies --------------------------------------------------------------------------

SO_BAN = (  # (code middle, name, abbreviation)
    (1, "Văn phòng Ủy ban nhân dân tỉnh", "VPUBND"),
    (2, "Sở Nội vụ", "SNV"),
    (3, "Sở Tư pháp", "STP"),
    (4, "Sở Kế hoạch và Đầu tư", "SKHĐT"),
    (5, "Sở Tài chính", "STC"),
    (6, "Sở Công Thương", "SCT"),
    (7, "Sở Nông nghiệp và Phát triển nông thôn", "SNNPTNT"),
    (8, "Sở Giao thông vận tải", "SGTVT"),
    (9, "Sở Xây dựng", "SXD"),
    (10, "Sở Tài nguyên và Môi trường", "STNMT"),
    (11, "Sở Thông tin và Truyền thông", "STTTT"),
    (12, "Sở Lao động - Thương binh và Xã hội", "SLĐTBXH"),
    (13, "Sở Văn hóa, Thể thao và Du lịch", "SVHTTDL"),
    (14, "Sở Khoa học và Công nghệ", "SKHCN"),
    (15, "Sở Giáo dục và Đào tạo", "SGDĐT"),
    (16, "Sở Y tế", "SYT"),
    (17, "Thanh tra tỉnh", "TTT"),
    (18, "Sở Ngoại vụ", "SNgV"),
    (19, "Ban Dân tộc", "BDT"),
    (20, "Ban Quản lý Khu kinh tế Dung Quất và các khu công nghiệp tỉnh Quảng Ngãi", "BQL"),
    (21, "Văn phòng Đoàn đại biểu Quốc hội và Hội đồng nhân dân tỉnh", "VPĐĐBQH"),
)

# (code, kind word, name, communes as (kind word, name))
DISTRICTS = (
    (50, "thành phố", "Quảng Ngãi", [
        ("phường", n) for n in ("Lê Hồng Phong", "Trần Phú", "Nguyễn Nghiêm", "Nghĩa Chánh",
                                "Nghĩa Lộ", "Chánh Lộ", "Trần Hưng Đạo", "Quảng Phú",
                                "Trương Quang Trọng")] + [
        ("xã", n) for n in ("Tịnh Ấn Tây", "Tịnh Ấn Đông", "Tịnh Hòa", "Tịnh Khê", "Tịnh Kỳ",
                            "Tịnh Long", "Tịnh Thiện", "Tịnh Châu", "Tịnh An", "Nghĩa An",
                            "Nghĩa Dõng", "Nghĩa Dũng", "Nghĩa Hà", "Nghĩa Phú")]),
    (53, "huyện", "Bình Sơn", [
        ("xã", n) for n in ("Bình Thạnh", "Bình Châu", "Bình Đông", "Bình Thuận", "Bình Trị",
                            "Bình Hải", "Bình Phước", "Bình Hiệp", "Bình Long", "Bình Chánh",
                            "Bình Dương", "Bình Khương", "Bình Minh", "Bình Mỹ", "Bình An",
                            "Bình Trung", "Bình Tân Phú", "Bình Thanh", "Bình Chương")]
        + [("thị trấn", "Châu Ổ")]),
    (54, "huyện", "Trà Bồng", [("thị trấn", "Trà Xuân")] + [
        ("xã", n) for n in ("Trà Bình", "Trà Bùi", "Trà Giang", "Trà Hiệp", "Trà Lâm",
                            "Trà Phú", "Trà Sơn", "Trà Tân", "Trà Thủy", "Trà Xinh", "Trà Tây",
                            "Hương Trà", "Sơn Trà", "Trà Phong", "Trà Thanh")]),
    (55, "huyện", "Sơn Tịnh", [
        ("xã", n) for n in ("Tịnh Hà", "Tịnh Bắc", "Tịnh Bình", "Tịnh Đông", "Tịnh Giang",
                            "Tịnh Hiệp", "Tịnh Minh", "Tịnh Phong", "Tịnh Sơn", "Tịnh Thọ",
                            "Tịnh Trà")]),
    (56, "huyện", "Tư Nghĩa", [("thị trấn", "La Hà"), ("thị trấn", "Sông Vệ")] + [
        ("xã", n) for n in ("Nghĩa Điền", "Nghĩa Hiệp", "Nghĩa Hòa", "Nghĩa Kỳ", "Nghĩa Lâm",
                            "Nghĩa Mỹ", "Nghĩa Phương", "Nghĩa Sơn", "Nghĩa Thắng", "Nghĩa Thọ",
                            "Nghĩa Thuận", "Nghĩa Trung")]),
    (57, "huyện", "Sơn Hà", [("thị trấn", "Di Lăng")] + [
        ("xã", n) for n in ("Sơn Ba", "Sơn Bao", "Sơn Cao", "Sơn Giang", "Sơn Hạ", "Sơn Hải",
                            "Sơn Kỳ", "Sơn Linh", "Sơn Nham", "Sơn Thành", "Sơn Thượng",
                            "Sơn Thủy", "Sơn Trung")]),
    (58, "huyện", "Sơn Tây", [
        ("xã", n) for n in ("Sơn Bua", "Sơn Dung", "Sơn Liên", "Sơn Long", "Sơn Màu",
                            "Sơn Mùa", "Sơn Tân", "Sơn Tinh", "Sơn Lập")]),
    (59, "huyện", "Minh Long", [
        ("xã", n) for n in ("Long Hiệp", "Long Mai", "Long Môn", "Long Sơn", "Thanh An")]),
    (60, "huyện", "Nghĩa Hành", [("thị trấn", "Chợ Chùa")] + [
        ("xã", n) for n in ("Hành Dũng", "Hành Đức", "Hành Minh", "Hành Nhân", "Hành Phước",
                            "Hành Thiện", "Hành Thịnh", "Hành Thuận", "Hành Tín Đông",
                            "Hành Tín Tây", "Hành Trung")]),
    (61, "huyện", "Mộ Đức", [
        ("xã", n) for n in ("Đức Lợi", "Đức Chánh", "Đức Hiệp", "Đức Hòa", "Đức Lân",
                            "Đức Minh", "Đức Nhuận", "Đức Phong", "Đức Phú", "Đức Tân",
                            "Đức Thạnh")] + [("thị trấn", "Mộ Đức")]),
    (62, "thị xã", "Đức Phổ", [
        ("phường", n) for n in ("Nguyễn Nghiêm", "Phổ Hòa", "Phổ Minh", "Phổ Ninh",
                                "Phổ Quang", "Phổ Thạnh", "Phổ Văn", "Phổ Vinh")] + [
        ("xã", n) for n in ("Phổ An", "Phổ Châu", "Phổ Cường", "Phổ Khánh", "Phổ Nhơn",
                            "Phổ Phong", "Phổ Thuận")]),
    (63, "huyện", "Ba Tơ", [("thị trấn", "Ba Tơ")] + [
        ("xã", n) for n in ("Ba Bích", "Ba Cung", "Ba Dinh", "Ba Điền", "Ba Giang", "Ba Khâm",
                            "Ba Lế", "Ba Liên", "Ba Nam", "Ba Ngạc", "Ba Thành", "Ba Tiêu",
                            "Ba Tô", "Ba Trang", "Ba Vì", "Ba Vinh", "Ba Xa")]),
    (64, "huyện", "Lý Sơn", [("xã", n) for n in ("An Vĩnh", "An Hải", "An Bình")]),
)

# Đơn vị sự nghiệp / trực thuộc under a sở: (sở code middle, name, abbreviation).
UNITS = (
    (1, "Trung tâm Phục vụ hành chính công tỉnh", "TTPVHCC"),
    (1, "Cổng Thông tin điện tử tỉnh", "CTTĐT"),
    (2, "Ban Thi đua - Khen thưởng", "BTĐKT"),
    (2, "Chi cục Văn thư - Lưu trữ", "CCVTLT"),
    (2, "Ban Tôn giáo", "BTG"),
    (3, "Trung tâm Trợ giúp pháp lý nhà nước", "TTTGPL"),
    (3, "Phòng Công chứng số 1", "PCC1"),
    (4, "Trung tâm Xúc tiến đầu tư", "TTXTĐT"),
    (5, "Trung tâm Thông tin và Dịch vụ tài chính công", "TTTTDVTC"),
    (6, "Trung tâm Khuyến công và Tư vấn phát triển công nghiệp", "TTKC"),
    (6, "Chi cục Quản lý thị trường", "CCQLTT"),
    (7, "Chi cục Kiểm lâm", "CCKL"),
    (7, "Chi cục Thủy sản", "CCTS"),
    (7, "Chi cục Thủy lợi", "CCTL"),
    (7, "Chi cục Chăn nuôi và Thú y", "CCCNTY"),
    (7, "Chi cục Trồng trọt và Bảo vệ thực vật", "CCTTBVTV"),
    (7, "Trung tâm Khuyến nông", "TTKN"),
    (7, "Trung tâm Nước sạch và Vệ sinh môi trường nông thôn", "TTNS"),
    (7, "Ban Quản lý rừng phòng hộ Thạch Nham", "BQLRTN"),
    (8, "Ban Quản lý dự án đầu tư xây dựng các công trình giao thông", "BQLDAGT"),
    (8, "Trung tâm Đăng kiểm phương tiện giao thông", "TTĐK"),
    (8, "Cảng vụ đường thủy nội địa", "CVĐTNĐ"),
    (9, "Trung tâm Quy hoạch và Kiểm định xây dựng", "TTQHKĐ"),
    (9, "Ban Quản lý dự án đầu tư xây dựng các công trình dân dụng và công nghiệp", "BQLDADD"),
    (10, "Văn phòng Đăng ký đất đai", "VPĐKĐĐ"),
    (10, "Trung tâm Phát triển quỹ đất", "TTPTQĐ"),
    (10, "Trung tâm Quan trắc tài nguyên và môi trường", "TTQT"),
    (10, "Chi cục Biển và Hải đảo", "CCBHĐ"),
    (11, "Trung tâm Công nghệ thông tin và Truyền thông", "TTCNTTTT"),
    (11, "Trung tâm Giám sát, điều hành đô thị thông minh", "IOC"),
    (12, "Trung tâm Dịch vụ việc làm", "TTDVVL"),
    (12, "Trung tâm Bảo trợ xã hội tổng hợp", "TTBTXH"),
    (12, "Cơ sở cai nghiện ma túy", "CSCN"),
    (12, "Trường Cao đẳng Kỹ thuật công nghiệp Quảng Ngãi", "CĐKTCN"),
    (13, "Bảo tàng tổng hợp tỉnh", "BTTH"),
    (13, "Thư viện tỉnh", "TVT"),
    (13, "Trung tâm Văn hóa - Điện ảnh", "TTVHĐA"),
    (13, "Trung tâm Huấn luyện và Thi đấu thể dục thể thao", "TTHLTĐ"),
    (13, "Ban Quản lý Di tích Khu chứng tích Sơn Mỹ", "BQLSM"),
    (13, "Trung tâm Xúc tiến du lịch", "TTXTDL"),
    (14, "Trung tâm Ứng dụng và Thống kê khoa học công nghệ", "TTƯDKHCN"),
    (14, "Chi cục Tiêu chuẩn Đo lường Chất lượng", "CCTĐC"),
    (15, "Trường Trung học phổ thông chuyên Lê Khiết", "THPTLK"),
    (15, "Trường Trung học phổ thông Trần Quốc Tuấn", "THPTTQT"),
    (15, "Trường Trung học phổ thông Bình Sơn", "THPTBS"),
    (15, "Trường Trung học phổ thông Sơn Mỹ", "THPTSM"),
    (15, "Trường Trung học phổ thông Số 1 Tư Nghĩa", "THPTTN1"),
    (15, "Trường Trung học phổ thông Số 1 Đức Phổ", "THPTĐP1"),
    (15, "Trường Trung học phổ thông Ba Tơ", "THPTBT"),
    (15, "Trường Trung học phổ thông Lý Sơn", "THPTLS"),
    (15, "Trường Phổ thông Dân tộc nội trú tỉnh", "PTDTNT"),
    (15, "Trung tâm Giáo dục thường xuyên tỉnh", "TTGDTX"),
    (16, "Bệnh viện Đa khoa tỉnh", "BVĐK"),
    (16, "Bệnh viện Sản - Nhi", "BVSN"),
    (16, "Bệnh viện Y học cổ truyền", "BVYHCT"),
    (16, "Bệnh viện Tâm thần", "BVTT"),
    (16, "Bệnh viện Mắt", "BVM"),
    (16, "Bệnh viện Lao và Bệnh phổi", "BVLBP"),
    (16, "Trung tâm Kiểm soát bệnh tật", "CDC"),
    (16, "Trung tâm Pháp y", "TTPY"),
    (16, "Trung tâm Kiểm nghiệm", "TTKNg"),
    (16, "Chi cục An toàn vệ sinh thực phẩm", "CCATVSTP"),
    (16, "Chi cục Dân số - Kế hoạch hóa gia đình", "CCDS"),
    (16, "Trung tâm Y tế huyện Bình Sơn", "TTYTBS"),
    (16, "Trung tâm Y tế huyện Sơn Tịnh", "TTYTST"),
    (16, "Trung tâm Y tế huyện Tư Nghĩa", "TTYTTN"),
    (16, "Trung tâm Y tế huyện Nghĩa Hành", "TTYTNH"),
    (16, "Trung tâm Y tế huyện Mộ Đức", "TTYTMĐ"),
    (16, "Trung tâm Y tế thị xã Đức Phổ", "TTYTĐP"),
    (16, "Trung tâm Y tế huyện Ba Tơ", "TTYTBT"),
    (16, "Trung tâm Y tế huyện Sơn Hà", "TTYTSH"),
    (16, "Trung tâm Y tế huyện Trà Bồng", "TTYTTB"),
    (16, "Trung tâm Y tế huyện Lý Sơn", "TTYTLS"),
    (18, "Trung tâm Dịch vụ đối ngoại", "TTDVĐN"),
    (20, "Trung tâm Dịch vụ tổng hợp Khu kinh tế Dung Quất", "TTDVTH"),
    (20, "Ban Quản lý các dự án đầu tư xây dựng Khu kinh tế", "BQLDAKKT"),
    (2, "Trung tâm Lưu trữ lịch sử", "TTLTLS"),
    (4, "Ban Quản lý các dự án ODA", "BQLODA"),
    (5, "Trung tâm Mua sắm tài sản công", "TTMSTSC"),
    (7, "Chi cục Phát triển nông thôn", "CCPTNT"),
    (7, "Ban Quản lý rừng phòng hộ Ba Tơ", "BQLRBT"),
    (7, "Trung tâm Giống nông nghiệp", "TTGNN"),
    (8, "Trung tâm Sát hạch lái xe", "TTSHLX"),
    (10, "Trung tâm Công nghệ thông tin tài nguyên và môi trường", "TTCNTTTNMT"),
    (12, "Trung tâm Công tác xã hội", "TTCTXH"),
    (13, "Đoàn Nghệ thuật Bài chòi", "ĐNTBC"),
    (15, "Trường Trung học phổ thông Chu Văn An", "THPTCVA"),
    (15, "Trường Trung học phổ thông Phạm Văn Đồng", "THPTPVĐ"),
    (15, "Trường Trung học phổ thông Võ Nguyên Giáp", "THPTVNG"),
    (16, "Trung tâm Y tế huyện Sơn Tây", "TTYTSTy"),
    (16, "Trung tâm Y tế huyện Minh Long", "TTYTML"),
    (16, "Trung tâm Y tế thành phố Quảng Ngãi", "TTYTTP"),
    (16, "Bệnh viện Đa khoa khu vực Đặng Thùy Trâm", "BVĐKKV"),
)

SO_DEPARTMENTS = (("Văn phòng Sở", "VP"), ("Phòng Kế hoạch - Tài chính", "KHTC"),
                  ("Thanh tra Sở", "TTr"), ("Phòng Quản lý chuyên ngành", "QLCN"))
PROVINCE_DEPARTMENTS = (("Văn phòng", "VP"), ("Phòng Kinh tế", "KT"),
                        ("Phòng Tổng hợp", "TH"), ("Phòng Khoa giáo - Văn xã", "KGVX"),
                        ("Phòng Nội chính", "NC"))
DISTRICT_DEPARTMENTS = (("Văn phòng HĐND và UBND", "VP"), ("Phòng Nội vụ", "NV"),
                        ("Phòng Tài chính - Kế hoạch", "TCKH"),
                        ("Phòng Tài nguyên và Môi trường", "TNMT"),
                        ("Phòng Giáo dục và Đào tạo", "GDĐT"), ("Phòng Kinh tế", "KT"))
COMMUNE_DEPARTMENTS = (("Văn phòng - Thống kê", "VPTK"), ("Địa chính - Xây dựng", "ĐCXD"),
                       ("Tài chính - Kế toán", "TCKT"))
UNIT_DEPARTMENTS = (("Phòng Hành chính - Tổng hợp", "HCTH"), ("Phòng Nghiệp vụ", "NVu"))


def agencies() -> list[AgencySpec]:
    """300 agencies of the province, parents first."""
    out = [AgencySpec("000.00.00.H48", "Ủy ban nhân dân tỉnh Quảng Ngãi", "UBND", "province",
                      None, PROVINCE, 60.0, "Chủ tịch", PROVINCE_DEPARTMENTS)]
    for middle, name, abbreviation in SO_BAN:
        weight = 20.0 if middle == 1 else 8.0
        head = "Chánh Văn phòng" if name.startswith("Văn phòng") else (
            "Chánh Thanh tra" if name.startswith("Thanh tra") else (
                "Trưởng ban" if name.startswith("Ban") else "Giám đốc"))
        out.append(AgencySpec(f"000.00.{middle:02d}.H48", name, abbreviation, "department",
                              "000.00.00.H48", PROVINCE, weight, head, SO_DEPARTMENTS))
    for code, kind_word, name, communes in DISTRICTS:
        district_code = f"000.00.{code:02d}.H48"
        out.append(AgencySpec(district_code, f"Ủy ban nhân dân {kind_word} {name}", "UBND",
                              "district", "000.00.00.H48", name, 12.0, "Chủ tịch",
                              DISTRICT_DEPARTMENTS))
        for index, (commune_kind, commune) in enumerate(communes, start=1):
            out.append(AgencySpec(f"000.{index:02d}.{code:02d}.H48",
                                  f"Ủy ban nhân dân {commune_kind} {commune}", "UBND",
                                  "commune", district_code, name, 1.2, "Chủ tịch",
                                  COMMUNE_DEPARTMENTS))
    per_parent: dict[int, int] = {}
    for middle, name, abbreviation in UNITS:
        per_parent[middle] = per_parent.get(middle, 0) + 1
        out.append(AgencySpec(f"000.{per_parent[middle]:02d}.{middle:02d}.H48", name,
                              abbreviation, "unit", f"000.00.{middle:02d}.H48", PROVINCE, 0.8,
                              "Giám đốc" if not name.startswith(("Trường", "Chi cục", "Ban"))
                              else ("Hiệu trưởng" if name.startswith("Trường") else
                                    ("Chi cục trưởng" if name.startswith("Chi cục")
                                     else "Trưởng ban")),
                              UNIT_DEPARTMENTS))
    return out


# Senders outside the install: (name, their usual ký hiệu tails).
EXTERNAL_SENDERS = (
    ("Văn phòng Chính phủ", ("VPCP-KGVX", "VPCP-KTTH", "TB-VPCP", "VPCP-ĐMDN")),
    ("Thủ tướng Chính phủ", ("QĐ-TTg", "CT-TTg", "CĐ-TTg")),
    ("Bộ Thông tin và Truyền thông", ("BTTTT-CĐSQG", "BTTTT-THH", "BTTTT-CATTT")),
    ("Bộ Tài chính", ("BTC-NSNN", "BTC-ĐT", "TT-BTC")),
    ("Bộ Nội vụ", ("BNV-CCVC", "BNV-CQĐP", "BNV-VTLTNN")),
    ("Bộ Kế hoạch và Đầu tư", ("BKHĐT-TH", "BKHĐT-KTĐPLT")),
    ("Bộ Nông nghiệp và Phát triển nông thôn", ("BNN-TY", "BNN-TCTL", "BNN-VPĐP")),
    ("Bộ Tài nguyên và Môi trường", ("BTNMT-TCQLĐĐ", "BTNMT-KSONMT")),
    ("Bộ Y tế", ("BYT-DP", "BYT-KCB")),
    ("Bộ Giáo dục và Đào tạo", ("BGDĐT-GDTrH", "BGDĐT-QLCL")),
    ("Tỉnh ủy Quảng Ngãi", ("TU", "CV-TU", "TB-TU")),
    ("Hội đồng nhân dân tỉnh Quảng Ngãi", ("NQ-HĐND", "HĐND-VP")),
    ("Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Quảng Ngãi", ("MTTQ-BTT",)),
    ("Công an tỉnh Quảng Ngãi", ("CAT-PV01", "CAT-PC07", "CAT-PA05")),
    ("Bộ Chỉ huy Quân sự tỉnh Quảng Ngãi", ("BCH-TM",)),
    ("Kho bạc Nhà nước Quảng Ngãi", ("KBQNg-KSC",)),
    ("Cục Thuế tỉnh Quảng Ngãi", ("CTQNG-TTHT", "CTQNG-NVDTPC")),
    ("Bảo hiểm xã hội tỉnh Quảng Ngãi", ("BHXH-QLT", "BHXH-CĐBHXH")),
    ("Ngân hàng Nhà nước Việt Nam Chi nhánh tỉnh Quảng Ngãi", ("QNG1",)),
    ("Ủy ban nhân dân tỉnh Bình Định", ("UBND-KT", "QĐ-UBND")),
    ("Ủy ban nhân dân tỉnh Quảng Nam", ("UBND-KTTH", "UBND-KGVX")),
)


# --- People --------------------------------------------------------------------------

FAMILY_NAMES = (("Nguyễn", 38), ("Trần", 11), ("Lê", 9.5), ("Phạm", 7), ("Huỳnh", 5),
                ("Phan", 4.5), ("Võ", 4), ("Đặng", 2.1), ("Bùi", 2), ("Đỗ", 1.4),
                ("Hồ", 1.3), ("Ngô", 1.3), ("Dương", 1), ("Lý", 0.5), ("Trương", 1.2),
                ("Đinh", 0.8), ("Lương", 0.5), ("Đoàn", 0.6), ("Tạ", 0.3), ("Châu", 0.3))
MIDDLE_MALE = ("Văn", "Minh", "Quốc", "Thanh", "Ngọc", "Hữu", "Đức", "Xuân", "Hoàng", "Công",
               "Bảo", "Tấn", "Anh", "Đình", "Quang", "Trung")
MIDDLE_FEMALE = ("Thị", "Thị Thu", "Thị Kim", "Ngọc", "Thanh", "Thị Minh", "Thu", "Kim",
                 "Thị Hồng", "Thị Mỹ", "Hoài", "Bích")
GIVEN_MALE = ("An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hiếu", "Hòa", "Hùng", "Huy",
              "Khánh", "Khoa", "Lâm", "Long", "Minh", "Nam", "Nghĩa", "Phong", "Phúc",
              "Quang", "Sơn", "Tâm", "Thắng", "Thành", "Tiến", "Toàn", "Trung", "Tuấn",
              "Việt", "Vinh", "Vũ", "Duy", "Hưng", "Lộc", "Tài", "Thịnh")
GIVEN_FEMALE = ("Anh", "Chi", "Diệu", "Dung", "Giang", "Hà", "Hạnh", "Hằng", "Hiền", "Hoa",
                "Hương", "Lan", "Liên", "Linh", "Loan", "Mai", "My", "Nga", "Ngân", "Nhung",
                "Oanh", "Phượng", "Phương", "Quyên", "Tâm", "Thảo", "Thủy", "Trang", "Trinh",
                "Tuyết", "Uyên", "Vân", "Vy", "Yến")

POSITIONS = {
    "Agency admin": "Chuyên viên công nghệ thông tin",
    "Agency head": None,  # the agency's head title, or "Phó ..." for deputies
    "Department head": ("Trưởng phòng", "Phó Trưởng phòng"),
    "Clerk": "Văn thư",
    "Officer": ("Chuyên viên", "Chuyên viên chính", "Cán sự", "Chuyên viên"),
}


def person(rng: random.Random) -> tuple[str, str]:
    """(họ, đệm + tên), e.g. ("Nguyễn", "Thị Thu Hà")."""
    family = rng.choices([f for f, _ in FAMILY_NAMES], [w for _, w in FAMILY_NAMES])[0]
    if rng.random() < 0.5:
        return family, f"{rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return family, f"{rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


# --- Documents ---------------------------------------------------------------------------

# (tên loại, weight) of documents agencies issue; công văn dominate.
TYPE_WEIGHTS = (("Công văn", 44), ("Quyết định", 15), ("Báo cáo", 10), ("Giấy mời", 8),
                ("Kế hoạch", 6), ("Thông báo", 6), ("Tờ trình", 5), ("Hướng dẫn", 2),
                ("Chương trình", 1), ("Chỉ thị", 0.6), ("Công điện", 0.6), ("Biên bản", 0.8),
                ("Nghị quyết", 0.3), ("Quy định", 0.3), ("Phương án", 0.4))

VERBS = ("triển khai", "tổ chức thực hiện", "tăng cường", "đẩy mạnh", "hướng dẫn thực hiện",
         "rà soát", "kiểm tra", "đôn đốc thực hiện", "góp ý dự thảo", "tham mưu",
         "báo cáo kết quả", "điều chỉnh", "bổ sung", "tổng kết", "sơ kết",
         "phối hợp thực hiện", "đề nghị cung cấp thông tin về", "chấn chỉnh",
         "nâng cao hiệu quả", "tiếp tục thực hiện")
TOPICS = (
    ("kế hoạch chuyển đổi số", 6), ("chương trình chuyển đổi số quốc gia", 2),
    ("dự toán ngân sách nhà nước", 4), ("công tác phòng, chống thiên tai và tìm kiếm cứu nạn", 3),
    ("chương trình mục tiêu quốc gia xây dựng nông thôn mới", 4), ("công tác cải cách hành chính", 4),
    ("công tác tiếp công dân, giải quyết khiếu nại, tố cáo", 3), ("công tác phòng cháy, chữa cháy", 2),
    ("quy hoạch sử dụng đất", 2), ("bồi thường, hỗ trợ, tái định cư", 3),
    ("chương trình tiêm chủng mở rộng", 1), ("bảo đảm an toàn thực phẩm", 2),
    ("công tác tuyển sinh vào lớp 10", 1), ("quản lý, bảo vệ rừng", 2),
    ("phòng, chống dịch tả lợn châu Phi", 1), ("xử lý vi phạm hành chính trong lĩnh vực đất đai", 2),
    ("cấp giấy chứng nhận quyền sử dụng đất", 3), ("Đề án 06 về dữ liệu dân cư, định danh điện tử", 3),
    ("dịch vụ công trực tuyến toàn trình", 3), ("chữ ký số chuyên dùng", 1),
    ("bảo đảm an toàn thông tin mạng", 2), ("giải ngân vốn đầu tư công", 4),
    ("thu ngân sách nhà nước", 2), ("chương trình mục tiêu quốc gia giảm nghèo bền vững", 3),
    ("chính sách đối với người có công với cách mạng", 2), ("bảo hiểm xã hội, bảo hiểm y tế", 2),
    ("phòng, chống tham nhũng, tiêu cực", 2), ("thực hành tiết kiệm, chống lãng phí", 1),
    ("công tác văn thư, lưu trữ", 1), ("tinh giản biên chế", 1),
    ("đánh giá, xếp loại cán bộ, công chức", 1), ("kiểm soát thủ tục hành chính", 2),
    ("phát triển kinh tế tập thể, hợp tác xã", 1), ("khai thác, bảo vệ nguồn lợi thủy sản", 1),
    ("chống khai thác hải sản bất hợp pháp (IUU)", 2), ("bảo vệ môi trường", 2),
    ("phòng, chống ma túy", 1), ("bảo đảm trật tự an toàn giao thông", 2),
    ("tổ chức Tết Nguyên đán", 1), ("kỷ niệm ngày Quốc khánh 2/9", 0.5),
    ("sắp xếp đơn vị hành chính cấp xã", 1), ("xây dựng cơ sở dữ liệu đất đai", 1),
)
PERIODS = ("năm {y}", "năm {y}", "6 tháng đầu năm {y}", "quý {q} năm {y}", "tháng {m} năm {y}",
           "giai đoạn 2021 - 2025", "giai đoạn 2026 - 2030", "năm học {y}-{y1}", "")
QUARTERS = ("I", "II", "III", "IV")

QD_OBJECTS = ("phê duyệt dự toán kinh phí thực hiện {topic}",
              "phê duyệt dự toán ngân sách năm {y} cho {topic}",
              "thành lập Tổ công tác triển khai {topic}", "kiện toàn Ban Chỉ đạo {topic}",
              "ban hành Quy chế phối hợp trong {topic}", "giao chỉ tiêu kế hoạch {topic}",
              "phân bổ kinh phí thực hiện {topic}", "phê duyệt Kế hoạch {topic}",
              "khen thưởng tập thể, cá nhân có thành tích xuất sắc trong {topic}",
              "phê duyệt danh sách hộ nghèo, hộ cận nghèo năm {y}",
              "bổ nhiệm công chức lãnh đạo, quản lý", "xử phạt vi phạm hành chính",
              "phê duyệt kế hoạch lựa chọn nhà thầu dự án đường giao thông liên xã",
              "điều chỉnh chủ trương đầu tư dự án kè chống sạt lở bờ sông Trà Khúc",
              "phê duyệt phương án bồi thường, hỗ trợ và tái định cư dự án Khu dân cư",
              "công bố danh mục thủ tục hành chính được chuẩn hóa")
MEETINGS = ("dự Hội nghị tổng kết", "dự họp", "dự buổi làm việc với Đoàn công tác",
            "dự Hội nghị trực tuyến", "dự Lễ phát động", "dự tập huấn")


def places_for(agency: AgencySpec) -> tuple[str, ...]:
    """Where a document of ``agency`` is about."""
    if agency.kind == "commune":
        return (f"tại {agency.name.replace('Ủy ban nhân dân ', '')}", "trên địa bàn",
                f"tại các thôn của {agency.name.replace('Ủy ban nhân dân ', '')}", "")
    if agency.kind == "district":
        district = agency.name.replace("Ủy ban nhân dân ", "")
        return (f"trên địa bàn {district}", f"tại {district}", "tại các xã, thị trấn", "")
    return ("trên địa bàn tỉnh", "tại Khu kinh tế Dung Quất", "tại các huyện miền núi",
            "tại huyện đảo Lý Sơn", "tại xã Bình Châu", "tại thành phố Quảng Ngãi", "", "")


class SubjectMaker:
    """Trích yếu for a document of a type, an agency and a year."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.topics = [t for t, _ in TOPICS]
        self.topic_weights = [w for _, w in TOPICS]
        self._places: dict[str, tuple[str, ...]] = {}

    def _period(self, year: int) -> str:
        r = self.rng
        return r.choice(PERIODS).format(y=year, y1=year + 1, q=r.choice(QUARTERS),
                                        m=r.randint(1, 12))

    def _tail(self, agency: AgencySpec, year: int) -> str:
        places = self._places.get(agency.code)
        if places is None:
            places = self._places[agency.code] = places_for(agency)
        parts = [self._period(year), self.rng.choice(places)]
        return " ".join(p for p in parts if p)

    def make(self, type_name: str, agency: AgencySpec, year: int) -> str:
        r = self.rng
        topic = r.choices(self.topics, self.topic_weights)[0]
        tail = self._tail(agency, year)
        if type_name == "Quyết định":
            template = r.choice(QD_OBJECTS)
            obj = template.format(topic=topic, y=year)
            text = (f"Về việc {obj} {tail}" if "{topic}" in template or r.random() < 0.5
                    else f"Về việc {obj}")
        elif type_name == "Báo cáo":
            text = f"Báo cáo kết quả thực hiện {topic} {tail}"
        elif type_name == "Giấy mời":
            text = f"Giấy mời {r.choice(MEETINGS)} về {topic} {tail}"
        elif type_name == "Kế hoạch":
            text = f"Kế hoạch {r.choice(VERBS)} {topic} {tail}"
        elif type_name == "Thông báo":
            text = (f"Thông báo kết luận của {agency.head_title} tại buổi làm việc về {topic}"
                    if r.random() < 0.6 else f"Thông báo về việc {r.choice(VERBS)} {topic} {tail}")
        elif type_name == "Tờ trình":
            text = f"Tờ trình đề nghị phê duyệt {topic} {tail}"
        else:
            text = f"Về việc {r.choice(VERBS)} {topic} {tail}"
        return " ".join(text.split())[:500]
