"""Sample files for the signing tests and bench: a quyết định laid out as NĐ 30/2020
Phụ lục I has it (with ô 3, ô 4 and the signature block left blank for the eOffice to
fill), an attachment, a blue handwritten signature and a red seal (transparent PNGs)."""

from __future__ import annotations

import functools
import io
import math

from PIL import Image, ImageDraw, ImageFont
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from app.signatures.appearance import BOLD, FONT_DIR, ITALIC, REGULAR
from app.signatures.layout import LEFT_COLUMN_MM, MARGIN_LEFT_MM, MARGIN_RIGHT_MM

SERIF, SERIF_BOLD, SERIF_ITALIC = "LiberationSerif", "LiberationSerif-Bold", "LiberationSerif-It"


@functools.cache
def _fonts() -> None:
    for name, path in ((SERIF, REGULAR), (SERIF_BOLD, BOLD), (SERIF_ITALIC, ITALIC)):
        pdfmetrics.registerFont(TTFont(name, str(path)))


def _centred(canvas: Canvas, text: str, font: str, size: float, x0: float, x1: float,
             y: float, underline: bool = False) -> None:
    canvas.setFont(font, size)
    canvas.drawCentredString((x0 + x1) / 2, y, text)
    if underline:
        width = pdfmetrics.stringWidth(text, font, size)
        canvas.setLineWidth(0.6)
        canvas.line((x0 + x1 - width) / 2, y - 3, (x0 + x1 + width) / 2, y - 3)


def decision_pdf(subject: str = "Về việc phê duyệt kế hoạch chuyển đổi số năm 2027",
                 pages: int = 1) -> bytes:
    """A quyết định of UBND huyện Bình Sơn, its last page ending with "Nơi nhận" on the
    left and the signature block (ô 7) left blank on the right."""
    _fonts()
    width, height = A4
    left = MARGIN_LEFT_MM * mm
    split = (MARGIN_LEFT_MM + LEFT_COLUMN_MM) * mm
    right = width - MARGIN_RIGHT_MM * mm
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    canvas.setTitle(f"Quyết định {subject}")
    for page in range(1, pages + 1):
        top = height - 20 * mm
        if page == 1:
            # Ô 2 (left) and ô 1 (right); ô 3 and ô 4 stay blank for the issue fields.
            _centred(canvas, "ỦY BAN NHÂN DÂN", SERIF_BOLD, 13, left, split, top - 13)
            _centred(canvas, "HUYỆN BÌNH SƠN", SERIF_BOLD, 13, left, split, top - 28)
            canvas.line((left + split) / 2 - 12 * mm, top - 33, (left + split) / 2 + 12 * mm,
                        top - 33)
            _centred(canvas, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", SERIF_BOLD, 12, split,
                     right, top - 13)
            _centred(canvas, "Độc lập - Tự do - Hạnh phúc", SERIF_BOLD, 13, split, right,
                     top - 28, underline=True)
            _centred(canvas, "QUYẾT ĐỊNH", SERIF_BOLD, 14, left, right, top - 100)
            _centred(canvas, subject, SERIF_BOLD, 14, left, right, top - 118)
            _centred(canvas, "CHỦ TỊCH ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN", SERIF_BOLD, 14, left,
                     right, top - 150)
            y = top - 180
        else:
            y = top - 20
        canvas.setFont(SERIF, 14)
        for line in range(8 if page == pages else 30):
            canvas.drawString(left + 10 * mm, y, f"Điều {line + 1}. Nội dung quyết định, "
                                                 f"trang {page}/{pages}, dòng {line + 1}.")
            y -= 20
        if page == pages:
            canvas.setFont(SERIF_BOLD, 12)
            canvas.drawString(left, 32 * mm + 52 * mm - 14, "Nơi nhận:")
            canvas.setFont(SERIF, 11)
            for index, line in enumerate(("- Như Điều 3;", "- UBND tỉnh (b/c);", "- Lưu: VT.")):
                canvas.drawString(left, 32 * mm + 52 * mm - 28 - index * 13, line)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def attachment_pdf(title: str = "PHỤ LỤC: Danh mục nhiệm vụ chuyển đổi số") -> bytes:
    """A separate attachment file (văn bản kèm theo)."""
    _fonts()
    width, height = A4
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    _centred(canvas, title, SERIF_BOLD, 14, MARGIN_LEFT_MM * mm, width - MARGIN_RIGHT_MM * mm,
             height - 35 * mm)
    canvas.setFont(SERIF, 13)
    for line in range(10):
        canvas.drawString(MARGIN_LEFT_MM * mm, height - (50 + 9 * line) * mm,
                          f"{line + 1}. Nhiệm vụ số {line + 1}: số hóa hồ sơ, tài liệu.")
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def signature_png() -> bytes:
    """A blue handwritten-looking stroke on a transparent background (600 × 240 px)."""
    image = Image.new("RGBA", (600, 240), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    blue = (20, 40, 160, 255)
    points = [(40 + t * 5.2, 130 + 60 * math.sin(t / 9) * math.cos(t / 23)) for t in range(100)]
    draw.line(points, fill=blue, width=7, joint="curve")
    draw.line([(120, 190), (300, 60), (380, 170), (540, 90)], fill=blue, width=6, joint="curve")
    return _png(image)


def seal_png() -> bytes:
    """A red round seal on a transparent background (500 × 500 px)."""
    size = 500
    image = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    red = (210, 20, 30, 235)
    draw.ellipse((8, 8, size - 8, size - 8), outline=red, width=14)
    draw.ellipse((120, 120, size - 120, size - 120), outline=red, width=8)
    star = [(size / 2 + r * math.sin(a * math.pi / 5), size / 2 - r * math.cos(a * math.pi / 5))
            for a, r in ((i, 70 if i % 2 == 0 else 28) for i in range(10))]
    draw.polygon(star, fill=red)
    font = ImageFont.truetype(str(FONT_DIR / "DejaVuSans-Bold.ttf"), 34)
    text = "ỦY BAN NHÂN DÂN HUYỆN BÌNH SƠN * QUẢNG NGÃI *"
    for index, letter in enumerate(text):
        angle = -math.pi / 2 + 2 * math.pi * index / len(text)
        x, y = size / 2 + 185 * math.cos(angle), size / 2 + 185 * math.sin(angle)
        glyph = Image.new("RGBA", (48, 48), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((24, 24), letter, font=font, fill=red, anchor="mm")
        glyph = glyph.rotate(-math.degrees(angle) - 90, resample=Image.BICUBIC)
        image.alpha_composite(glyph, (int(x - 24), int(y - 24)))
    return _png(image)
