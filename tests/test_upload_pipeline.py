"""The one upload pipeline: what it accepts, what it refuses (with which code), that a
refused file leaves no trace, that names stay as the sender wrote them, and the
inspector hook the malware scan and signature checks will use."""

from __future__ import annotations

import hashlib
import importlib
import io
import logging
import os
import sys
import unicodedata
from pathlib import Path

import pytest
from flask_babel import force_locale

from app.files.pipeline import (
    INSPECTORS_KEY,
    UploadRefused,
    accept_upload,
    register_inspector,
)
from app.files.store import get_store

MB = 1024 * 1024
VIETNAMESE_NAME = "Quyết định số 12 về việc đầu tư.pdf"
PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200


class CountingStream(io.BytesIO):
    """A stream that remembers how many bytes were taken from it."""

    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.bytes_read += len(chunk)
        return chunk


class EndlessPdf:
    """A PDF that never ends, produced on demand: the pipeline must stop reading it."""

    def __init__(self) -> None:
        self.bytes_read = 0

    def read(self, size: int = -1) -> bytes:
        size = 65536 if size is None or size < 0 else size
        chunk = (PDF + b"\x00" * size)[:size] if self.bytes_read == 0 else b"\x00" * size
        self.bytes_read += len(chunk)
        return chunk


@pytest.fixture
def storage(app):
    """The app's store folder; ``storage.unchanged()`` says no file (blob or temporary)
    appeared since the test started."""

    class Storage:
        root = Path(app.config["STORAGE_DIR"])

        def files(self) -> set[str]:
            if not self.root.exists():
                return set()
            return {str(p.relative_to(self.root)) for p in self.root.rglob("*") if p.is_file()}

        def new_files(self) -> set[str]:
            return self.files() - before

        def unchanged(self) -> bool:
            return self.files() == before

    storage = Storage()
    before = storage.files()
    return storage


@pytest.fixture(autouse=True)
def no_inspectors(app, monkeypatch):
    """Each test starts with no inspector registered and leaves none behind."""
    monkeypatch.setitem(app.extensions, INSPECTORS_KEY, [])


@pytest.fixture
def pipeline_log(monkeypatch):
    """The pipeline's logger, enabled: Alembic's ``fileConfig`` in migrations/env.py
    disables every logger that existed when the test database was migrated."""
    logger = logging.getLogger("app.files.pipeline")
    monkeypatch.setattr(logger, "disabled", False)
    return logger


def refused(stream, filename, **kwargs) -> UploadRefused:
    with pytest.raises(UploadRefused) as error:
        accept_upload(stream, filename, **kwargs)
    return error.value


# --- Accepted ----------------------------------------------------------------------------------


def test_a_pdf_is_stored_under_its_vietnamese_name(storage):
    accepted = accept_upload(io.BytesIO(PDF), VIETNAMESE_NAME, "application/pdf")

    assert accepted.filename == VIETNAMESE_NAME
    assert accepted.sha256 == hashlib.sha256(PDF).hexdigest()
    assert accepted.size == len(PDF)
    assert accepted.mime_type == "application/pdf"
    with get_store().open(accepted.sha256) as stored:
        assert stored.read() == PDF


SAMPLES = {
    "Tờ trình.docx": (b"PK\x03\x04\x14\x00\x06\x00" + b"\x00" * 50,
                      "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "Bảng lương.xlsx": (b"PK\x03\x04" + b"\x01" * 50,
                        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "Báo cáo.odt": (b"PK\x03\x04" + b"\x02" * 50, "application/vnd.oasis.opendocument.text"),
    "Dự toán.ods": (b"PK\x03\x04" + b"\x03" * 50,
                    "application/vnd.oasis.opendocument.spreadsheet"),
    "Hồ sơ.zip": (b"PK\x03\x04" + b"\x04" * 50, "application/zip"),
    "Công văn cũ.doc": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x05" * 50, "application/msword"),
    "Số liệu.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x06" * 50,
                    "application/vnd.ms-excel"),
    "Ảnh chụp.jpg": (b"\xff\xd8\xff\xe0\x00\x10JFIF" + b"\x07" * 50, "image/jpeg"),
    "Ảnh chụp.jpeg": (b"\xff\xd8\xff\xe1" + b"\x08" * 50, "image/jpeg"),
    "Sơ đồ.png": (b"\x89PNG\r\n\x1a\n" + b"\x09" * 50, "image/png"),
    "Bản quét.tif": (b"II*\x00" + b"\x0a" * 50, "image/tiff"),
    "Bản quét.tiff": (b"MM\x00*" + b"\x0b" * 50, "image/tiff"),
    "Gói tin.xml": (b'<?xml version="1.0" encoding="UTF-8"?><edXML/>', "application/xml"),
    "Gói tin BOM.xml": (b'\xef\xbb\xbf<?xml version="1.0"?><edXML/>', "application/xml"),
    "VIET HOA.PDF": (PDF + b"upper-case extension", "application/pdf"),
}


