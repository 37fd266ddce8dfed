"""Release notes of an updated pack: the template's changes between two versions."""

from __future__ import annotations

import pytest

from generator.release_notes import next_version, release_notes, template_changes

CHANGELOG = """# Changelog

## Unreleased

### Template

- Unreleased template change.

## 0.3.0

### Fetch correctness (template: take in with `xsoar-fetch update`)

- A fix for every pack,
  written over two lines.

### Simulator

- Not a pack change.

## 0.2.0

### Template

- The 0.2.0 change.

## 0.1.0

### Template

- The first template.
"""


@pytest.mark.parametrize(
    ("before", "after", "changes"),
    [
        (
            "v0.1.0",
            "v0.3.0",
            ["A fix for every pack, written over two lines.", "The 0.2.0 change."],
        ),
        ("v0.2.0", "v0.3.0", ["A fix for every pack, written over two lines."]),
        (
            "v0.2.0-4-gabc1234",
            "v0.3.0",
            ["A fix for every pack, written over two lines."],
        ),
        (
            "v0.3.0",
            "v0.3.0-2-gdef5678",
            ["Unreleased template change."],
        ),
        ("v0.3.0", "v0.3.0", []),
    ],
)
def test_template_changes_between_versions(
    before: str, after: str, changes: list[str]
) -> None:
    """
    Given a changelog and two template versions (release tags or git-describe names)
    When the changes between them are read
    Then only the template sections of the releases after the first, up to the second
        (and Unreleased past the last tag), come out, one line per entry
    """
    assert template_changes(CHANGELOG, before, after) == changes


@pytest.mark.parametrize(
    ("current", "following"), [("1.0.0", "1.0.1"), ("2.3.9", "2.3.10")]
)
def test_next_version_raises_the_patch(current: str, following: str) -> None:
    """Given a pack version, When it is raised, Then the patch number goes up by one."""
    assert next_version(current) == following


def test_release_notes_follow_the_content_repository_format() -> None:
    """
    Given an integration's changes
    When its release notes are written
    Then they sit under the Integrations heading and the integration's display name
    """
    text = release_notes("Acme Alerts", "v0.1.0", "v0.2.0", ["A change."])
    assert text == (
        "\n#### Integrations\n\n##### Acme Alerts\n\n"
        "- Updated the integration to template version v0.2.0 (from v0.1.0).\n"
        "- A change.\n"
    )
