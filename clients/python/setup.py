"""Builds srclient._native with cffi (see build_ffi.py) and ships proto/srp.desc in the package.

Metadata is in pyproject.toml; this file only adds what setuptools cannot say there: the cffi
module, the copy of the descriptor set (the one source of truth stays proto/srp.desc), and
where the objects of the C client's sources go (build_temp, never clients/c)."""
import os
import shutil
from pathlib import PurePath

from setuptools import setup
from setuptools.command.build_ext import build_ext
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


def _inside_build_temp(source: str) -> str:
    """The name an object is derived from: a relative source path climbing out of the package
    ("../c/src/sr_io.c") becomes "libsrclient/c/src/sr_io.c", so that distutils (which joins it
    to build_temp as it is) writes the object under build_temp instead of beside the source."""
    path = PurePath(source)
    if path.is_absolute() or ".." not in path.parts:
        return source
    return str(PurePath("libsrclient", *(part for part in path.parts if part not in ("..", "."))))


class BuildExt(build_ext):
    def build_extension(self, ext):
        compiler = self.compiler
        object_filenames = compiler.object_filenames

        def contained(source_filenames, *args, **kwargs):
            return object_filenames([_inside_build_temp(s) for s in source_filenames], *args, **kwargs)

        compiler.object_filenames = contained
        try:
            super().build_extension(ext)
        finally:
            del compiler.object_filenames


# cffi wraps cmdclass["build_ext"] (it writes the module's C file first), keeping BuildExt.
setup(cffi_modules=["build_ffi.py:ffibuilder"], cmdclass={"build_py": BuildPy, "build_ext": BuildExt})
