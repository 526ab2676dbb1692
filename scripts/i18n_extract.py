"""Rebuild app/translations/messages.pot and update the catalogues.

Sources: the eOffice's own code and templates, Flask-AppBuilder's package and WTForms'
own template (neither ships Vietnamese, so our ``vi`` catalogue translates them too).
Run through ``make i18n-extract``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import flask_appbuilder
import wtforms
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
POT = ROOT / "app" / "translations" / "messages.pot"
PYBABEL = str(Path(sys.executable).parent / "pybabel")


def main() -> None:
    subprocess.run(
        [PYBABEL, "extract", "-F", str(ROOT / "babel.cfg"),
         "-k", "_l", "-k", "N_", "-k", "lazy_gettext", "-k", "_", "-k", "gettext",
         "--no-location", "--sort-output", "--project", "eOffice", "-o", str(POT),
         str(ROOT / "app"), os.path.dirname(flask_appbuilder.__file__)],
        check=True,
    )
    with POT.open("rb") as handle:
        catalog = read_po(handle)
    wtforms_pot = Path(wtforms.__file__).parent / "locale" / "wtforms.pot"
    with wtforms_pot.open("rb") as handle:
        for message in read_po(handle):
            if message.id and message.id not in catalog:
                catalog[message.id] = message
    with POT.open("wb") as handle:
        write_po(handle, catalog, no_location=True, sort_output=True, width=100)
    subprocess.run(
        [PYBABEL, "update", "-i", str(POT), "-d", str(ROOT / "app" / "translations"),
         "--no-fuzzy-matching", "-w", "100"],
        check=True,
    )


if __name__ == "__main__":
    main()
