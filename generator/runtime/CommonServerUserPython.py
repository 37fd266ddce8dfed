"""Offline stand-in for ``CommonServerUserPython``.

On a server this module holds code an administrator shares between integrations;
it is empty by default, and so is this stand-in. Integrations import it with
``from CommonServerUserPython import *``.
"""
