"""Build hook for the optional C accelerator; everything else is configured in pyproject.toml.

``gateway.x12._fastscan`` is optional: where no C compiler is available the install still
succeeds and ``gateway.x12.fastpath.available()`` is False (the pure-Python path is used).
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "gateway.x12._fastscan",
            sources=["gateway/x12/_fastscan.c"],
            extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra"],
            optional=True,
        )
    ]
)
