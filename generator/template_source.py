"""Where the template comes from: an option, the environment, the checkout, or the package.

This module imports only the standard library: the build (``setup.py``) loads it to ship
the template inside the wheel, before any dependency is installed.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

# Every top-level file and folder the template is made of. The build copies each entry
# that exists into the package (SHIPPED_TEMPLATE_DIR); a checkout is recognised by the
# first one. Add a folder of Jinja parts here and it ships with the wheel.
TEMPLATE_FILES: tuple[str, ...] = ("copier.yml", "template", "parts", "questions")
TEMPLATE_CONFIG = TEMPLATE_FILES[0]
TEMPLATE_ENV_VAR = "XSOAR_FETCH_TEMPLATE"
SHIPPED_TEMPLATE_DIR = "_template"
BUILD_INFO_FILE = "xsoar-fetch-build.json"
DISTRIBUTION = "xsoar-fetch-template"
PACKAGE_DIR = Path(__file__).resolve().parent
URL_PREFIXES = (
    "https://",
    "http://",
    "git@",
    "git+",
    "ssh://",
    "file://",
    "gh:",
    "gl:",
)
URL_LABELS = ("repository", "source", "source code", "homepage")


class TemplateNotFound(Exception):
    """No template could be located; the message says where it looked."""


@dataclass(frozen=True)
class TemplateSource:
    """A template location and how it was chosen."""

    src: str
    origin: str  # "--template", TEMPLATE_ENV_VAR, "checkout" or "shipped"

    @property
    def is_shipped(self) -> bool:
        """Whether this is the copy inside the installed package (not a git repository)."""
        return self.origin == "shipped"


def is_url(src: str) -> bool:
    """Whether ``src`` names a remote git repository rather than a local folder."""
    return src.startswith(URL_PREFIXES)


def checkout_root() -> Path | None:
    """The source checkout this package runs from (an editable install), if any."""
    root = PACKAGE_DIR.parent
    return root if (root / TEMPLATE_CONFIG).is_file() else None


def shipped_root() -> Path | None:
    """The template copy shipped inside the installed package, if any."""
    root = PACKAGE_DIR / SHIPPED_TEMPLATE_DIR
    return root if (root / TEMPLATE_CONFIG).is_file() else None


def resolve(option: str | None) -> TemplateSource:
    """The template to use: ``--template``, the environment, the checkout, the package."""
    for value, origin in ((option, "--template"), (_env_value(), TEMPLATE_ENV_VAR)):
        if value:
            return TemplateSource(_local_or_url(value, origin), origin)
    root = checkout_root()
    if root is not None:
        return TemplateSource(str(root), "checkout")
    root = shipped_root()
    if root is not None:
        return TemplateSource(str(root), "shipped")
    raise TemplateNotFound(
        f"no template found: no --template, no {TEMPLATE_ENV_VAR}, no {TEMPLATE_CONFIG} "
        f"beside {PACKAGE_DIR} and none shipped in it; give --template PATH_OR_URL"
    )


def _env_value() -> str:
    return os.environ.get(TEMPLATE_ENV_VAR, "").strip()


def _local_or_url(value: str, origin: str) -> str:
    if is_url(value):
        return value
    path = Path(value).expanduser()
    if not (path / TEMPLATE_CONFIG).is_file():
        raise TemplateNotFound(
            f"{origin} {value}: no {TEMPLATE_CONFIG} there; give a template folder or a "
            "git URL (https://, git@, gh:...)"
        )
    return str(path.resolve())


def is_shipped_copy(src: str) -> bool:
    """Whether ``src`` is (or was) a template copy shipped inside an installed package."""
    path = Path(src)
    if (path / BUILD_INFO_FILE).is_file():
        return True
    return path.parts[-2:] == (PACKAGE_DIR.name, SHIPPED_TEMPLATE_DIR)


def build_info(root: Path) -> dict[str, str | None]:
    """What a shipped copy was built from: package version and template commit."""
    try:
        data = json.loads((root / BUILD_INFO_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"version": None, "commit": None}
    return {"version": data.get("version"), "commit": data.get("commit")}


def project_url() -> str | None:
    """The project's git URL from the installed package's metadata, when configured."""
    from importlib import metadata

    try:
        entries = metadata.metadata(DISTRIBUTION).get_all("Project-URL") or []
    except metadata.PackageNotFoundError:
        return None
    urls = {}
    for entry in entries:
        label, _, url = entry.partition(",")
        urls[label.strip().lower()] = url.strip()
    return next((urls[label] for label in URL_LABELS if urls.get(label)), None)


# ------------------------------------------------------------------ git facts


def git_output(cwd: Path | None, *args: str) -> str | None:
    """Git's output, or None when git is missing or fails."""
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, text=True, check=False
        )
    except OSError:
        return None
    return done.stdout if done.returncode == 0 else None


