"""Vietnamese text folding for accent-insensitive search.

"Quyết định" → "quyet dinh", "Đồng" → "dong". Unicode decomposition strips the tone and
vowel marks, but đ/Đ are letters of their own and do not decompose: fold them here.
"""

from __future__ import annotations

import re
import unicodedata

# Punctuation separates words, so "12/QĐ-UBND" is searched as "12 qd ubnd" on both
# engines (PostgreSQL's parser would otherwise keep "12/qd-ubnd" as one file-path token).
_SEPARATORS = re.compile(r"[\W_]+")


def fold(text: str | None) -> str:
    if not text:
        return ""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    stripped = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SEPARATORS.sub(" ", stripped).strip().lower()


def fold_all(*parts: str | None) -> str:
    return " ".join(p for p in (fold(part) for part in parts) if p)
