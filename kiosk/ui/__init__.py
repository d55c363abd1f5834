"""The kiosk's Textual UI. It reads the replica and never talks MQTT (see the import-linter contracts).

Kept free of imports so that `import kiosk.ui.safe` does not pull in Textual's whole widget tree.
"""
