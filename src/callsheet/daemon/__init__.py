"""The event trigger daemon: runs shotgunEvents plugins unchanged against any Shotgun server."""
