"""The kiosk: a replica of the admin node's content (kiosk.replica), the sync client that keeps it
current (kiosk.sync), and the Textual lobby screen that reads it (kiosk.ui)."""

__version__ = "0.1.0"
