"""Build steps that ship the template inside the package (metadata is in pyproject.toml).

Every entry of ``generator.template_source.TEMPLATE_FILES`` goes into the wheel as
``generator/_template/`` and into the sdist as it is in the repository.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent


def _template_source():
    """Load generator/template_source.py alone (it needs only the standard library)."""
    path = ROOT / "generator" / "template_source.py"
    spec = importlib.util.spec_from_file_location("_xsoar_fetch_template_source", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


TEMPLATE_SOURCE = _template_source()


class BuildPyWithTemplate(build_py):
    """build_py that also copies the template into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install finds the checkout's template itself
        TEMPLATE_SOURCE.ship_template(
            ROOT,
            Path(self.build_lib) / "generator",
            self.distribution.get_version(),
        )


class SdistWithTemplate(sdist):
    """sdist that carries the template files and the commit they come from."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        template_files = TEMPLATE_SOURCE.template_file_list(ROOT)
        super().make_release_tree(base_dir, sorted({*files, *template_files}))
        info = {
            "version": self.distribution.get_version(),
            "commit": TEMPLATE_SOURCE.template_commit(ROOT),
        }
        target = Path(base_dir) / TEMPLATE_SOURCE.BUILD_INFO_FILE
        target.unlink(missing_ok=True)
        target.write_text(json.dumps(info, indent=2) + "\n", "utf-8")


setup(cmdclass={"build_py": BuildPyWithTemplate, "sdist": SdistWithTemplate})
