"""Answers given to ``new``: ignored ones are named, typos get suggestions, YAML errors
point at the line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from generator.answers import (
    check_size,
    check_types,
    inapplicable_answers,
    read_data_file,
    template_questions,
    unknown_key_error,
)
from generator.errors import UserError

REPO_ROOT = Path(__file__).resolve().parents[1]
HEAD = ["--vcs-ref", "HEAD", "--allow-dirty"]


def xsoar_fetch(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, without a terminal."""
    return subprocess.run(
        [sys.executable, "-m", "generator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        check=False,
    )


def answers_of(pack: Path) -> dict:
    return yaml.safe_load((pack / ".copier-answers.yml").read_text("utf-8"))


def warnings_in(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("warning:")]


def test_answer_that_does_not_apply_is_ignored_with_a_warning(tmp_path: Path) -> None:
    """Given id_param with the default time_range style, When new runs, Then the pack
    is rendered, one warning names id_param and the answer that rules it out, and the
    answer is not recorded."""
    result = xsoar_fetch(
        "new", "pack", "--defaults", "--data", "id_param=since", *HEAD, cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    assert warnings_in(result.stderr) == [
        "warning: answer id_param=since ignored: it applies only when "
        "query_style == 'id_greater_than' (query_style is 'time_range')"
    ]
    assert "id_param" not in answers_of(tmp_path / "pack")


def test_answer_ruled_out_by_a_skipped_question_names_both(tmp_path: Path) -> None:
    """Given look_back_default with the id_greater_than style (use_lookback is then
    skipped and false), When new runs, Then the warning shows both deciding answers."""
    data_file = tmp_path / "answers.yml"
    data_file.write_text(
        "query_style: id_greater_than\nlook_back_default: 5\n", "utf-8"
    )
    result = xsoar_fetch(
        "new", "pack", "--defaults", "--data-file", "answers.yml", *HEAD, cwd=tmp_path
    )

    assert result.returncode == 0, result.stderr
    (warning,) = warnings_in(result.stderr)
    assert warning.startswith("warning: answer look_back_default=5 ignored")
    assert "query_style is 'id_greater_than'" in warning
    assert "use_lookback is false" in warning
    assert answers_of(tmp_path / "pack")["query_style"] == "id_greater_than"


def test_answer_that_applies_gives_no_warning(tmp_path: Path) -> None:
    """Given id_param together with query_style id_greater_than, When new runs, Then
    nothing is reported and the answer is recorded."""
    result = xsoar_fetch(
        "new",
        "pack",
        "--defaults",
        "--data",
        "query_style=id_greater_than",
        "--data",
        "id_param=after",
        *HEAD,
        cwd=tmp_path,
    )

    assert result.returncode == 0, result.stderr
    assert warnings_in(result.stderr) == []
    assert answers_of(tmp_path / "pack")["id_param"] == "after"


def test_misspelled_key_gets_a_suggestion(tmp_path: Path) -> None:
    """Given a misspelled key, When new runs, Then one line suggests the question and
    nothing is written."""
    result = xsoar_fetch(
        "new", "pack", "--defaults", "--data", "query_stlye=cursor", cwd=tmp_path
    )

    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "xsoar-fetch new: error: unknown answer 'query_stlye'; did you mean "
        "'query_style'?"
    ]
    assert not (tmp_path / "pack").exists()


def test_unknown_key_without_a_close_name_lists_the_questions() -> None:
    questions = template_questions(REPO_ROOT)
    message = unknown_key_error("colour", questions).message
    assert "did you mean" not in message
    assert "query_style" in message and "auth_type" in message


def test_yaml_error_names_file_line_and_column(tmp_path: Path) -> None:
    """Given a data file broken on line 3, When new runs, Then the error names the
    file, line 3 and its column, and no parser internals."""
    (tmp_path / "answers.yml").write_text(
        "integration_name: Acme\nquery_style: cursor\nauth_type: basic: x\n", "utf-8"
    )
    result = xsoar_fetch(
        "new", "pack", "--defaults", "--data-file", "answers.yml", cwd=tmp_path
    )

    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "xsoar-fetch new: error: --data-file answers.yml, line 3, column 17: "
        "not valid YAML: mapping values are not allowed here"
    )
    assert "<unicode string>" not in result.stderr
    assert not (tmp_path / "pack").exists()


