"""Importing xtquant safely: its package __init__ runs a network update check that can block
for ~10 s, and its native parts exist only on Windows."""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types


def load_pure_modules() -> tuple[types.ModuleType, types.ModuleType]:
    """`xtquant.xtconstant` and `xtquant.xttype` without running the package __init__."""
    if "xtquant" not in sys.modules:
        spec = importlib.util.find_spec("xtquant")
        if spec is None:
            raise ImportError("xtquant is not installed")
        package = types.ModuleType("xtquant")
        package.__path__ = list(spec.submodule_search_locations)
        sys.modules["xtquant"] = package
    return importlib.import_module("xtquant.xtconstant"), importlib.import_module("xtquant.xttype")


def native_available() -> tuple[bool, str]:
    """Whether the Windows-only native client can load on this machine."""
    try:
        load_pure_modules()
        importlib.import_module("xtquant.xtpythonclient")
    except ImportError as error:
        return False, str(error)
    return True, ""
