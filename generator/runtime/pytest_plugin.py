"""pytest plugin: the stand-in XSOAR runtime for tests run outside a server.

Registered through the ``pytest11`` entry point. At start-up it appends the stand-ins'
folder to ``sys.path`` only when ``import CommonServerPython`` would otherwise fail, so
inside a content repository the real modules are always the ones imported. When the
stand-in ``demistomock`` is the one in use, its server state is reset before every
test.
"""

import sys
from collections.abc import Iterator

import pytest

from generator.runtime import activate, is_standin


def pytest_configure(config: pytest.Config) -> None:
    """Make the stand-ins importable when the real runtime is not."""
    activate()


@pytest.fixture(autouse=True)
def xsoar_runtime_state() -> Iterator[None]:
    """Give every test a fresh stand-in server state (no-op with the real runtime)."""
    module = sys.modules.get("demistomock")
    if module is not None and is_standin(module):
        module.reset()
    yield
