"""The UI tests' realistic replica (tests/kiosk/ui/fixtures.py), as a fixture for the read API's tests."""

from tests.kiosk.ui.conftest import replica as replica
