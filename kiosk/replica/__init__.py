"""The kiosk's local SQLite copy of the content. Never imports Textual or MQTT."""
