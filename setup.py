"""setuptools needs this file only to pass cffi_modules (no pyproject key exists for it)."""

from setuptools import setup

setup(cffi_modules=["python/acoustid_pg/_build_core.py:ffibuilder"])