@pytest.mark.parametrize("filename", SAMPLES)
def test_each_allowed_type_with_matching_content_is_accepted(storage, filename):
    data, mime_type = SAMPLES[filename]
    # A browser's declared type is not trusted either way.
    accepted = accept_upload(io.BytesIO(data), filename, "application/octet-stream")
    assert (accepted.filename, accepted.mime_type) == (filename, mime_type)
    assert get_store().exists(accepted.sha256)


def test_the_same_file_uploaded_twice_is_stored_once_under_both_names(storage):
    data = PDF + os.urandom(32)
    first = accept_upload(io.BytesIO(data), "Bản gốc.pdf")
    second = accept_upload(io.BytesIO(data), "Bản sao gửi UBND tỉnh.pdf")

    assert first.sha256 == second.sha256
    assert (first.filename, second.filename) == ("Bản gốc.pdf", "Bản sao gửi UBND tỉnh.pdf")
    sha = first.sha256
    assert storage.new_files() == {f"{sha[:2]}/{sha[2:4]}/{sha}"}  # one blob, no temp file


def test_a_file_exactly_at_the_limit_is_accepted(app, storage, monkeypatch):
    monkeypatch.setitem(app.config, "EOFFICE_MAX_UPLOAD_MB", 1)
    data = (PDF + b"\x00" * MB)[:MB]
    assert accept_upload(io.BytesIO(data), "Đúng giới hạn.pdf").size == MB


# --- Refused -----------------------------------------------------------------------------------


def test_a_file_over_the_limit_is_refused_while_streaming(app, storage, monkeypatch):
    monkeypatch.setitem(app.config, "EOFFICE_MAX_UPLOAD_MB", 1)
    stream = EndlessPdf()

    error = refused(stream, "Hồ sơ quá lớn.pdf")

    assert error.code == "too_large"
    assert stream.bytes_read <= MB + 1  # it stopped reading right after the limit
    with force_locale("en"):
        assert str(error.message) == "The file is larger than the limit of 1 MB."
    assert storage.unchanged()


def test_the_default_limit_is_50_mb(app, storage):
    assert app.config["EOFFICE_MAX_UPLOAD_MB"] == 50
    stream = EndlessPdf()
    assert refused(stream, "Lớn.pdf").code == "too_large"
    assert stream.bytes_read == 50 * MB + 1
    assert storage.unchanged()


@pytest.mark.parametrize("filename", ["setup.exe", "macro.docm", "script.php", "README", ""])
def test_a_type_not_on_the_allow_list_is_refused_without_reading_it(storage, filename):
    stream = CountingStream(EXE)
    error = refused(stream, filename)
    assert error.code == "type_not_allowed"
    assert stream.bytes_read == 0
    assert storage.unchanged()


def test_the_refusal_names_the_type_and_the_accepted_ones(app, monkeypatch):
    monkeypatch.setitem(app.config, "EOFFICE_ALLOWED_UPLOAD_TYPES", ("pdf", "xml"))
    error = refused(io.BytesIO(EXE), "setup.exe")
    with force_locale("en"):
        assert str(error.message) == (
            "Files of type .exe are not accepted. Accepted types: pdf, xml."
        )


@pytest.mark.parametrize("filename", ["Công văn khẩn.pdf", "Tờ trình.docx", "Ảnh.png", "Gói.xml"])
def test_a_renamed_executable_is_refused(storage, filename):
    error = refused(io.BytesIO(EXE), filename, declared_mime="application/pdf")
    assert error.code == "type_mismatch"
    assert storage.unchanged()


def test_an_empty_file_is_refused(storage):
    error = refused(io.BytesIO(b""), "Trống.pdf")
    assert error.code == "empty"
    with force_locale("en"):
        assert str(error.message) == "The file is empty."
    assert storage.unchanged()


def test_a_refusal_is_logged_with_the_file_name_and_reason(caplog, pipeline_log):
    with caplog.at_level(logging.WARNING, logger="app.files.pipeline"):
        refused(io.BytesIO(EXE), VIETNAMESE_NAME)
    [record] = [r for r in caplog.records if r.name == "app.files.pipeline"]
    assert record.levelno == logging.WARNING
    assert VIETNAMESE_NAME in record.getMessage()
    assert "type_mismatch" in record.getMessage()


# --- Settings ---------------------------------------------------------------------------------


def test_the_allow_list_comes_from_the_settings(app, storage, monkeypatch):
    monkeypatch.setitem(app.config, "EOFFICE_ALLOWED_UPLOAD_TYPES", "pdf, .TXT")
    assert refused(io.BytesIO(SAMPLES["Tờ trình.docx"][0]), "Tờ trình.docx").code == (
        "type_not_allowed"
    )
    # A type without known leading bytes is checked by its extension only.
    accepted = accept_upload(io.BytesIO("Ghi chú".encode()), "Ghi chú.txt")
    assert accepted.mime_type == "text/plain"


