#!/usr/bin/env python3
"""Signing and verifying a văn bản đi, per document: the leader's signature
(``sign_as_person``), the issue number (``write_issue_number``), the agency's signature
and seal (``sign_as_agency``), one separate attachment (``sign_attachment_as_agency``)
and the verification of the result (pyHanko validation of every signature, trust in the
test root, with difference analysis). Prints p50/p95 per step; no assertions.

    .venv/bin/python bench/signatures_bench.py                 # 20 documents, PKCS#12 keys
    .venv/bin/python bench/signatures_bench.py --documents 50 --pages 3
    .venv/bin/python bench/signatures_bench.py --pkcs11        # the leader's key on SoftHSM2

Keys come from the test PKI (tests/pki.py), documents from tests/signing_samples.py.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common  # noqa: E402


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--documents", type=int, default=20)
    parser.add_argument("--pages", type=int, default=2, help="pages of each quyết định")
    parser.add_argument("--pkcs11", action="store_true",
                        help="sign as the leader with a key on a SoftHSM2 token")
    return parser.parse_args(argv)


def verify(pdf: bytes, trust) -> None:
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature

    for signature in PdfFileReader(io.BytesIO(pdf)).embedded_signatures:
        status = validate_pdf_signature(signature, trust)
        if not (status.intact and status.trusted):
            print(f"  ! {signature.field_name}: {status.summary()}")


def main(argv=None) -> None:
    args = parse_args(argv)
    from asn1crypto import x509 as asn1_x509
    from pyhanko_certvalidator import ValidationContext

    from app.signatures import keys, sign
    from tests.pki import PASSWORD, build_pki
    from tests.signing_samples import attachment_pdf, decision_pdf, seal_png, signature_png

    pki = build_pki()
    trust = ValidationContext(
        trust_roots=[asn1_x509.Certificate.load(pki.root.certificate_der())],
        allow_fetching=False, revocation_mode="soft-fail")
    image, seal = signature_png(), seal_png()
    documents = [decision_pdf(f"Về việc phê duyệt đề án số {n + 1} năm 2027", pages=args.pages)
                 for n in range(args.documents)]
    attachment = attachment_pdf()
    steps: dict[str, list[float]] = {name: [] for name in (
        "sign as person", "write number", "sign as agency", "sign attachment",
        "verify main document")}
    sizes = []
    with ExitStack() as stack:
        if args.pkcs11:
            from tests.softhsm import create_token

            token = create_token(Path(stack.enter_context(tempfile.TemporaryDirectory())),
                                 pki.person)
            person = stack.enter_context(keys.pkcs11_signer(
                token.token_label, token.key_label, token.pin, module=token.module))
        else:
            person = keys.signer_from_pkcs12(pki.person.pkcs12(), PASSWORD)
        agency = keys.signer_from_pkcs12(pki.agency.pkcs12(), PASSWORD)

        def step(step_name, fn, *fn_args, **kwargs):
            start = time.perf_counter()
            result = fn(*fn_args, **kwargs)
            steps[step_name].append(time.perf_counter() - start)
            return result

        for number, document in enumerate(documents, start=1):
            pdf = step("sign as person", sign.sign_as_person, document, person,
                       title="TM. Ủy ban nhân dân\nChủ tịch", name="Nguyễn Văn A",
                       image_png=image)
            pdf = step("write number", sign.write_issue_number, pdf,
                       number=f"{number:02d}/QĐ-UBND", place="Bình Sơn",
                       issued_on=dt.date.today())
            pdf = step("sign as agency", sign.sign_as_agency, pdf, agency,
                       agency_name="UBND huyện Bình Sơn", seal_png=seal)
            step("sign attachment", sign.sign_attachment_as_agency, attachment, agency,
                 number=f"{number:02d}/QĐ-UBND")
            step("verify main document", verify, pdf, trust)
            sizes.append((len(document), len(pdf)))

    key = "PKCS#11 (SoftHSM2)" if args.pkcs11 else "PKCS#12"
    print(f"{args.documents} documents of {args.pages} pages, leader's key: {key}, "
          f"{common.machine_info()}")
    print(f"{'step':<22} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
    for name, samples in steps.items():
        figures = common.summarise(samples)
        print(f"{name:<22} {figures['p50']:>8.1f} {figures['p95']:>8.1f} {figures['mean']:>8.1f}")
    before = sum(s[0] for s in sizes) / len(sizes) / 1024
    after = sum(s[1] for s in sizes) / len(sizes) / 1024
    print(f"main document size: {before:.0f} KiB unsigned → {after:.0f} KiB with both "
          "signatures")


if __name__ == "__main__":
    main()
