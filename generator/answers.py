"""Answers given on the command line, checked against the template's questions.

Before Copier runs: an unknown key is refused with the nearest question names; a
value of the wrong type is refused; an answer whose question does not apply to the
other answers (its ``when`` is false) is dropped with a warning naming the answers
that decide it. ``when`` and ``default`` are rendered with Jinja the way Copier
renders them, question by question in copier.yml order.
"""

from __future__ import annotations

import difflib
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from generator import template_source
from generator.errors import InvalidAnswerError, UserError
from generator.template_source import TEMPLATE_CONFIG

YAML_BOOLEANS = {"y", "yes", "t", "true", "on", "n", "no", "f", "false", "off"}
FALSE_WORDS = {"n", "no", "f", "false", "off", "~", "null", "none"}
TRUE_WORDS = {"y", "yes", "t", "true", "on"}
# The Jinja extension Copier always loads (it provides regex_search, regex_replace...).
COPIER_DEFAULT_EXTENSIONS = ("jinja2_ansible_filters.AnsibleCoreFiltersExtension",)
SUGGESTIONS = 3
SUGGESTION_MARGIN = 0.1
# The longest an answer may be, in characters of its JSON text with YAML aliases expanded:
# a few lines of aliases otherwise expand into megabytes of generated code.
MAX_ANSWER_CHARS = 10_000
# The deepest an answer's lists and mappings may nest (extra_params of a POST body).
MAX_ANSWER_DEPTH = 20


class _Unknown:
    """The value of a question that will be asked interactively: not known yet."""

    def __repr__(self) -> str:
        return "<asked later>"


UNKNOWN = _Unknown()


@dataclass(frozen=True)
class Ignored:
    """An answer left out because its question does not apply."""

    key: str
    value: Any
    condition: str
    deciding: dict[str, Any]

    def warning(self) -> str:
        """One line: what was ignored and which answers make it not apply."""
        because = ", ".join(
            f"{name} is {_shown(value)}" for name, value in self.deciding.items()
        )
        reason = f" ({because})" if because else ""
        return (
            f"warning: answer {self.key}={_plain(self.value)} ignored: it applies "
            f"only when {self.condition}{reason}"
        )


def template_questions(template_root: Path) -> dict[str, dict[str, Any]]:
    """The questions of a local template's copier.yml, in order, each as a dict."""
    config = _template_config(template_root)
    return {
        key: value if isinstance(value, dict) else {"default": value}
        for key, value in config.items()
        if isinstance(key, str) and not key.startswith("_")
    }


def _template_config(template_root: Path) -> dict[str, Any]:
    try:
        config = yaml.safe_load(
            (template_root / TEMPLATE_CONFIG).read_text(encoding="utf-8")
        )
    except (OSError, yaml.YAMLError):
        return {}
    return config if isinstance(config, dict) else {}


def read_data_file(path: str) -> dict[str, Any]:
    """Read a YAML mapping of answers; a syntax error names the file, line and column."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise UserError(f"--data-file {path}: {error.strerror}") from error
    except UnicodeDecodeError as error:
        raise UserError(
            f"--data-file {path}: not UTF-8 text ({error.reason})"
        ) from error
    except yaml.YAMLError as error:
        raise UserError(yaml_error_message(path, error)) from error
    except RecursionError:
        raise UserError(
            f"--data-file {path}: lists or mappings nested too deeply; "
            "answers need a few levels at most"
        ) from None
    if data is None:
        return {}
    if not isinstance(data, dict) or not all(isinstance(k, str) for k in data):
        raise UserError(
            f"--data-file {path}: expected a YAML mapping of answers (key: value)"
        )
    for key, value in data.items():
        check_size(key, value)
    return data


def check_size(key: str, value: Any) -> None:
    """Refuse an answer longer than MAX_ANSWER_CHARS once its YAML aliases are expanded."""
    if json_length(value, MAX_ANSWER_CHARS) > MAX_ANSWER_CHARS:
        raise InvalidAnswerError(
            key,
            f"longer than {MAX_ANSWER_CHARS:,} characters (YAML aliases expanded); "
            f"give at most {MAX_ANSWER_CHARS:,}",
        )
    if nesting_depth(value) > MAX_ANSWER_DEPTH:
        raise InvalidAnswerError(
            key,
            f"lists or mappings nested more than {MAX_ANSWER_DEPTH} levels deep; "
            f"give at most {MAX_ANSWER_DEPTH}",
        )


def nesting_depth(value: Any) -> int:
    """How deep ``value``'s lists and mappings nest (0 for a scalar)."""
    deepest = 0
    pending = [(value, 0)]
    while pending:
        item, depth = pending.pop()
        deepest = max(deepest, depth)
        if isinstance(item, Mapping):
            pending.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list | tuple | set):
            pending.extend((child, depth + 1) for child in item)
    return deepest