def test_yaml_error_gives_where_an_unclosed_part_started(tmp_path: Path) -> None:
    path = tmp_path / "answers.yml"
    path.write_text("a: 1\nb: [1,\nc: 2\n", "utf-8")
    try:
        read_data_file(str(path))
    except UserError as error:
        assert "line 4, column 1" in error.message
        assert "started at line 2, column 4" in error.message
    else:
        raise AssertionError("a broken YAML file was read")


# A questionnaire of chained conditions, as copier.yml gains them: c depends on b,
# which depends on a; d's default comes from a.
CHAIN = {
    "a": {"type": "str", "default": "x", "choices": ["x", "y"]},
    "b": {"type": "bool", "default": False, "when": "{{ a == 'y' }}"},
    "c": {"type": "int", "default": 1, "when": "{{ b }}"},
    "d": {"type": "str", "default": "{{ a }}-suffix"},
    "e": {"type": "str", "default": "", "when": "{{ d == 'y-suffix' and c > 2 }}"},
}


def test_conditions_are_followed_through_other_conditions() -> None:
    """b is skipped when a is x and then takes its default (false), as in Copier:
    so c, which needs b, is skipped too."""
    ignored = inapplicable_answers(CHAIN, {"b": "true", "c": "3"})
    assert [(item.key, item.deciding) for item in ignored] == [
        ("b", {"a": "x"}),
        ("c", {"b": False}),
    ]


def test_an_answer_that_enables_another_is_taken_into_account() -> None:
    enabling = {"a": "y", "b": "true", "c": "3", "e": "z"}
    assert inapplicable_answers(CHAIN, enabling) == []
    ignored = inapplicable_answers(CHAIN, {**enabling, "c": "1"})
    assert [(item.key, item.deciding) for item in ignored] == [
        ("e", {"c": 1, "d": "y-suffix"})
    ]


def test_conditions_on_questions_still_to_be_asked_are_not_judged() -> None:
    """Interactively, a is asked: whether c applies is not known yet, so c is kept."""
    assert inapplicable_answers(CHAIN, {"c": "3"}, defaults=False) == []
    assert [item.key for item in inapplicable_answers(CHAIN, {"c": "3"})] == ["c"]


def test_recorded_answers_decide_on_update() -> None:
    recorded = {"a": "y", "b": False}
    ignored = inapplicable_answers(CHAIN, {"c": "3"}, recorded=recorded)
    assert [(item.key, item.deciding) for item in ignored] == [("c", {"b": False})]
    assert inapplicable_answers(CHAIN, {"b": "yes", "c": "3"}, recorded=recorded) == []


LAUGHS = """\
http_method: POST
extra_params:
  p1: &a [xxxxxxxxxx, xxxxxxxxxx, xxxxxxxxxx, xxxxxxxxxx, xxxxxxxxxx, xxxxxxxxxx]
  p2: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
  p3: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
  p4: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
  p5: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
  p6: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
  p7: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
  p8: [*g, *g, *g, *g, *g, *g, *g, *g, *g]
"""


def test_answers_file_of_expanding_yaml_aliases_is_refused_at_once(
    tmp_path: Path,
) -> None:
    """Given a ten-line answers file whose YAML aliases expand to gigabytes, When new
    runs, Then it is refused in one line naming the answer and the size accepted,
    and nothing is written."""
    (tmp_path / "answers.yml").write_text(LAUGHS, "utf-8")

    result = xsoar_fetch(
        "new", "pack", "--defaults", "--data-file", "answers.yml", *HEAD, cwd=tmp_path
    )

    assert result.returncode == 2
    assert result.stderr.strip() == (
        "xsoar-fetch new: error: invalid answer for 'extra_params': longer than "
        "10,000 characters (YAML aliases expanded); give at most 10,000"
    )
    assert not (tmp_path / "pack").exists()


