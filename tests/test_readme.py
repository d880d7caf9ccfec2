"""The README stays on one screen and true: its links resolve and every `make` target it names exists."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
MARKDOWN_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
MAKE_TARGET = re.compile(r"`make ([a-z][a-z0-9-]*)")
TARGET_LINE = re.compile(r"^([a-z][a-z0-9-]*):", re.MULTILINE)
HEADING = re.compile(r"^#+\s+(.*)$", re.MULTILINE)


def _anchor(heading: str) -> str:
    """GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _documents() -> list[Path]:
    """The README and every Markdown page it or the docs folder holds."""
    return [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")), ROOT / "benchmarks" / "README.md"]


def test_the_readme_fits_on_one_screen() -> None:
    lines = (ROOT / "README.md").read_text().splitlines()
    assert len(lines) <= 150, f"README.md has {len(lines)} lines; the rest belongs in docs/"


@pytest.mark.parametrize("document", _documents(), ids=lambda path: str(path.relative_to(ROOT)))
def test_every_relative_link_resolves(document: Path) -> None:
    broken = []
    for target in MARKDOWN_LINK.findall(document.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        path_part, _, anchor = target.partition("#")
        linked = (document.parent / path_part).resolve() if path_part else document
        if not linked.exists():
            broken.append(f"{target}: no such file")
        elif anchor and linked.suffix == ".md":
            anchors = {_anchor(heading) for heading in HEADING.findall(linked.read_text())}
            if anchor not in anchors:
                broken.append(f"{target}: no heading with anchor #{anchor}")
    assert not broken, f"{document.relative_to(ROOT)}: broken links: {broken}"


def test_every_make_target_the_readme_names_exists() -> None:
    named = set(MAKE_TARGET.findall((ROOT / "README.md").read_text()))
    defined = set(TARGET_LINE.findall((ROOT / "Makefile").read_text()))
    assert named, "the README names no make target"
    assert named <= defined, f"the README names make targets the Makefile lacks: {sorted(named - defined)}"


def test_make_alone_lists_the_readme_quick_start_targets() -> None:
    shown = subprocess.run(["make", "-s"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    help_text = re.sub(r"\x1b\[[0-9;]*m", "", shown)
    for target in ("demo", "test"):
        assert re.search(rf"^\s*{target}\b", help_text, re.MULTILINE), f"`make` help lacks {target}"
