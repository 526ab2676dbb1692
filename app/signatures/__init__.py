"""Digital signatures on PDF files (QĐ 778 Đ6, Đ7; TT 41/2017/TT-BTTTT; NĐ 30/2020 Đ8).

- ``trust``: the trust roots the operator put in ``TRUST_ROOTS_DIR`` (the Government
  specialised CA of Ban Cơ yếu Chính phủ) and validation contexts built on them — no
  network fetching, revocation data from the file itself;
- ``verify``: checks every signature of a PDF attachment with pyHanko, stores the result
  (AttachmentSignature rows, ``Attachment.signature_state``) and writes it into the
  document history; runs after every upload and every signing;
- ``legal``: the legal status of a document from the signatures on its own PDFs
  (valid electronic original = valid signatures of the person and of the agency);
- ``keys``: the signing keys (PKCS#12 files kept encrypted, PKCS#11 tokens);
- ``sign``: signing PDFs (the person's signature, the agency's signature and seal, the
  issue number written into the document).
"""