def json_length(value: Any, limit: int) -> int:
    """The length of ``value``'s JSON text, counted only until it passes ``limit``.

    Walks the value (a shared YAML alias counts each time it is used) and stops as soon
    as the count passes ``limit``, so an answer that expands exponentially costs no
    more than ``limit`` steps.
    """
    total = 0
    pending = [value]
    while pending and total <= limit:
        item = pending.pop()
        if isinstance(item, Mapping):
            total += 2 + 4 * len(item)
            pending.extend(str(key) for key in item)
            pending.extend(item.values())
        elif isinstance(item, list | tuple | set):
            total += 2 + len(item)
            pending.extend(item)
        else:
            total += len(str(item)) + 2
    return total


def yaml_error_message(path: str, error: yaml.YAMLError) -> str:
    """``--data-file FILE, line L, column C: not valid YAML: <problem>`` (1-based)."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return f"--data-file {path}: not valid YAML ({' '.join(str(error).split())})"
    mark = error.problem_mark
    problem = " ".join(str(error.problem or "syntax error").split())
    context = ""
    if error.context and error.context_mark is not None:
        where = error.context_mark
        context = (
            f" ({' '.join(error.context.split())} started at line {where.line + 1}, "
            f"column {where.column + 1})"
        )
    return (
        f"--data-file {path}, line {mark.line + 1}, column {mark.column + 1}: "
        f"not valid YAML: {problem}{context}"
    )


def unknown_key_error(key: str, questions: Mapping[str, Any]) -> UserError:
    """An unknown answer key: the closest question names, or all of them."""
    close = _closest(key, list(questions))
    if close:
        names = " or ".join(f"'{name}'" for name in close)
        return UserError(f"unknown answer '{key}'; did you mean {names}?")
    return UserError(
        f"unknown answer '{key}'; the template's questions are: "
        + ", ".join(sorted(questions))
    )


def _closest(key: str, names: list[str]) -> list[str]:
    """The names nearest to ``key``: difflib's matches, within a margin of the best."""
    scored = [
        (difflib.SequenceMatcher(None, key, name).ratio(), name)
        for name in difflib.get_close_matches(key, names, n=SUGGESTIONS, cutoff=0.6)
    ]
    best = max((score for score, _ in scored), default=0.0)
    return [name for score, name in scored if score >= best - SUGGESTION_MARGIN]


def check_types(questions: Mapping[str, dict[str, Any]], answers: Mapping) -> None:
    """Refuse unknown keys and text values that cannot be of their question's type."""
    for key, value in answers.items():
        if key not in questions:
            raise unknown_key_error(key, questions)
        _check_type(key, str(questions[key].get("type", "")), value)


def _check_type(key: str, type_name: str, value: Any) -> None:
    if type_name == "int" and not isinstance(value, str):
        _check_whole_number(key, value)
        return
    if type_name in ("yaml", "json"):
        _check_structure(key, value)
        return
    if not isinstance(value, str):
        return
    text = value.strip()
    if type_name == "bool" and text.lower() not in YAML_BOOLEANS:
        raise InvalidAnswerError(key, f"{value!r} is not a boolean; use true or false")
    casts = {"int": int, "float": float}
    if type_name in casts:
        try:
            casts[type_name](text)
        except ValueError:
            raise InvalidAnswerError(
                key, f"{value!r} is not a number; expected an {type_name}"
            ) from None


