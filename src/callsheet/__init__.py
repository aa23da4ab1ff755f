"""Callsheet: a self-hosted production tracking server that speaks the Shotgun API."""

from callsheet.client import Shotgun, connect
from callsheet.faults import Fault

__version__ = "0.1.0"
__all__ = ["Fault", "Shotgun", "__version__", "connect"]
