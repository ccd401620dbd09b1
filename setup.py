"""Build the one compiled extension; everything else is in pyproject.toml."""

from Cython.Build import cythonize
from setuptools import Extension, setup

extensions = [
    Extension(
        "cs_conv._im2col_cy",
        ["cs_conv/_im2col_cy.pyx"],
        depends=["cs_conv/_kernel_simd.h", "cs_conv/_gemm_simd.h"],
        extra_compile_args=["-O3"],
    )
]

setup(ext_modules=cythonize(extensions, language_level=3))
