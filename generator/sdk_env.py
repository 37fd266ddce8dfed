"""demisto-sdk's own checks, run offline in an isolated, cached virtual environment.

demisto-sdk pins libraries that conflict with Copier's, so it gets a virtual
environment of its own, made on first use and reused afterwards. Its checks assume
they run inside a git clone of the content repository; each pack is therefore
copied into a throw-away workspace that looks like one: ``Packs/<Pack>``, local
``Config/approved_*.json`` lists, a validation config without the validators that
need a content graph database or Docker Hub, and a one-commit git repository.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from generator.errors import UserError
from generator.pack import Pack

SDK_VERSION = "1.39.13"
VENV_ENV_VAR = "XSOAR_FETCH_SDK_VENV"
READY_MARKER = ".xsoar-fetch-ready.json"
STEP_TIMEOUT_SECONDS = 600
INSTALL_TIMEOUT_SECONDS = 1200

# Validators that reach the network: Docker Hub tags and the deprecated-images list.
NETWORK_VALIDATORS = frozenset({"DO103", "DO105", "DO106"})

# Approved use cases and tags as the content repository lists them (Config/*.json).
APPROVED_USECASES = [
    "Asset Management",
    "Breach Notification",
    "Breach and Attack Simulation",
    "Case Management",
    "Compliance",
    "Health Check",
    "Hunting",
    "Identity and Access Management",
    "Incident Response",
    "Malware",
    "Network Security",
    "Phishing",
    "Ransomware",
    "SANS",
    "Threat Intelligence Management",
    "Vulnerability Management",
]
APPROVED_TAGS = {
    "common": [
        "Alerts",
        "Attack",
        "Breach",
        "Compliance",
        "Email",
        "Forensics",
        "IAM",
        "Incident Handling",
        "Incident Response",
        "IT",
        "Malware",
        "Network",
        "Security",
        "Security Analytics",
        "Threat Intelligence",
        "Threat Intelligence Management",
        "Use Case",
        "Feed",
    ],
    "xsoar": [],
    "marketplacev2": ["Data Source"],
    "xpanse": ["Data Source"],
    "platform": [],
}

# Run inside the SDK's environment: what the offline workspace needs from the SDK.
_INSPECT_SDK = r"""
import json, pathlib, re, sys, toml
import demisto_sdk
from demisto_sdk.commands.common.constants import INTEGRATION_CATEGORIES
validate_dir = pathlib.Path(demisto_sdk.__file__).parent / "commands" / "validate"
config = toml.load(validate_dir / "sdk_validation_config.toml")
uses_graph = set()
for source in (validate_dir / "validators").rglob("*.py"):
    code = re.match(r"([A-Z]{2}\d{3})_", source.name)
    if code and re.search(r"self\.graph\b|graph_interface", source.read_text()):
        uses_graph.add(code.group(1))
json.dump({
    "categories": list(INTEGRATION_CATEGORIES),
    "ignorable_errors": config.get("ignorable_errors", []),
    "path_based": config["path_based_validations"]["select"],
    "uses_graph": sorted(uses_graph),
}, sys.stdout)
"""

_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]|</?(?:red|green|yellow|blue|cyan|bold)>")
_NOISE = (
    "Could not get repository properties",
    "Failed to extract ignored errors",
    "Starting execution for",
    "HTTPSConnectionPool",
    "Failed to get related text file",
)
_CODE = re.compile(r"\[[A-Z]{2}\d{3}\]|\b[A-Z]\d{4}\b")
_EXCEPTION = re.compile(r"^[A-Za-z_.]*(?:Error|Exception): ")
_PROBLEM = re.compile(r"\berror\b|\bfail", re.IGNORECASE)


@dataclass(frozen=True)
class SdkEnv:
    """A ready demisto-sdk virtual environment and what the workspace needs from it."""

    path: Path
    categories: list[str]
    ignorable_errors: list[str]
    offline_validators: list[str]

    @property
    def bin_dir(self) -> Path:
        """The environment's executables."""
        return self.path / "bin"


@dataclass
class StepResult:
    """One demisto-sdk step on one pack."""

    name: str
    ok: bool
    seconds: float
    details: list[str] = field(default_factory=list)


def venv_path() -> Path:
    """Where the SDK environment lives: $XSOAR_FETCH_SDK_VENV, else the user cache."""
    override = os.environ.get(VENV_ENV_VAR)
    if override:
        return Path(override).expanduser().absolute()
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "xsoar-fetch" / f"demisto-sdk-{SDK_VERSION}"


