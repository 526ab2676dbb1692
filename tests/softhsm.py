"""A throw-away SoftHSM2 token for the PKCS#11 tests (USB tokens and HSMs speak PKCS#11).

``create_token`` makes a token in its own directory (``SOFTHSM2_CONF`` points to a
config whose ``tokendir`` is there), and imports an identity's private key and
certificate under one label and id (as a CA's token comes), plus its CA certificates.
Debian packages: softhsm2 (the module and softhsm2-util) and opensc (pkcs11-tool).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

MODULE = "/usr/lib/softhsm/libsofthsm2.so"
TOOLS = ("softhsm2-util", "pkcs11-tool")
INSTALL_HINT = "scripts/apt-ensure softhsm2 opensc"


@dataclass(frozen=True)
class SoftToken:
    module: str
    token_label: str
    key_label: str
    pin: str
    so_pin: str
    config: Path


def missing_tools() -> list[str]:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if not Path(MODULE).exists():
        missing.append(MODULE)
    return missing


def _run(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:2])} failed: {result.stderr or result.stdout}")


def create_token(directory: Path, identity, *, token_label: str = "eoffice-test",
                 key_label: str = "chu-tich", pin: str = "246810",
                 so_pin: str = "13579111") -> SoftToken:
    """A new token holding ``identity`` (tests.pki.Identity). Sets SOFTHSM2_CONF for this
    process: SoftHSM reads it when the module is first loaded, so call this before any
    PKCS#11 use in the test session."""
    tokens = directory / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    config = directory / "softhsm2.conf"
    config.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\n"
                      "log.level = ERROR\nslots.removable = false\n")
    os.environ["SOFTHSM2_CONF"] = str(config)
    _run("softhsm2-util", "--init-token", "--free", "--label", token_label, "--pin", pin,
         "--so-pin", so_pin)
    objects = [("privkey", "01", key_label, identity.key_der()),
               ("cert", "01", key_label, identity.certificate_der())]
    objects += [("cert", f"{index + 2:02d}", f"ca-{index + 1}",
                 ca.public_bytes(serialization.Encoding.DER))
                for index, ca in enumerate(identity.chain)]
    for kind, object_id, label, der in objects:
        path = directory / f"{label}-{kind}.der"
        path.write_bytes(der)
        extra = ("--usage-sign",) if kind == "privkey" else ()
        _run("pkcs11-tool", "--module", MODULE, "--token-label", token_label, "--login",
             "--pin", pin, "--write-object", str(path), "--type", kind, "--id", object_id,
             "--label", label, *extra)
        if kind == "privkey":
            path.unlink()  # the key lives on the token only
    return SoftToken(MODULE, token_label, key_label, pin, so_pin, config)
