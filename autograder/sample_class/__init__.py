"""The bundled sample class of ``cs-conv demo`` (see make_sample_class.py)."""
