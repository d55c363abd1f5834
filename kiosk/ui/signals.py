"""Signals that end the app cleanly when a person runs it in their own terminal (`innovatum demo`).

Closing the terminal (SIGHUP), `kill -TERM` and a SIGINT from outside would otherwise kill the process
in the middle of Textual's alternate screen, with echo off, and skip the caller's clean-up (the demo's
broker). Each one asks the app to exit instead, so Textual restores the terminal and the caller's
`finally` blocks run. Handlers are on the running event loop: they run between callbacks, never
inside Textual's own code.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Callable

from textual.app import App

ENDING_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGINT)


def exit_on_signals(app: App[None]) -> Callable[[], None]:
    """Make the ending signals exit `app`; returns what puts the previous handlers back (the app may
    end while the process goes on, as in the tests and after the demo's UI)."""
    loop = asyncio.get_running_loop()
    previous = {sig: signal.getsignal(sig) for sig in ENDING_SIGNALS}
    try:
        for sig in ENDING_SIGNALS:
            loop.add_signal_handler(sig, app.exit)
    except (ValueError, RuntimeError):  # not the main thread: signals are its owner's business
        return lambda: None

    def restore() -> None:
        for sig, handler in previous.items():
            loop.remove_signal_handler(sig)
            signal.signal(sig, handler)

    return restore
