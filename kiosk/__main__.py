"""`python -m kiosk` is `innovatum-kiosk`: how the web server starts its sessions with its own interpreter."""

from kiosk.cli import main

main()
