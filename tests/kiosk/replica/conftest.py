"""The UI tests' realistic replica (tests/kiosk/ui/fixtures.py), as a fixture for the read API's tests."""

from tests.kiosk.sync.conftest import site as site  # the damage tests run a whole installation
from tests.kiosk.ui.conftest import replica as replica
