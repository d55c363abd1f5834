"""The admin node: the SQLite source of truth, the `innovatum-admin` CLI, importers, publisher, fleet."""
