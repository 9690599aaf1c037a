"""The committed translation catalogues are what `scripts/messages` makes of the code. Run on a
copy of the package, it must change no catalogue and no compiled .mo: a msgid the code no longer
extracts where its translation lives (written inside an f-string, reached only through a
variable, translated in the wrong app's catalogue) would be dropped by the next regeneration,
and a msgid the code has but the catalogue lacks is shown untranslated. And the catalogues,
merged into one table per language at run time, must agree on each msgid's translation."""

from __future__ import annotations

import difflib
import gettext
import os
import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

import incidesk

PACKAGE = Path(incidesk.__file__).resolve().parent
SCRIPT = PACKAGE.parent / "scripts" / "messages"
INCIDESK = Path(sys.executable).with_name("incidesk")
GETTEXT = {
    tool: shutil.which(tool) for tool in ("xgettext", "msguniq", "msgmerge", "msgcat", "msgfmt")
}

needs_gettext = pytest.mark.skipif(
    not all(GETTEXT.values()), reason="GNU gettext's tools are not installed"
)


def entries(po: Path) -> str:
    """The catalogue's entries as this machine's gettext writes them (a committed file may come
    from another version that wraps lines differently), without the header and its dates."""
    text = subprocess.run(
        [str(GETTEXT["msgcat"]), "--no-wrap", "--sort-output", "--no-location", str(po)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return text.split("\n\n", 1)[1]


def compiled(mo: Path) -> gettext.GNUTranslations:
    with mo.open("rb") as file:
        return gettext.GNUTranslations(file)


def translations(mo: Path) -> dict[object, str]:
    catalogue = compiled(mo)._catalog  # type: ignore[attr-defined]
    return {key: text for key, text in catalogue.items() if key != ""}


def our_catalogues() -> list[Path]:
    """Every compiled catalogue of ours: the project's, each app's and the overrides."""
    return sorted(PACKAGE.glob("**/LC_MESSAGES/*.mo"))


@needs_gettext
def test_regenerating_the_catalogues_changes_none(tmp_path: Path) -> None:
    copy = tmp_path / "incidesk"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__", "static"))
    (tmp_path / "scripts").mkdir()
    shutil.copy2(SCRIPT, tmp_path / "scripts" / "messages")
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path),  # the copy is the `incidesk` the command loads and scans
        "INCIDESK": str(INCIDESK),
        "INCIDESK_DATA_DIR": str(tmp_path / "data"),
    }
    run = subprocess.run(
        [str(tmp_path / "scripts" / "messages")], env=env, capture_output=True, text=True
    )
    assert run.returncode == 0, run.stderr

    committed = sorted(po.relative_to(PACKAGE) for po in PACKAGE.glob("**/LC_MESSAGES/*.po"))
    assert sorted(po.relative_to(copy) for po in copy.glob("**/LC_MESSAGES/*.po")) == committed
    changed = {
        str(po): [
            line
            for line in difflib.unified_diff(
                entries(PACKAGE / po).splitlines(), entries(copy / po).splitlines(), n=0
            )
            if line[:1] in "+-" and line[:3] not in ("+++", "---")
        ]
        for po in committed
        if entries(copy / po) != entries(PACKAGE / po)
    }
    # Lines starting with "-" would be lost by a regeneration; "+", what it would add.
    assert changed == {}, "the catalogues are not what scripts/messages makes of the code"
    stale = [
        str(po)
        for po in committed
        if translations(copy / po.with_suffix(".mo"))
        != translations(PACKAGE / po.with_suffix(".mo"))
    ]
    assert stale == [], "compile these with msgfmt (scripts/messages does)"


def test_no_msgid_has_two_translations() -> None:
    """Django merges every catalogue of a language into one table, where a msgid (with its
    context) has one translation: if two of our catalogues translate it differently, one app's
    pages show the other's word. A msgid that means different things gets a context
    (pgettext, `{% translate ... context ... %}`) instead."""
    found: dict[tuple[str, str, object], dict[str, str]] = defaultdict(dict)
    for mo in our_catalogues():
        language, domain = mo.parent.parent.name, mo.stem
        for key, text in translations(mo).items():
            if text:
                found[language, domain, key][str(mo.relative_to(PACKAGE))] = text
    clashes = {key: where for key, where in found.items() if len(set(where.values())) > 1}
    assert clashes == {}


def test_every_catalogue_of_a_language_has_one_plural_rule() -> None:
    """One rule per language, so that a plural reads the same on every page (Russian's three
    forms: one, few, many)."""
    rules: dict[str, set[str]] = defaultdict(set)
    for mo in our_catalogues():
        rules[mo.parent.parent.name].add(compiled(mo).info()["plural-forms"])
    assert {language: len(found) for language, found in rules.items()} == dict.fromkeys(rules, 1)
    assert rules["ru"] == {
        "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && "
        "(n%100<10 || n%100>=20) ? 1 : 2);"
    }
