"""`innovatum`: the one-command launcher that puts a broker, an admin node and a kiosk in one process.

It is the only package allowed to import both `admin` and `kiosk` (import-linter's layers contract).
"""