def _check_structure(key: str, value: Any) -> None:
    """Refuse a YAML or JSON answer (as text from --data, or parsed) too long or deep."""
    if isinstance(value, str):
        try:
            value = yaml.safe_load(value)
        except yaml.YAMLError:
            return  # Copier reports the syntax error
        except RecursionError:
            raise InvalidAnswerError(
                key, "lists or mappings nested too deeply; give a few levels at most"
            ) from None
    check_size(key, value)


def _check_whole_number(key: str, value: Any) -> None:
    """Refuse a YAML value for a whole-number question that Copier would cast silently
    (50.7 to 50, true to 1)."""
    if isinstance(value, bool):
        raise InvalidAnswerError(
            key, f"{_shown(value)} is a boolean; expected a whole number"
        )
    if isinstance(value, float) and value.is_integer():
        return
    if not isinstance(value, int):
        raise InvalidAnswerError(key, f"{value!r} is not a whole number")


def check_answers(
    template_root: Path,
    answers: dict[str, Any],
    *,
    defaults: bool,
    recorded: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The answers Copier should get: checked, and without those that do not apply.

    ``defaults``: questions not answered take their defaults (else they are asked,
    and whatever depends on them is not judged). ``recorded``: the answers a pack
    already has (for ``update``). Each dropped answer is reported on stderr.
    """
    questions = template_questions(template_root)
    if not questions:
        return answers
    check_types(questions, answers)
    ignored = inapplicable_answers(
        questions,
        answers,
        defaults=defaults,
        recorded=recorded or {},
        config=_template_config(template_root),
    )
    for item in ignored:
        print(item.warning(), file=sys.stderr)
    dropped = {item.key for item in ignored}
    return {key: value for key, value in answers.items() if key not in dropped}


def accepted_alone(template_root: Path, key: str, value: Any) -> bool:
    """Whether copier.yml's validator of ``key`` accepts ``value``, judged on its own."""
    question = template_questions(template_root).get(key) or {}
    env = _jinja_env(_template_config(template_root))
    message = _render(env, question.get("validator", ""), {key: value})
    return message is not UNKNOWN and not str(message).strip()


def inapplicable_answers(
    questions: Mapping[str, dict[str, Any]],
    answers: Mapping[str, Any],
    *,
    defaults: bool = True,
    recorded: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> list[Ignored]:
    """Given answers whose question's ``when`` is false, in copier.yml order.

    Walks the questions as Copier does: each ``when`` and ``default`` is rendered with
    the answers before it. A skipped question takes its default, as in Copier. An
    answer whose ``when`` cannot be decided yet (it depends on a question that will
    be asked, or does not render here) is kept.
    """
    from jinja2 import meta

    env = _jinja_env(config or {})
    recorded = recorded or {}
    context: dict[str, Any] = {}
    ignored: list[Ignored] = []
    for name, question in questions.items():
        condition = question.get("when", True)
        applies = _render_bool(env, condition, context)
        if name in answers and applies is False:
            text = str(condition)
            deciding = {
                var: context[var]
                for var in sorted(meta.find_undeclared_variables(env.parse(text)))
                if var in questions and var in context
            }
            ignored.append(
                Ignored(name, answers[name], _expression(text), deciding=deciding)
            )
        if name in answers and applies is True:
            context[name] = _cast(question, answers[name])
        elif applies is None:
            context[name] = UNKNOWN
        elif applies is True and name in recorded:
            context[name] = _cast(question, recorded[name])
        elif applies is True and not defaults:
            context[name] = UNKNOWN
        else:
            context[name] = _render_default(env, question, context)
    return ignored


def with_defaults(answers: Mapping[str, Any]) -> dict[str, Any]:
    """Every question of the toolkit's own template answered: the given answers (cast
    to their question's type), the rest copier.yml's default rendered with the answers
    before it, as Copier renders them (whether or not the question applies).

    For readers of a pack's recorded answers (the simulator): copier.yml stays the one
    place a default is written.
    """
    root = template_source.checkout_root() or template_source.shipped_root()
    if root is None:
        return dict(answers)
    questions, env = _questions_and_env(root)
    context: dict[str, Any] = {}
    for name, question in questions.items():
        if name in answers:
            context[name] = _cast(question, answers[name])
        else:
            value = _render_default(env, question, context)
            if value is not UNKNOWN and value is not None:
                context[name] = value
    return {**answers, **context}


@cache
def _questions_and_env(root: Path) -> tuple[dict[str, dict[str, Any]], Any]:
    """The questions of the template at ``root`` and its Jinja environment, read once."""
    return template_questions(root), _jinja_env(_template_config(root))


def _jinja_env(config: Mapping[str, Any]) -> Any:
    """A sandboxed Jinja environment with the extensions and options Copier would use."""
    from jinja2.sandbox import SandboxedEnvironment

    extensions = [*COPIER_DEFAULT_EXTENSIONS, *config.get("_jinja_extensions", [])]
    envops = {
        key: value
        for key, value in dict(config.get("_envops") or {}).items()
        if key != "undefined"
    }
    try:
        return SandboxedEnvironment(extensions=extensions, **envops)
    except Exception:  # noqa: BLE001 - an extension missing here: judge without it
        return SandboxedEnvironment()


def _render(env: Any, value: Any, context: Mapping[str, Any]) -> Any:
    """``value`` rendered as a Jinja template; UNKNOWN when it cannot be decided."""
    if not isinstance(value, str):
        return value
    from jinja2 import meta

    try:
        parsed = env.parse(value)
        if any(
            context.get(var) is UNKNOWN
            for var in meta.find_undeclared_variables(parsed)
        ):
            return UNKNOWN
        return env.from_string(value).render(dict(context))
    except Exception:  # noqa: BLE001 - Copier itself will report a broken template
        return UNKNOWN


def _render_bool(env: Any, condition: Any, context: Mapping[str, Any]) -> bool | None:
    """A ``when`` as Copier reads it: True, False, or None when not decidable."""
    rendered = _render(env, condition, context)
    if rendered is UNKNOWN:
        return None
    return to_bool(rendered)


def to_bool(value: Any) -> bool:
    """Copier's reading of a rendered value as a boolean."""
    try:
        return bool(float(value))
    except (TypeError, ValueError):
        pass
    if isinstance(value, str):
        lower = value.strip().lower()
        if not lower or lower in FALSE_WORDS:
            return False
        if lower in TRUE_WORDS:
            return True
    return bool(value)


def _render_default(
    env: Any, question: Mapping[str, Any], context: Mapping[str, Any]
) -> Any:
    if "default" not in question:
        return None
    rendered = _render(env, question["default"], context)
    return rendered if rendered is UNKNOWN else _cast(question, rendered)


def _cast(question: Mapping[str, Any], value: Any) -> Any:
    """Cast like Copier does for the question's type (unchanged when it cannot)."""
    type_name = str(question.get("type") or "")
    try:
        if type_name == "bool":
            return to_bool(value)
        if type_name == "int":
            return int(value)
        if type_name == "float":
            return float(value)
        if type_name in ("yaml", "json") and isinstance(value, str):
            return yaml.safe_load(value)
        if type_name == "str":
            return str(value)
    except (TypeError, ValueError, yaml.YAMLError):
        return value
    return value


def _expression(condition: str) -> str:
    """A ``when`` as a reader sees it: ``{{ a == 'b' }}`` -> ``a == 'b'``."""
    text = " ".join(condition.split())
    if text.startswith("{{") and text.endswith("}}") and text.count("{{") == 1:
        return text[2:-2].strip()
    return text


def _plain(value: Any) -> str:
    return _shown(value) if isinstance(value, bool) else str(value)


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def check_update_answers(
    recorded: Mapping[str, Any], answers: dict[str, Any], *, defaults: bool
) -> dict[str, Any]:
    """``check_answers`` for ``update --data``, against the pack's recorded answers.

    The questions are read from the recorded template source when it is a local
    folder; for a URL the answers go to Copier unchecked.
    """
    source = Path(str(recorded.get("_src_path") or "")).expanduser()
    if not answers or not source.is_absolute() or not source.is_dir():
        return answers
    return check_answers(source, answers, defaults=defaults, recorded=recorded)
