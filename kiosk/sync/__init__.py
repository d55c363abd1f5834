"""The kiosk sync client: MQTT in, verified updates applied to the replica. Never imports Textual."""
