"""What crosses the broker: topics, message schemas, signatures, the MQTT client, broker configuration.

Shared by the admin node and the kiosks; imports neither, and never Textual.
"""
