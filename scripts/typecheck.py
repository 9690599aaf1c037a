"""Type-check the project with mypy and hold its allow-list to only shrink.

`pyproject.toml` lists, in its one `[[tool.mypy.overrides]]` block with `ignore_errors = true`,
the modules that still have type errors (the allow-list), so a plain `mypy` is clean. This
script runs mypy once with that block's errors shown and fails when

- a module that is not on the list has an error (new code must be typed), or
- a module on the list has none left or no longer exists (take it off: the list only shrinks).

    .venv/bin/python scripts/typecheck.py
"""

from __future__ import annotations

import re
import subprocess
import sys
import tempfile
import tomllib
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
SHOWN = "ignore_errors = false"
HIDDEN = "ignore_errors = true"
# "incidesk/web/views.py:12: error: ..." or, for errors without a line, "incidesk/x.py: error:".
MESSAGE = re.compile(r"^(?P<path>[^:\s]+\.py):(?:\d+:)?(?:\d+:)? (?P<level>error|note): ")


def allow_list(config: dict[str, Any]) -> set[str]:
    """The modules of the one override that ignores errors."""
    blocks = [o for o in config["tool"]["mypy"]["overrides"] if o.get("ignore_errors")]
    if len(blocks) != 1:
        sys.exit(f"pyproject.toml: expected one mypy override with {HIDDEN}, found {len(blocks)}")
    modules = blocks[0]["module"]
    return {modules} if isinstance(modules, str) else set(modules)


def module_of(path: str) -> str:
    return path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")


def exists(module: str) -> bool:
    base = ROOT / module.replace(".", "/")
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def run_mypy(text: str) -> str:
    """mypy's report with the allow-list's errors shown (the same config, one line changed)."""
    if text.count(HIDDEN) != 1:
        sys.exit(f"pyproject.toml: `{HIDDEN}` must appear once, in the allow-list override")
    with tempfile.TemporaryDirectory() as folder:
        config = Path(folder) / "pyproject.toml"
        config.write_text(text.replace(HIDDEN, SHOWN))
        done = subprocess.run(  # noqa: S603 (the project's own mypy)
            [sys.executable, "-m", "mypy", "--config-file", str(config)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if done.returncode not in (0, 1):  # 2: mypy itself failed (a crash, a bad option)
        sys.exit(done.stdout + done.stderr)
    return done.stdout


def main() -> int:
    text = PYPROJECT.read_text()
    allowed = allow_list(tomllib.loads(text))
    report = run_mypy(text)
    errors: Counter[str] = Counter()
    new: list[str] = []
    for line in report.splitlines():
        found = MESSAGE.match(line)
        if found is None:
            continue
        module = module_of(found["path"])
        if module in allowed:
            errors[module] += found["level"] == "error"
        else:
            new.append(line)
    cleared = sorted(m for m in allowed if exists(m) and not errors[m])
    gone = sorted(m for m in allowed if not exists(m))
    if new:
        print("Type errors outside the allow-list (fix them; the list only shrinks):")
        print("\n".join(new))
    if cleared:
        print("Now free of type errors: take them off the allow-list in pyproject.toml:")
        print("\n".join(f"    {m}" for m in cleared))
    if gone:
        print("No such modules: take them off the allow-list in pyproject.toml:")
        print("\n".join(f"    {m}" for m in gone))
    print(f"mypy: {len(allowed)} modules on the allow-list, {sum(errors.values())} errors in them")
    return 1 if new or cleared or gone else 0


if __name__ == "__main__":
    sys.exit(main())
