"""Packaging that pyproject.toml cannot express: the built-in rule packs in the wheel.

The rule packs stay data in the top-level ``rules/`` folder (the design: packs outside the
code), so a plain package search does not see them and a wheel built from it would not carry
them. Mapping the package ``bot.detect.builtin_rules`` onto that folder makes setuptools ship
its ``*.toml`` (and the README) as package data: a wheel, ``pip install .`` and the sdist carry
them, installed at ``bot/detect/builtin_rules/``, where ``bot.detect.rules.default_rules_dir``
finds them; a source checkout and an editable install keep reading ``rules/`` itself.

pyproject.toml can map a package onto a folder (``package-dir``) but cannot add such a mapped
package to the ones its ``packages.find`` discovers; hence this file, which only does that.
Everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

BUILTIN_RULES = "bot.detect.builtin_rules"

setup(
    packages=[*find_namespace_packages(include=["bot*"]), BUILTIN_RULES],
    package_dir={BUILTIN_RULES: "rules"},
    package_data={"": ["*.toml", "*.json", "*.sql"], BUILTIN_RULES: ["*.toml", "README.md"]},
)
