"""The kiosk in a browser (`innovatum-kiosk web`): `server` serves textual-serve's page and one session
process per browser; `hub` lets all of them share the server's one sync client and replica."""

#: Each session is its own Textual process: about 50 - 80 MB (53 MB measured at 160x45) and a share
#: of a core while it draws. Eight covers a reception desk, a few staff previews and tenants checking
#: their page. Here, not in .server, so that the CLI can show it without importing aiohttp.
DEFAULT_MAX_SESSIONS = 8
