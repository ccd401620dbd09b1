"""Headless figures for the viz tests."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
