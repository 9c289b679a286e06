"""Builds srclient._native with cffi (see build_ffi.py) and ships proto/srp.desc in the package.

Metadata is in pyproject.toml; this file only adds what setuptools cannot say there: the cffi
module and the copy of the descriptor set (the one source of truth stays proto/srp.desc)."""
import os
import shutil

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = os.path.dirname(os.path.abspath(__file__))
DESCRIPTOR = os.path.join(HERE, "..", "..", "proto", "srp.desc")


class BuildPy(build_py):
    def run(self):
        super().run()
        if not os.path.exists(DESCRIPTOR):
            raise SystemExit(f"srclient: {DESCRIPTOR} is missing; build from the repository checkout")
        target = os.path.join(self.build_lib, "srclient")
        os.makedirs(target, exist_ok=True)
        shutil.copyfile(DESCRIPTOR, os.path.join(target, "srp.desc"))


setup(cffi_modules=["build_ffi.py:ffibuilder"], cmdclass={"build_py": BuildPy})