def test_expanding_aliases_in_a_data_answer_are_refused() -> None:
    """Given extra_params with expanding aliases given with --data, When the answers
    are checked, Then the answer is refused in one line."""
    text = "{a: &a [xxxxxxxxxx, xxxxxxxxxx], b: &b [*a, *a, *a, *a, *a, *a, *a, *a]"
    text += ", c: &c [*b, *b, *b, *b, *b, *b, *b, *b], d: [*c, *c, *c, *c, *c, *c, *c]}"
    with pytest.raises(UserError) as raised:
        check_types(template_questions(REPO_ROOT), {"extra_params": text})

    assert raised.value.message.startswith("invalid answer for 'extra_params': longer")


def test_answers_nested_too_deeply_are_refused_in_one_line(tmp_path: Path) -> None:
    """Given extra_params nested 3,000 lists deep, in an answers file and with --data,
    When new runs, Then each is refused in one line, not an unexpected error."""
    nested = "[" * 3000 + "]" * 3000
    (tmp_path / "answers.yml").write_text(f"extra_params: {nested}\n", "utf-8")

    from_file = xsoar_fetch(
        "new", "pack", "--defaults", "--data-file", "answers.yml", *HEAD, cwd=tmp_path
    )
    from_data = xsoar_fetch(
        "new",
        "pack",
        "--defaults",
        "--data",
        f"extra_params={nested}",
        *HEAD,
        cwd=tmp_path,
    )

    assert (from_file.returncode, from_data.returncode) == (2, 2)
    assert from_file.stderr.strip() == (
        "xsoar-fetch new: error: --data-file answers.yml: lists or mappings nested too "
        "deeply; answers need a few levels at most"
    )
    assert from_data.stderr.strip() == (
        "xsoar-fetch new: error: invalid answer for 'extra_params': lists or mappings "
        "nested too deeply; give a few levels at most"
    )
    assert not (tmp_path / "pack").exists()


def test_answer_nested_more_than_twenty_levels_is_refused() -> None:
    """Given extra_params nested 21 lists deep (short, no aliases), When the answers
    are checked, Then it is refused in one line naming the depth accepted; 20 pass."""
    deepest_allowed: object = "x"
    for _ in range(20):
        deepest_allowed = [deepest_allowed]
    questions = template_questions(REPO_ROOT)
    check_types(questions, {"extra_params": {"a": deepest_allowed[0]}})

    with pytest.raises(UserError) as raised:
        check_types(questions, {"extra_params": {"a": deepest_allowed}})

    assert raised.value.message == (
        "invalid answer for 'extra_params': lists or mappings nested more than 20 "
        "levels deep; give at most 20"
    )


def test_a_long_answer_within_the_bound_is_read() -> None:
    """Given extra_params of 100 parameters, When the answers are checked, Then it is
    accepted (the bound is far above what an API needs)."""
    params = {f"param_{number}": "value" * 4 for number in range(100)}

    check_types(template_questions(REPO_ROOT), {"extra_params": params})
    check_size("extra_params", params)


@pytest.mark.parametrize(
    ("answer", "value", "expected"),
    [
        ("fetch_limit_default", 50.7, "50.7 is not a whole number"),
        ("max_window_minutes", True, "true is a boolean; expected a whole number"),
        ("page_size_max", [100], "[100] is not a whole number"),
        ("fetch_limit_default", "50.7", "'50.7' is not a number; expected an int"),
    ],
)
def test_whole_number_answers_of_another_type_are_refused(
    tmp_path: Path, answer: str, value: object, expected: str
) -> None:
    """Given a whole-number answer that is a fraction, a boolean or a list in the answers
    file, When new runs, Then it is refused in one line naming the answer, rather than
    cast to another number."""
    (tmp_path / "answers.yml").write_text(yaml.safe_dump({answer: value}), "utf-8")

    result = xsoar_fetch(
        "new", "pack", "--defaults", "--data-file", "answers.yml", *HEAD, cwd=tmp_path
    )

    assert result.returncode == 2
    assert result.stderr.strip() == (
        f"xsoar-fetch new: error: invalid answer for '{answer}': {expected}"
    )
    assert not (tmp_path / "pack").exists()


def test_whole_number_written_as_a_float_is_accepted() -> None:
    """Given fetch_limit_default 50.0, When the answers are checked, Then it passes."""
    check_types(template_questions(REPO_ROOT), {"fetch_limit_default": 50.0})