def test_upload_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("EOFFICE_MAX_UPLOAD_MB", "120")
    monkeypatch.setenv("EOFFICE_ALLOWED_UPLOAD_TYPES", " PDF, .docx ,, xml")
    sys.modules.pop("config", None)
    try:
        config = importlib.import_module("config")
        assert config.EOFFICE_MAX_UPLOAD_MB == 120
        assert config.EOFFICE_ALLOWED_UPLOAD_TYPES == ("pdf", "docx", "xml")
    finally:
        sys.modules.pop("config", None)


def test_upload_defaults(monkeypatch):
    monkeypatch.delenv("EOFFICE_MAX_UPLOAD_MB", raising=False)
    monkeypatch.delenv("EOFFICE_ALLOWED_UPLOAD_TYPES", raising=False)
    sys.modules.pop("config", None)
    try:
        config = importlib.import_module("config")
        assert config.EOFFICE_MAX_UPLOAD_MB == 50
        assert config.EOFFICE_ALLOWED_UPLOAD_TYPES == (
            "pdf", "doc", "docx", "xls", "xlsx", "odt", "ods",
            "jpg", "jpeg", "png", "tif", "tiff", "zip", "xml",
        )
    finally:
        sys.modules.pop("config", None)


# --- File names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        (VIETNAMESE_NAME, VIETNAMESE_NAME),
        # The same letters as macOS spells them (decomposed) compare equal to Windows'.
        (unicodedata.normalize("NFD", VIETNAMESE_NAME), VIETNAMESE_NAME),
        ("12/QĐ-UBND.pdf", "12_QĐ-UBND.pdf"),
        ("..\\..\\Windows\\Tờ trình.pdf", ".._.._Windows_Tờ trình.pdf"),
        ("Báo\x00cáo\r\n tuần.pdf", "Báocáo tuần.pdf"),
        ("hoso\u202efdp.pdf", "hosofdp.pdf"),
        ("  Kế hoạch 2026 .pdf  ", "Kế hoạch 2026 .pdf"),
    ],
)
def test_the_name_is_kept_as_written_minus_what_could_mislead(storage, given, kept):
    assert accept_upload(io.BytesIO(PDF), given).filename == kept


def test_a_very_long_name_is_cut_to_255_characters_keeping_its_extension(storage):
    long_name = "Về việc " * 50 + ".pdf"
    accepted = accept_upload(io.BytesIO(PDF), long_name)
    assert len(accepted.filename) <= 255
    assert accepted.filename.startswith("Về việc Về việc")
    assert accepted.filename.endswith(".pdf")


# --- Inspectors -----------------------------------------------------------------------------------


def test_inspectors_read_the_complete_file_in_order_before_it_is_stored(app, storage):
    seen = []

    def first(path, upload):
        assert not get_store().exists(upload.sha256)  # not stored before every check passed
        seen.append(("first", Path(path).read_bytes(), upload))

    def second(path, upload):
        seen.append(("second", Path(path).read_bytes(), upload))

    register_inspector(app, first)
    register_inspector(app, second)
    data = PDF + b"inspected"
    accepted = accept_upload(io.BytesIO(data), VIETNAMESE_NAME, "application/x-pdf")

    assert [name for name, _, _ in seen] == ["first", "second"]
    assert all(content == data for _, content, _ in seen)
    upload = seen[0][2]
    assert upload.filename == VIETNAMESE_NAME
    assert (upload.extension, upload.mime_type) == ("pdf", "application/pdf")
    assert upload.declared_mime == "application/x-pdf"
    assert (upload.size, upload.sha256) == (len(data), accepted.sha256)
    assert get_store().exists(accepted.sha256)


def test_an_inspector_refusal_stops_the_upload_and_leaves_nothing(
    app, storage, caplog, pipeline_log
):
    later = []

    def malware_scan(path, upload):
        raise UploadRefused("malware", "Eicar-Test-Signature")

    register_inspector(app, malware_scan)
    register_inspector(app, lambda path, upload: later.append(path))

    with caplog.at_level(logging.WARNING, logger="app.files.pipeline"):
        error = refused(io.BytesIO(PDF + b"EICAR"), "Đính kèm.pdf")

    assert error.code == "malware"
    assert later == []
    assert storage.unchanged()
    assert any("malware" in r.getMessage() and "Đính kèm.pdf" in r.getMessage()
               for r in caplog.records)


def test_an_inspector_that_fails_keeps_the_file_out(app, storage):
    def scanner_down(path, upload):
        raise ConnectionRefusedError("clamd is not running")

    register_inspector(app, scanner_down)
    with pytest.raises(ConnectionRefusedError):
        accept_upload(io.BytesIO(PDF + b"unscanned"), "Chưa quét.pdf")
    assert storage.unchanged()
