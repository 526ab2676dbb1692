"""Drawing the visible part of a signature: Vietnamese text in an embedded Times New
Roman–compatible font (Liberation Serif, subset by pyHanko's OpenType support) and
transparent PNG images, into a widget's appearance stream."""

from __future__ import annotations

import functools
import io
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import ResourceType
from pyhanko.pdf_utils.font import FontEngineFactory
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.layout import BoxConstraints
from pyhanko.stamp import BaseStamp, BaseStampStyle

from app.signatures.layout import Box

# Served with the app (closed networks have no system fonts to rely on).
FONT_DIR = Path(__file__).resolve().parent.parent / "static" / "fonts"
REGULAR = FONT_DIR / "LiberationSerif-Regular.ttf"
BOLD = FONT_DIR / "LiberationSerif-Bold.ttf"
ITALIC = FONT_DIR / "LiberationSerif-Italic.ttf"
BLACK = (0.0, 0.0, 0.0)
# fontTools warns at every subset that it drops the FFTM (FontForge timestamp) table.
logging.getLogger("fontTools.subset").setLevel(logging.ERROR)


@functools.cache
def _font_bytes(path: Path) -> bytes:
    return path.read_bytes()


class _Glyphs(GlyphAccumulator):
    """pyHanko's GlyphAccumulator, measuring in thousandths of an em.

    pyHanko 0.38 writes glyph widths (/W), TJ adjustments and the font descriptor's
    metrics in the font's own units, which PDF reads as 1/1000 em: right only for fonts
    of 1000 units per em. Liberation Serif (like most TrueType fonts) has 2048, and its
    text came out with every letter spaced apart. So HarfBuzz shapes at a 1000-unit
    scale here and the widths and metrics are scaled to match.
    """

    UNITS = 1000

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._to_units = self.UNITS / self.units_per_em
        self.units_per_em = self.UNITS
        self.hb_font.scale = (self.UNITS, self.UNITS)
        # pyHanko drops the layout tables from the subset anyway (HarfBuzz has shaped with
        # them already); dropping them now spares fontTools decoding them (~70 ms a font).
        for tag in ("GPOS", "GSUB", "GDEF"):
            if tag in self.tt:
                del self.tt[tag]
        descriptor = self.cidfont_obj._font_descriptor
        for key in ("/Ascent", "/Descent", "/CapHeight"):
            descriptor[key] = generic.NumberObject(round(descriptor[key] * self._to_units))
        descriptor["/FontBBox"] = generic.ArrayObject(
            generic.NumberObject(round(v * self._to_units)) for v in descriptor["/FontBBox"])

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        if glyph_id not in self._glyphs:
            cid, width = super()._get_cid_and_width(glyph_id)
            self._glyphs[glyph_id] = (cid, round(width * self._to_units))
        return self._glyphs[glyph_id]


@dataclass(frozen=True)
class EmbeddedFont(FontEngineFactory):
    """A TrueType font from app/static/fonts, embedded as a subset of the glyphs used."""

    path: Path

    def create_font_engine(self, writer, obj_stream=None) -> GlyphAccumulator:
        return _Glyphs(writer, io.BytesIO(_font_bytes(self.path)), font_size=10,
                       bcp47_lang_code="vi", obj_stream=obj_stream)


def open_png(data: bytes) -> Image.Image:
    """A PNG as pyHanko embeds it: RGBA keeps the transparency (as a soft mask)."""
    image = Image.open(io.BytesIO(data))
    return image.convert("RGBA") if image.mode not in ("RGB", "RGBA", "L", "LA") else image


class Canvas:
    """Text lines and images into one appearance stream (coordinates in the widget)."""

    def __init__(self, content: BaseStamp, width: float, height: float) -> None:
        self.content = content
        self.width = width
        self.height = height
        self._engines: dict[Path, tuple[str, GlyphAccumulator]] = {}
        self._ops: list[bytes] = []

    def _engine(self, font: Path) -> tuple[str, GlyphAccumulator]:
        if font not in self._engines:
            name = f"F{len(self._engines) + 1}"
            engine = EmbeddedFont(font).create_font_engine(self.content.writer)
            self.content.set_resource(ResourceType.FONT, generic.pdf_name("/" + name),
                                      engine.as_resource())
            self._engines[font] = (name, engine)
        return self._engines[font]

    def text_width(self, line: str, font: Path, size: float) -> float:
        _name, engine = self._engine(font)
        engine.font_size = size
        return engine.shape(line, with_actual_text=False).x_advance * size

    def text(self, line: str, *, font: Path, size: float, baseline: float,
             align: str = "center", x: float | None = None, max_width: float | None = None,
             color: tuple[float, float, float] = BLACK) -> None:
        """One line; ``align`` left/center/right at ``x`` (default: the widget's edge or
        middle). A line wider than ``max_width`` is set smaller to fit."""
        if not line:
            return
        width = self.text_width(line, font, size)
        if max_width and width > max_width:
            size, width = size * max_width / width, max_width
        if x is None:
            x = {"left": 0.0, "center": self.width / 2, "right": self.width}[align]
        start = {"left": x, "center": x - width / 2, "right": x - width}[align]
        name, engine = self._engine(font)
        engine.font_size = size
        shaped = engine.shape(line)
        self._ops.append(b"q %g %g %g rg BT /%s %g Tf %g %g Td %s ET Q" % (
            *color, name.encode(), size, start, baseline, shaped.graphics_ops))

    def image(self, png: bytes, box: Box) -> None:
        picture = PdfImage(open_png(png), writer=self.content.writer,
                           box=BoxConstraints(width=box.width, height=box.height))
        ops = picture.render()
        self.content.import_resources(picture.resources)
        self._ops.append(b"q 1 0 0 1 %g %g cm %s Q" % (box.x0, box.y0, ops))

    def ops(self) -> bytes:
        return b" ".join(self._ops)


@dataclass(frozen=True)
class DrawingStampStyle(BaseStampStyle):
    """A signature appearance drawn by ``draw(canvas)``: no border, no background."""

    draw: Callable[[Canvas], None] = field(default=lambda canvas: None)
    border_width: int = 0

    def create_stamp(self, writer, box, text_params) -> BaseStamp:
        return _DrawingStamp(writer, self, box)


class _DrawingStamp(BaseStamp):
    def _render_inner_content(self) -> list[bytes]:
        canvas = Canvas(self, self.box.width, self.box.height)
        self.style.draw(canvas)
        return [canvas.ops()]
