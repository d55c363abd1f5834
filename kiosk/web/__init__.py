"""The kiosk in a browser (`innovatum-kiosk web`): `server` serves textual-serve's page and one session
process per browser; `hub` lets all of them share the server's one sync client and replica."""
