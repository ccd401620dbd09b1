"""Tests of cs_conv.viz (a package: its conftest.py must not clash with tests/conftest.py)."""
