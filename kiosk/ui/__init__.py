"""The Textual lobby screen. Reads the replica; never talks MQTT."""
