"""Tests (a package, so that test and conftest module names never clash)."""
