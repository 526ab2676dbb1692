"""Where signatures and the issue fields go on the page, and their type sizes: every
layout constant of the visible signatures, in one place (NĐ 30/2020 Phụ lục I).

Boxes are in PDF points, origin at the bottom left of the page, as pyHanko and the PDF
``/Rect`` entries have them. Defaults are measured from the page's own size (A4 in
practice) in millimetres from its edges.
"""

from __future__ import annotations

from dataclasses import dataclass

MM = 72 / 25.4

# NĐ 30 Phụ lục I (định lề trang văn bản, A4): top 20–25, bottom 20–25, left 30–35,
# right 15–20 mm. The header is two columns: ô 2 tên cơ quan and ô 3 số ký hiệu on the
# left; ô 1 Quốc hiệu–Tiêu ngữ and ô 4 địa danh, ngày tháng on the right.
MARGIN_TOP_MM = 20
MARGIN_BOTTOM_MM = 20
MARGIN_LEFT_MM = 30
MARGIN_RIGHT_MM = 15
LEFT_COLUMN_MM = 70
# Ô 3 and ô 4 share one line, below the agency name / the motto and its rule.
ISSUE_LINE_FROM_TOP_MM = MARGIN_TOP_MM + 16
ISSUE_LINE_HEIGHT_MM = 8

# Ô 7 (chữ ký của người có thẩm quyền): the right-hand signature block, above the
# bottom margin; "Nơi nhận" keeps the left-hand side.
PERSON_BOX_WIDTH_MM = 80
PERSON_BOX_HEIGHT_MM = 52
PERSON_BOX_BOTTOM_MM = MARGIN_BOTTOM_MM + 12
SIGNATURE_IMAGE_MAX_WIDTH_MM = 50
SIGNATURE_IMAGE_PADDING = 3  # points between the image and the title / name lines

# Ô 8 (chữ ký số của cơ quan): the seal at its real size (36–40 mm for an UBND seal),
# covering about the left third of the person's signature image; the agency name and the
# signing time under it.
SEAL_DIAMETER_MM = 38
SEAL_COVERS_IMAGE_FRACTION = 1 / 3

# Văn bản kèm theo (separate files): the agency signs on page 1, top right, no image.
ATTACHMENT_BOX_WIDTH_MM = 62
ATTACHMENT_BOX_HEIGHT_MM = 11
ATTACHMENT_BOX_FROM_TOP_MM = 6

# Type (Times New Roman, i.e. Liberation Serif): sizes in points.
TITLE_SIZE = 13  # chức vụ: IN HOA, đứng, đậm, 13–14
NAME_SIZE = 13  # họ tên: in thường, đứng, đậm, 13–14
NUMBER_SIZE = 13  # "Số:": in thường, đứng, 13
DATE_SIZE = 13  # địa danh, ngày tháng năm: in thường, nghiêng, 13–14
AGENCY_INFO_SIZE = 8  # tên cơ quan, thời gian ký under the seal
ATTACHMENT_INFO_SIZE = 10  # số ký hiệu, thời gian ký: đứng, 10, đen
LEADING = 1.2
# Liberation Serif vertical metrics (hhea ascent 1825, descent 443 per 2048 em).
ASCENT = 0.891
DESCENT = 0.216


@dataclass(frozen=True)
class Box:
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def width(self) -> float:
        return self.x1 - self.x0

    @property
    def height(self) -> float:
        return self.y1 - self.y0

    def as_tuple(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)

    def shifted(self, dx: float, dy: float) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def intersection(self, other: Box) -> Box | None:
        box = Box(max(self.x0, other.x0), max(self.y0, other.y0),
                  min(self.x1, other.x1), min(self.y1, other.y1))
        return box if box.width > 0 and box.height > 0 else None

    @classmethod
    def of(cls, values) -> Box:
        x0, y0, x1, y1 = (float(v) for v in values)
        return cls(min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1))


@dataclass(frozen=True)
class Page:
    """A page's media box, to measure boxes from its edges in millimetres."""

    x0: float
    y0: float
    x1: float
    y1: float

    def from_top_left(self, left_mm: float, top_mm: float, width_mm: float,
                      height_mm: float) -> Box:
        x0 = self.x0 + left_mm * MM
        y1 = self.y1 - top_mm * MM
        return Box(x0, y1 - height_mm * MM, x0 + width_mm * MM, y1)

    def from_top_right(self, right_mm: float, top_mm: float, width_mm: float,
                       height_mm: float) -> Box:
        x1 = self.x1 - right_mm * MM
        y1 = self.y1 - top_mm * MM
        return Box(x1 - width_mm * MM, y1 - height_mm * MM, x1, y1)

    @property
    def right_column_mm(self) -> tuple[float, float]:
        """Left edge and width (mm) of the header's right-hand column."""
        width_mm = (self.x1 - self.x0) / MM
        left = MARGIN_LEFT_MM + LEFT_COLUMN_MM
        return left, width_mm - MARGIN_RIGHT_MM - left


