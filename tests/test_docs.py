"""The documentation stays true to the code and to itself.

- docs/operator.md's configuration table names every ``ROLLCALL_*`` setting the code reads,
  and nothing the code does not read: an operator who follows the table never sets a
  variable that does nothing, nor misses one that matters.
- README.md stays a short front page (the detail lives in docs/).
- Every relative link in README.md and docs/*.md points to a file that exists, and to a
  heading that exists when it names one (``operator.md#secrets``).
"""

from __future__ import annotations

import re
from pathlib import Path

from chalicelib.config import DEFAULT_API_BASES

ROOT = Path(__file__).resolve().parent.parent
OPERATOR = ROOT / "docs" / "operator.md"
README_MAX_LINES = 250
# Written by other parts of issue #17; they exist once every part is merged.
PLANNED_DOCS = {"docs/security-platforms.md", "docs/security-data.md", "docs/counting.md"}

SETTING = re.compile(r"\bROLLCALL_[A-Z0-9_]*[A-Z0-9]\b")
# config.py builds the API bases' names: f"ROLLCALL_{name.upper()}_API_BASE".
API_BASE_TEMPLATE = 'f"ROLLCALL_{name.upper()}_API_BASE"'
LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
HEADING = re.compile(r"^#{1,6}\s+(.*)$")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub makes for a markdown file's headings (code blocks left out):
    lower case, punctuation dropped, spaces to hyphens."""
    found: set[str] = set()
    in_code = False
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            in_code = not in_code
            continue
        heading = None if in_code else HEADING.match(line)
        if heading:
            text = re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower())
            found.add(text.replace(" ", "-"))
    return found


def settings_in_code(root: Path = ROOT) -> set[str]:
    """Every ROLLCALL_* name the application's source spells out, plus the API bases
    config.py builds from a template (one per platform that has an API)."""
    files = [
        root / "app.py",
        *(root / "chalicelib").rglob("*.py"),
        *(root / "rollcall").rglob("*.py"),
    ]
    names: set[str] = set()
    for path in files:
        text = path.read_text(encoding="utf-8")
        names |= set(SETTING.findall(text))
        if API_BASE_TEMPLATE in text:
            names |= {
                f"ROLLCALL_{p.upper()}_API_BASE" for p, base in DEFAULT_API_BASES.items() if base
            }
    return names


def settings_in_table(markdown: str) -> set[str]:
    """The ROLLCALL_* names in the first column of the table under '## Configuration'."""
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", markdown, re.S | re.M)
    assert section, "docs/operator.md has no '## Configuration' section"
    names: set[str] = set()
    for line in section.group(1).splitlines():
        if not line.startswith("|") or set(line) <= {"|", "-", " "}:
            continue
        first = line.split("|")[1]
        names |= set(SETTING.findall(first))
    assert names, "the configuration table in docs/operator.md lists no ROLLCALL_* setting"
    return names


def broken_links(path: Path, root: Path = ROOT) -> list[str]:
    """Relative links of one markdown file whose target file, or heading, does not exist."""
    broken = []
    for target in LINK.findall(path.read_text(encoding="utf-8")):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target):
            continue  # a URL (https:, mailto:)
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        relative = resolved.relative_to(root).as_posix() if resolved.is_relative_to(root) else ""
        if relative in PLANNED_DOCS and not resolved.exists():
            continue
        if not resolved.exists():
            broken.append(f"{path.relative_to(root)}: ({target}): no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{path.relative_to(root)}: ({target}): no such heading")
    return broken


def test_configuration_table_matches_the_settings_the_code_reads():
    """An undocumented setting is one nobody knows to set; a documented one the code no
    longer reads is one an operator sets in vain."""
    code = settings_in_code()
    table = settings_in_table(OPERATOR.read_text(encoding="utf-8"))
    missing = sorted(code - table)
    stale = sorted(table - code)
    problems = []
    if missing:
        problems.append(
            "read by the code but missing from the configuration table in docs/operator.md: "
            + ", ".join(missing)
        )
    if stale:
        problems.append(
            "in the configuration table of docs/operator.md but read nowhere in chalicelib/, "
            "rollcall/ or app.py: " + ", ".join(stale)
        )
    assert not problems, "\n".join(problems)


def test_the_table_check_sees_a_missing_and_a_stale_row(tmp_path):
    """The comparison is not vacuous: a setting added to the code, or a row left for a
    setting gone, is caught."""
    (tmp_path / "app.py").write_text('os.environ.get("ROLLCALL_NEW_THING")\n')
    for folder in ("chalicelib", "rollcall"):
        (tmp_path / folder).mkdir()
    (tmp_path / "chalicelib" / "config.py").write_text(
        'env.get("ROLLCALL_STAGE")\n' + API_BASE_TEMPLATE + "\n"
    )
    code = settings_in_code(tmp_path)
    assert {"ROLLCALL_NEW_THING", "ROLLCALL_STAGE", "ROLLCALL_SLACK_API_BASE"} <= code
    assert "ROLLCALL_CONSOLE_API_BASE" not in code  # console has no API
    table = settings_in_table(
        "## Configuration\n\n| variable | default | meaning |\n|---|---|---|\n"
        "| `ROLLCALL_STAGE` | `local` | ROLLCALL_TABLE is not in the first column |\n"
        "| `ROLLCALL_GONE` | | |\n| `AWS_REGION` | | |\n\n## Next\n"
    )
    assert table == {"ROLLCALL_STAGE", "ROLLCALL_GONE"}
    assert code - table >= {"ROLLCALL_NEW_THING"} and table - code == {"ROLLCALL_GONE"}


def test_readme_is_a_short_front_page():
    lines = (ROOT / "README.md").read_text(encoding="utf-8").count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): move detail to docs/"
    )


def test_every_relative_link_points_to_a_file_that_exists():
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    assert len(pages) > 1, "docs/*.md not found"
    broken = [link for page in pages for link in broken_links(page)]
    assert not broken, "broken relative links:\n" + "\n".join(broken)


def test_the_link_check_sees_a_broken_link(tmp_path):
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "here.md").write_text("# Top\n\n## Alarms: what `each` means\n")
    page = tmp_path / "README.md"
    page.write_text(
        "# Read me\n[ok](docs/here.md#top) [ok](docs/here.md#alarms-what-each-means) "
        "[self](#read-me) [web](https://example.com/x.md) [planned](docs/counting.md) "
        "[gone](docs/gone.md) [lost](docs/here.md#nowhere) [lost](#nowhere)\n"
    )
    assert broken_links(page, tmp_path) == [
        "README.md: (docs/gone.md): no such file",
        "README.md: (docs/here.md#nowhere): no such heading",
        "README.md: (#nowhere): no such heading",
    ]