def is_git_repository(path: Path) -> bool:
    """Whether ``path`` is the top of a git working tree."""
    top = git_output(path, "rev-parse", "--show-toplevel")
    return top is not None and Path(top.strip()).resolve() == path.resolve()


def release_tags(src: str) -> list[str]:
    """The template's release tags, newest first, chosen and ordered as Copier does.

    Tags that are versions (``v0.2.0``, ``1.0``) and not pre-releases count.
    """
    from packaging.version import InvalidVersion, Version

    output = git_output(None, "ls-remote", "--tags", "--refs", "--", src) or ""
    versions: list[tuple[Version, str]] = []
    for line in output.splitlines():
        tag = line.rpartition("refs/tags/")[2]
        try:
            parsed = Version(tag)
        except InvalidVersion:
            continue
        if not parsed.is_prerelease:
            versions.append((parsed, tag))
    return [tag for _, tag in sorted(versions, reverse=True)]


def head_commit(path: Path) -> str | None:
    """The short commit of ``path``'s HEAD."""
    output = git_output(path, "rev-parse", "--short", "HEAD")
    return output.strip() if output else None


def uncommitted_changes(path: Path) -> list[str]:
    """Paths with uncommitted changes in the template's git tree (what Copier checks)."""
    output = git_output(path, "status", "--porcelain") or ""
    return [line[3:] for line in output.splitlines() if line.strip()]


def has_commit(path: Path, commit: str) -> bool:
    """Whether the git repository at ``path`` holds ``commit`` (a tag, branch or SHA)."""
    return (
        git_output(path, "rev-parse", "--verify", "--quiet", f"{commit}^{{commit}}")
        is not None
    )


# ------------------------------------------------------------------ build step


def ship_template(source_root: Path, package_dir: Path, version: str) -> Path:
    """Copy every TEMPLATE_FILES entry of ``source_root`` into the built package.

    Also records the package version and, when the template files are committed, the
    git commit they come from, so that a pack rendered from the copy can later be
    pointed at the git template at that same commit.
    """
    if not (source_root / TEMPLATE_CONFIG).is_file():
        raise FileNotFoundError(
            f"{source_root / TEMPLATE_CONFIG}: the template is missing"
        )
    target = package_dir / SHIPPED_TEMPLATE_DIR
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in TEMPLATE_FILES:
        entry = source_root / name
        if entry.is_dir():
            shutil.copytree(entry, target / name, ignore=_ignore_caches)
        elif entry.is_file():
            shutil.copy2(entry, target / name)
    info = {"version": version, "commit": template_commit(source_root)}
    (target / BUILD_INFO_FILE).write_text(json.dumps(info, indent=2) + "\n", "utf-8")
    return target


def template_commit(source_root: Path) -> str | None:
    """The commit the template files come from: HEAD when they are committed.

    Outside a git checkout (an sdist), the build info the sdist carries is used.
    """
    if git_output(source_root, "rev-parse", "--show-toplevel") is None:
        return build_info(source_root).get("commit")
    present = [name for name in TEMPLATE_FILES if (source_root / name).exists()]
    status = git_output(source_root, "status", "--porcelain", "--", *present)
    if status is None or status.strip():
        return None
    # The form Copier records as _commit, so that an update at the same version is a no-op.
    commit = git_output(source_root, "describe", "--tags", "--always")
    return commit.strip() if commit else None


def template_file_list(source_root: Path) -> list[str]:
    """Every file of the TEMPLATE_FILES entries, relative to ``source_root`` (for an sdist)."""
    files: list[str] = []
    for name in TEMPLATE_FILES:
        entry = source_root / name
        if entry.is_file():
            files.append(name)
        elif entry.is_dir():
            files += sorted(
                str(path.relative_to(source_root))
                for path in entry.rglob("*")
                if path.is_file() and "__pycache__" not in path.parts
            )
    return files


def _ignore_caches(folder: str, names: list[str]) -> set[str]:
    return {name for name in names if name in ("__pycache__", ".pytest_cache")}