def ensure_sdk_env(path: Path | None = None, log=None) -> SdkEnv:
    """Return the SDK environment at ``path``, creating it first when needed.

    Creation takes a lock, so parallel callers build it once. ``log`` receives
    progress lines (default: stderr).
    """
    path = path or venv_path()
    log = log or (lambda line: print(line, file=sys.stderr))
    ready = _load_ready(path)
    if ready:
        return ready
    path.parent.mkdir(parents=True, exist_ok=True)
    with _locked(path.parent / f".{path.name}.lock"):
        ready = _load_ready(path)
        if ready:
            return ready
        log(
            f"Creating the demisto-sdk {SDK_VERSION} environment in {path} "
            "(once; about a minute)..."
        )
        shutil.rmtree(path, ignore_errors=True)
        try:
            _install(path)
            facts = _inspect(path)
        except UserError:
            shutil.rmtree(path, ignore_errors=True)
            raise
        (path / READY_MARKER).write_text(json.dumps(facts), encoding="utf-8")
    return _load_ready(path) or _broken(path)


def _broken(path: Path) -> SdkEnv:
    raise UserError(f"the demisto-sdk environment in {path} is unusable; delete it")


def _load_ready(path: Path) -> SdkEnv | None:
    marker = path / READY_MARKER
    if not (marker.is_file() and (path / "bin" / "demisto-sdk").exists()):
        return None
    try:
        facts = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    dropped = set(facts["uses_graph"]) | NETWORK_VALIDATORS
    return SdkEnv(
        path=path,
        categories=facts["categories"],
        ignorable_errors=facts["ignorable_errors"],
        offline_validators=sorted(set(facts["path_based"]) - dropped),
    )


