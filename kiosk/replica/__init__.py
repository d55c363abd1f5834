"""The kiosk's local SQLite copy of the content. Never imports Textual or MQTT.

- `engine`: the kiosk half of the sync protocol (docs/SYNC.md): `Replica.handle(topic, payload)`.
- `decode`: verification and parsing of one message; `changebuffer`: change parts until complete;
  `digest`: the live-set digest kept one record at a time; `store`: the SQL; `search_text`: what the
  directory search indexes; `schema`: the tables.
- `queries`: the screen's read API over `records` and `search`.
"""
