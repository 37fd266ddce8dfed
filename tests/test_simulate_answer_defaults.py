"""The simulator's view of the API takes every default from copier.yml, never its own."""

from __future__ import annotations

import shutil
from dataclasses import MISSING, fields
from pathlib import Path

import pytest
import yaml

from generator import template_source
from generator.simulate.fake_api import ApiShape
from generator.simulate.fake_auth import AuthShape

REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def template(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of copier.yml that the toolkit takes as its own template."""
    root = tmp_path / "template"
    root.mkdir()
    shutil.copy2(REPO_ROOT / "copier.yml", root / "copier.yml")
    monkeypatch.setattr(template_source, "checkout_root", lambda: root)
    return root


def set_default(template: Path, key: str, default: object) -> None:
    path = template / "copier.yml"
    config = yaml.safe_load(path.read_text("utf-8"))
    config[key]["default"] = default
    path.write_text(yaml.safe_dump(config, sort_keys=False), "utf-8")


@pytest.mark.parametrize("shape", [ApiShape, AuthShape])
def test_shapes_state_no_default_of_their_own(shape: type) -> None:
    """
    Given the simulator's shapes of the API and of its authentication
    When their fields are read
    Then none has a default: each comes from the answers or copier.yml
    """
    assert [
        spec.name
        for spec in fields(shape)
        if spec.default is not MISSING or spec.default_factory is not MISSING
    ] == []


def test_a_default_changed_in_copier_yml_reaches_the_simulator(template: Path) -> None:
    """
    Given copier.yml whose defaults for the limit parameter, the HTTP method and the
        API key header were changed
    When the shapes are read from answers that leave those out
    Then they hold the new defaults
    """
    set_default(template, "limit_param", "page_size")
    set_default(template, "http_method", "POST")
    set_default(template, "api_key_header_name", "X-Token")

    shape = ApiShape.from_answers({"query_style": "time_range"})
    auth = AuthShape.from_answers({"auth_type": "api_key_header"})

    assert (shape.limit_param, shape.http_method) == ("page_size", "POST")
    assert auth.api_key_header_name == "X-Token"


@pytest.mark.parametrize(
    ("answers", "pagination", "request_time_format"),
    [
        ({"query_style": "time_range"}, "offset", "iso8601"),
        ({"query_style": "cursor"}, "next_cursor", "iso8601"),
        ({"query_style": "id_greater_than"}, "none", "iso8601"),
        ({"time_format": "epoch_millis"}, "offset", "epoch_millis"),
    ],
)
def test_derived_defaults_are_rendered_from_the_answers(
    answers: dict[str, str], pagination: str, request_time_format: str
) -> None:
    """
    Given answers without pagination or request_time_format
    When the API's shape is read
    Then both are copier.yml's Jinja defaults rendered with the other answers
    """
    shape = ApiShape.from_answers(answers)

    assert (shape.pagination, shape.request_time_format) == (
        pagination,
        request_time_format,
    )
