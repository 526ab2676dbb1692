"""Attachments: where their bytes live and the one way they get in.

- ``store``: content-addressed storage (sha256), a local folder today; an S3-compatible
  backend can be added behind the same small interface without touching callers.
- ``pipeline``: ``accept_upload()``, the single upload pipeline (size, type, content,
  inspectors such as the malware scan) that every entry path must use (QĐ 778 Đ13.2);
  ``inspect_small_upload()`` for small files that are not attachments (keys, images).
- ``clamav``: the malware scan by a ClamAV daemon, an inspector of the pipeline; fails
  closed.
"""
