"""How the user can run this command again: the words printed in suggested commands."""

from __future__ import annotations

import os
import shlex
import shutil
import sys
from pathlib import Path

COMMAND = "xsoar-fetch"


def command_name() -> str:
    """``xsoar-fetch`` when that name on PATH is this installation's, else a path that is.

    A virtual environment's ``bin`` folder is often not on PATH (the README installs into
    ``.venv``), so printed commands then name this installation's script by its absolute
    path, and the interpreter (``python -m generator``) when there is no script.
    """
    script = Path(sys.executable).parent / COMMAND
    on_path = shutil.which(COMMAND)
    if not script.is_file():
        return f"{shlex.quote(sys.executable)} -m generator"
    if on_path and os.path.samefile(on_path, script):
        return COMMAND
    return shlex.quote(str(script))
