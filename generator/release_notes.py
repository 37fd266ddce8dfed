"""Release notes and the version bump that a changed pack needs in the content repository.

After ``xsoar-fetch update`` changes a pack, the content repository expects its
``pack_metadata.json`` ``currentVersion`` to go up and a ``ReleaseNotes/<version>.md`` file
(dots as underscores) saying what changed. The notes list the template changes between the
two template versions, read from the template's CHANGELOG.md: the ``###`` sections that
concern the template, of every release after the pack's old version up to its new one (and
"Unreleased" when the new version is not a release tag).
"""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from packaging.version import InvalidVersion, Version

METADATA_FILE = "pack_metadata.json"
CHANGELOG_FILE = "CHANGELOG.md"
RELEASE_TAG = re.compile(r"^v?(\d+\.\d+\.\d+)$")
DESCRIBED = re.compile(r"^v?(\d+\.\d+\.\d+)(-\d+-g[0-9a-f]+)?$")
UNRELEASED = "Unreleased"


def next_version(current: str) -> str:
    """The version after ``current``: its patch number plus one."""
    major, minor, patch = (int(part) for part in current.split("."))
    return f"{major}.{minor}.{patch + 1}"


def template_changes(changelog: str, before: str, after: str) -> list[str]:
    """The changelog's template entries after template version ``before`` up to
    ``after`` (git-describe names such as ``v0.2.0`` or ``v0.2.0-3-gabc1234``), one line
    each."""
    low = _release(before)
    high = _release(after)
    exact = bool(RELEASE_TAG.match(after))
    wanted = []
    for heading, body in _sections(changelog, "## "):
        if heading == UNRELEASED:
            keep = not exact
        else:
            version = _version(heading)
            keep = version is not None and (low is None or version > low)
            keep = keep and (high is None or version <= high)
        if keep:
            wanted.extend(
                entry
                for title, text in _sections(body, "### ")
                if "template" in title.lower()
                for entry in _entries(text)
            )
    return wanted


def release_notes(
    display_name: str, before: str, after: str, changes: list[str]
) -> str:
    """The release-notes file of one integration's update, in the content repository's
    format."""
    lines = [
        "",
        "#### Integrations",
        "",
        f"##### {display_name}",
        "",
        f"- Updated the integration to template version {after} (from {before}).",
        *(f"- {change}" for change in changes),
    ]
    return "\n".join(lines) + "\n"


def write_release_notes(
    pack_root: Path,
    display_name: str,
    before: str,
    after: str,
    changelog: str | None,
) -> Path:
    """Bump ``currentVersion`` in pack_metadata.json and write its release notes; returns
    the notes' path."""
    metadata_path = pack_root / METADATA_FILE
    metadata = json.loads(metadata_path.read_text(encoding="utf-8"))
    version = next_version(str(metadata.get("currentVersion", "1.0.0")))
    metadata["currentVersion"] = version
    # Written as demisto-sdk format writes it, as the template does.
    metadata_path.write_text(
        json.dumps(metadata, indent=4, ensure_ascii=False), encoding="utf-8"
    )
    changes = template_changes(changelog or "", before, after)
    notes = pack_root / "ReleaseNotes" / f"{version.replace('.', '_')}.md"
    notes.parent.mkdir(exist_ok=True)
    notes.write_text(release_notes(display_name, before, after, changes), "utf-8")
    return notes


def changelog_at(template: Path, ref: str) -> str | None:
    """The template's CHANGELOG.md at ``ref`` (None when it has none there)."""
    done = subprocess.run(
        ["git", "show", f"{ref}:{CHANGELOG_FILE}"],
        cwd=template,
        capture_output=True,
        text=True,
        check=False,
    )
    return done.stdout if done.returncode == 0 else None


def _release(name: str) -> Version | None:
    match = DESCRIBED.match(name.strip())
    return Version(match.group(1)) if match else None


def _version(heading: str) -> Version | None:
    try:
        return Version(heading.split()[0].lstrip("v"))
    except (InvalidVersion, IndexError):
        return None


def _sections(text: str, marker: str) -> list[tuple[str, str]]:
    """``(heading, body)`` of each section that starts with ``marker``."""
    parts = re.split(rf"^{re.escape(marker)}(.*)$", text, flags=re.MULTILINE)
    return [(parts[i].strip(), parts[i + 1]) for i in range(1, len(parts) - 1, 2)]


def _entries(text: str) -> list[str]:
    """The bullet entries of a section, each joined into one line."""
    entries: list[str] = []
    for line in text.splitlines():
        if line.startswith("- "):
            entries.append(line[2:].strip())
        elif line.startswith("  ") and entries and line.strip():
            entries[-1] += " " + line.strip()
    return entries
