"""Callsheet: a self-hosted production tracking server that speaks the Shotgun API."""

__version__ = "0.1.0"  # first: the modules imported below read it

from callsheet.client import Shotgun, connect
from callsheet.faults import Fault

__all__ = ["Fault", "Shotgun", "__version__", "connect"]
