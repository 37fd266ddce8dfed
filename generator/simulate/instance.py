"""Moved to :mod:`generator.instance`, which ``fetch`` and the simulator share; this
name keeps imports written before the move working."""

from generator.instance import *  # noqa: F403
