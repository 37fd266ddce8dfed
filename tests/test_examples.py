"""The example answer files of examples/: known keys, a named source, valid answers."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from answer_sets import REPO_ROOT, render_answers

EXAMPLES = sorted((REPO_ROOT / "examples").glob("*.yml"))
QUESTIONS = {
    key
    for key in yaml.safe_load((REPO_ROOT / "copier.yml").read_text("utf-8"))
    if not key.startswith("_")
}


def test_there_are_examples_for_ten_apis_at_least() -> None:
    """The vendor examples the documentation promises are there."""
    assert len(EXAMPLES) >= 10


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_names_its_api_and_documentation(example: Path) -> None:
    """Each example says which API it models and which documentation was read."""
    text = example.read_text("utf-8")
    comments = [line for line in text.splitlines() if line.startswith("#")]

    assert comments, example.name
    assert any("Documentation read:" in line for line in comments), example.name


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda path: path.stem)
def test_example_answers_are_questions_the_template_accepts(
    example: Path, tmp_path: Path
) -> None:
    """Every key is a question, and Copier's validators accept every answer."""
    answers = yaml.safe_load(example.read_text("utf-8"))

    assert set(answers) <= QUESTIONS, set(answers) - QUESTIONS
    recorded = yaml.safe_load(
        (render_answers(answers, tmp_path / "pack") / ".copier-answers.yml").read_text(
            "utf-8"
        )
    )
    for key, value in answers.items():
        assert recorded[key] == value, key
