"""Build configuration that ``pyproject.toml`` cannot express; everything else is there.

- **Packaged data.** ``partners/``, ``maps/`` and ``samples/`` stay top-level data folders in the
  repository; a wheel carries the defaults a fresh install needs under ``gateway/_data/`` (read by
  ``gateway.locations``): the base maps, the onboarding templates, the demo partner's profile (it
  has no map overrides), its clean sample documents and its AS2 test certificates and keys
  (``samples/as2``, read by its profile as ``../samples/as2/``). Other partners (``acme-fasteners``) and the
  broken samples stay in the repository. pyproject's ``packages.find`` cannot be combined with
  packages mapped from other folders, so the package list lives here too.
- **The optional C accelerators.** ``gateway.x12.native._fastscan`` (the scanner) and
  ``gateway.mapping.native._shipmap`` (the 856 mapper) are optional: where no C compiler is
  available the install still succeeds, ``gateway.x12.native.fastpath.available()`` and
  ``gateway.mapping.native.ship_notice.available()`` are False, and the pure-Python path is used. ``[tool.setuptools] ext-modules`` in pyproject.toml could declare it,
  but setuptools (84) still calls that table experimental and warns on every build, and this file
  is needed for the data packages anyway.
"""

from setuptools import Extension, find_namespace_packages, setup

DATA = {  # package -> (checkout folder, files), as gateway.locations.PACKAGED names them
    "gateway._data.maps": ("maps", ["base/*.yaml"]),
    "gateway._data.partners": ("partners", ["demo-supplier.yaml", "templates/*.yaml"]),
    "gateway._data.samples": ("samples/demo-supplier", ["*.edi"]),
    # the demo partner's AS2 certificates and keys (TEST ONLY), where its profile points
    "gateway._data.samples.as2": ("samples/as2", ["*.crt", "*.key", "README.md"]),
}

CODE = find_namespace_packages(
    include=["gateway*", "transports*", "gateway_app*"], exclude=["*__pycache__"]
)

setup(
    packages=CODE + list(DATA),
    package_dir={package: folder for package, (folder, _) in DATA.items()},
    package_data={
        **{package: ["*.yaml", "*.json", "*.mako", "*.html", "*.js", "*.css", "*.txt"] for package in CODE},
        **{package: files for package, (_, files) in DATA.items()},
    },
    ext_modules=[
        Extension(
            "gateway.x12.native._fastscan",
            sources=["gateway/x12/native/_fastscan.c"],
            extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra"],
            optional=True,
        ),
        Extension(
            "gateway.mapping.native._shipmap",
            sources=["gateway/mapping/native/_shipmap.c"],
            extra_compile_args=["-O2", "-std=c99", "-Wall", "-Wextra"],
            optional=True,
        ),
    ],
)