def number_box(page: Page) -> Box:
    """Ô 3: "Số: …/…" under the agency name, left column."""
    return page.from_top_left(MARGIN_LEFT_MM, ISSUE_LINE_FROM_TOP_MM, LEFT_COLUMN_MM,
                              ISSUE_LINE_HEIGHT_MM)


def date_box(page: Page) -> Box:
    """Ô 4: "<địa danh>, ngày … tháng … năm …" under the motto, right column."""
    left, width = page.right_column_mm
    return page.from_top_left(left, ISSUE_LINE_FROM_TOP_MM, width, ISSUE_LINE_HEIGHT_MM)


def person_box(page: Page) -> Box:
    """Ô 7: centred under the right-hand column, above the bottom margin."""
    left, width = page.right_column_mm
    x0 = page.x0 + (left + (width - PERSON_BOX_WIDTH_MM) / 2) * MM
    y0 = page.y0 + PERSON_BOX_BOTTOM_MM * MM
    return Box(x0, y0, x0 + PERSON_BOX_WIDTH_MM * MM, y0 + PERSON_BOX_HEIGHT_MM * MM)


def attachment_box(page: Page) -> Box:
    """The agency's signature on a separate attachment: first page, top right."""
    return page.from_top_right(MARGIN_RIGHT_MM, ATTACHMENT_BOX_FROM_TOP_MM,
                               ATTACHMENT_BOX_WIDTH_MM, ATTACHMENT_BOX_HEIGHT_MM)


def line_height(size: float) -> float:
    return size * LEADING


@dataclass(frozen=True)
class PersonLayout:
    """Inside the person's signature box (origin at its bottom left): baselines of the
    title lines (top down) and of the name, and the box of the signature image."""

    title_baselines: tuple[float, ...]
    name_baseline: float
    image: Box


def person_layout(width: float, height: float, title_lines: int,
                  image_size: tuple[int, int] | None) -> PersonLayout:
    """NĐ 30 Phụ lục I ô 7: title (chức vụ) on top, name at the bottom, the signature
    image centred in the gap between them (scaled to fit, aspect kept)."""
    pad = 2.0
    first = height - pad - ASCENT * TITLE_SIZE
    titles = tuple(first - i * line_height(TITLE_SIZE) for i in range(title_lines))
    title_bottom = (titles[-1] if titles else height - pad) - DESCENT * TITLE_SIZE
    name_baseline = pad + DESCENT * NAME_SIZE
    name_top = name_baseline + ASCENT * NAME_SIZE
    gap = Box(0, name_top + SIGNATURE_IMAGE_PADDING,
              width, title_bottom - SIGNATURE_IMAGE_PADDING)
    max_width = min(width - 2 * pad, SIGNATURE_IMAGE_MAX_WIDTH_MM * MM)
    if image_size and image_size[0] > 0 and image_size[1] > 0:
        scale = min(max_width / image_size[0], gap.height / image_size[1])
        image_width, image_height = image_size[0] * scale, image_size[1] * scale
    else:  # no image: the blank gap a handwritten signature would take
        image_width, image_height = max_width, gap.height
    x0 = (width - image_width) / 2
    y0 = gap.y0 + (gap.height - image_height) / 2
    return PersonLayout(titles, name_baseline, Box(x0, y0, x0 + image_width, y0 + image_height))


def seal_box(person_image: Box) -> Box:
    """NĐ 30 Phụ lục I ô 8: the seal, at its real size, covers about the left third of
    the person's signature image (its right edge at a third of the image's width),
    centred on the image's height."""
    side = SEAL_DIAMETER_MM * MM
    x1 = person_image.x0 + person_image.width * SEAL_COVERS_IMAGE_FRACTION
    middle = (person_image.y0 + person_image.y1) / 2
    return Box(x1 - side, middle - side / 2, x1, middle + side / 2)


@dataclass(frozen=True)
class AgencyLayout:
    """The agency's signature widget on the page, the seal in it and where the lines of
    its signature information (agency name, signing time) start, both in the widget."""

    widget: Box
    seal: Box
    text_top: float


def agency_layout(person_image: Box, person_box: Box, info_lines: int) -> AgencyLayout:
    """The seal over the left third of the person's image (``seal_box``); the information
    lines under the seal, or under the person's box when the seal ends above it (so they
    never run into the name line)."""
    seal = seal_box(person_image)
    text_top = min(seal.y0, person_box.y0)
    widget = Box(seal.x0, text_top - info_lines * line_height(AGENCY_INFO_SIZE) - 1,
                 seal.x1, seal.y1)
    return AgencyLayout(widget, seal.shifted(-widget.x0, -widget.y0), text_top - widget.y0)
