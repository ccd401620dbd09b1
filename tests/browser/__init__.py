"""End-to-end tests: the course in a real JupyterLab, driven by Debian's Chromium."""