@contextmanager
def _locked(lock_path: Path) -> Iterator[None]:
    with open(lock_path, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _install(path: Path) -> None:
    python = _base_python()
    steps = (
        [python, "-m", "venv", str(path)],
        [
            str(path / "bin" / "python"),
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
            f"demisto-sdk=={SDK_VERSION}",
        ],
    )
    for command in steps:
        try:
            result = subprocess.run(
                command,
                capture_output=True,
                text=True,
                timeout=INSTALL_TIMEOUT_SECONDS,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as error:
            raise UserError(
                f"could not create the demisto-sdk environment: {error}"
            ) from error
        if result.returncode != 0:
            errors = [
                line
                for line in result.stderr.splitlines()
                if line.startswith("ERROR") or "error" in line.lower()
            ]
            reason = (errors or result.stderr.splitlines() or ["unknown error"])[-1]
            raise UserError(
                f"could not install demisto-sdk {SDK_VERSION} into {path}: {reason}"
            )


def _base_python() -> str:
    """The interpreter to make the venv from: this one's base, not its venv."""
    base = Path(sys.base_prefix) / "bin" / f"python{sys.version_info[0]}"
    return str(base) if base.exists() else sys.executable


def _inspect(path: Path) -> dict:
    result = subprocess.run(
        [str(path / "bin" / "python"), "-c", _INSPECT_SDK],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        last = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise UserError(f"demisto-sdk in {path} does not load: {last}")
    return json.loads(result.stdout)


def sdk_pack_name(pack: Pack) -> str:
    """The folder name the pack gets under ``Packs/``."""
    name = re.sub(r"[^A-Za-z0-9_]", "", str(pack.answers.get("pack_name", "")))
    return name or pack.root.name


def run_sdk_checks(
    pack: Pack, env: SdkEnv, keep_workspace: bool = False
) -> list[StepResult]:
    """Run validate, prepare-content, xsoar-lint and format (as a no-op) on ``pack``."""
    workspace = Path(tempfile.mkdtemp(prefix="xsoar-fetch-sdk-"))
    try:
        name = sdk_pack_name(pack)
        prepare_workspace(workspace, pack, name, env)
        return _run_steps(workspace, name, env)
    finally:
        if not keep_workspace:
            shutil.rmtree(workspace, ignore_errors=True)


def prepare_workspace(workspace: Path, pack: Pack, name: str, env: SdkEnv) -> None:
    """Lay out a content-repository look-alike holding only ``pack``, committed to git."""
    for folder in ("home", "logs", "Config", "out", "Packs"):
        (workspace / folder).mkdir(parents=True, exist_ok=True)
    shutil.copytree(
        pack.root,
        workspace / "Packs" / name,
        ignore=shutil.ignore_patterns(
            "__pycache__", ".pytest_cache", ".git", ".hypothesis", "*.pyc"
        ),
    )
    config = workspace / "Config"
    _write_json(config / "approved_categories.json", {"approved_list": env.categories})
    _write_json(config / "approved_usecases.json", {"approved_list": APPROVED_USECASES})
    _write_json(config / "approved_tags.json", {"approved_list": APPROVED_TAGS})
    (workspace / "offline_validation_config.toml").write_text(
        validation_config(env), encoding="utf-8"
    )
    git = [
        "git",
        "-c",
        "user.name=xsoar-fetch",
        "-c",
        "user.email=xsoar-fetch@localhost",
    ]
    for command in (
        ["git", "init", "-q", "-b", "main", "."],
        ["git", "add", "-A"],
        [*git, "commit", "-q", "--no-gpg-sign", "-m", "snapshot"],
    ):
        subprocess.run(command, cwd=workspace, capture_output=True, check=True)


def validation_config(env: SdkEnv) -> str:
    """A demisto-sdk validation config (TOML) selecting only offline validators."""
    selected = _toml_list(env.offline_validators)
    return (
        f"ignorable_errors = {_toml_list(env.ignorable_errors)}\n\n"
        f"[path_based_validations]\nselect = {selected}\nwarning = []\n\n"
        f"[use_git]\nselect = {selected}\nwarning = []\n"
    )


def _toml_list(items: list[str]) -> str:
    return "[" + ", ".join(json.dumps(item) for item in items) + "]"


def _write_json(path: Path, data: object) -> None:
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _step_env(workspace: Path, env: SdkEnv) -> dict[str, str]:
    keep = {"PATH", "LANG", "LC_ALL", "TZ", "TMPDIR", "SYSTEMROOT"}
    environ = {k: v for k, v in os.environ.items() if k in keep}
    environ.update(
        PATH=f"{env.bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        HOME=str(workspace / "home"),
        DEMISTO_SDK_IGNORE_CONTENT_WARNING="1",
        DEMISTO_SDK_LOG_FILE_PATH=str(workspace / "logs"),
        PYTHONDONTWRITEBYTECODE="1",
    )
    return environ


def _run_steps(workspace: Path, name: str, env: SdkEnv) -> list[StepResult]:
    sdk = str(env.bin_dir / "demisto-sdk")
    pack_dir = f"Packs/{name}"
    environ = _step_env(workspace, env)
    results: list[StepResult] = []

    validate = _step(
        "sdk validate",
        [
            sdk,
            "validate",
            "-i",
            pack_dir,
            "--config-path",
            "offline_validation_config.toml",
            "--ignore-support-level",
            "--console-log-threshold",
            "DEBUG",
        ],
        workspace,
        environ,
    )
    results.append(validate.result)
    parsed = "Parsed Integration:" in validate.output
    results.append(
        StepResult(
            "sdk validate read the integration",
            parsed,
            0.0,
            [] if parsed else ["validate did not parse any integration in the pack"],
        )
    )
    results.append(
        _step(
            "sdk prepare-content",
            [sdk, "prepare-content", "-i", pack_dir, "-o", "out"],
            workspace,
            environ,
        ).result
    )
    scripts = sorted(
        str(path.relative_to(workspace))
        for path in (workspace / pack_dir).rglob("*.py")
        if not path.name.endswith("_test.py")
    )
    results.append(
        _step(
            "sdk xsoar-lint", [sdk, "xsoar-lint", *scripts], workspace, environ
        ).result
    )
    formatted = _step(
        "sdk format is a no-op",
        [sdk, "format", "-i", pack_dir, "-nv", "-ngr", "-y"],
        workspace,
        environ,
    ).result
    if formatted.ok:
        changed = _git_output(
            workspace, "status", "--porcelain", "--untracked-files=all", "--", pack_dir
        ).splitlines()
        if changed:
            formatted.ok = False
            formatted.details = [f"format changed {line[3:]}" for line in changed]
            diff = _git_output(workspace, "diff", "-U0", "--", pack_dir).splitlines()
            formatted.details += [
                line
                for line in diff
                if line[:1] in "+-" and not line.startswith(("+++", "---"))
            ][:6]
    results.append(formatted)
    return results


def _git_output(workspace: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=workspace, capture_output=True, text=True, check=False
    ).stdout


@dataclass
class _Ran:
    result: StepResult
    output: str


def _step(name: str, command: list[str], cwd: Path, environ: dict[str, str]) -> _Ran:
    started = time.monotonic()
    try:
        completed = subprocess.run(
            command,
            cwd=cwd,
            env=environ,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT_SECONDS,
            check=False,
        )
        output = _ANSI.sub("", completed.stdout + completed.stderr)
        ok = completed.returncode == 0
    except subprocess.TimeoutExpired:
        output, ok = f"timed out after {STEP_TIMEOUT_SECONDS} s", False
    except OSError as error:
        output, ok = f"could not run {command[0]}: {error}", False
    seconds = time.monotonic() - started
    details = [] if ok else problem_lines(output)
    return _Ran(StepResult(name, ok, seconds, details), output)


def problem_lines(output: str, limit: int = 20) -> list[str]:
    """The lines of a failed step's output that say what went wrong.

    Validation codes (``[IN145] ...``) first, else the exception lines of a
    traceback, else lines mentioning an error or failure, else the last lines.
    Traceback frames and known offline noise are left out.
    """
    lines: list[str] = []
    in_frame = False
    for raw in output.splitlines():
        line = raw.strip()
        if in_frame:  # the source line under 'File "...", line N'
            in_frame = False
            continue
        if line.startswith('File "'):
            in_frame = True
            continue
        if not line or set(line) <= set("^~ ") or any(n in line for n in _NOISE):
            continue
        if line not in lines:
            lines.append(line)
    for pattern in (_CODE, _EXCEPTION, _PROBLEM):
        found = [line for line in lines if pattern.search(line)]
        if found:
            return found[:limit]
    return lines[-5:]
