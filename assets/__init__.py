"""Stylesheets, translations, demo data and images, shipped inside the package so an installed
kiosk finds them without a checkout."""

from pathlib import Path

ASSETS = Path(__file__).resolve().parent
