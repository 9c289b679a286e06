"""The cffi builder of srclient._native (out-of-line API mode).

The declarations are the C client's own: the text between the srclient-cdef-begin and
srclient-cdef-end markers of clients/c/include/srclient_core.h, read as it stands. The library
is not linked from a prebuilt file: its sources (clients/c/src/*.c and the protobuf-c code of
clients/c/generated) are compiled into the extension, so `pip install clients/python` needs
only a C compiler and the -dev packages (libprotobuf-c-dev, liblz4-dev, libssl-dev for TLS).

SRCLIENT_C_DIR overrides where the C client is (default: ../c beside this file).
SRCLIENT_TLS=0 builds without TLS even when OpenSSL is found.
"""
from __future__ import annotations

import glob
import os
import shlex
import subprocess

from cffi import FFI

HERE = os.path.dirname(os.path.abspath(__file__))
C_DIR = os.path.abspath(os.environ.get("SRCLIENT_C_DIR") or os.path.join(HERE, "..", "c"))
HEADER = os.path.join(C_DIR, "include", "srclient_core.h")

# A few helpers compiled into the module, so that the hot loop of get_many costs one foreign
# call per request and one per reply.
HELPERS_CDEF = """
int srpy_append_get_by_id(sr_client *client, uint32_t id, uint32_t *request_id);
int srpy_next_reply(sr_client *client, int timeout_ms, sr_reply **reply, uint32_t *request_id,
                    unsigned *status, const uint8_t **body, size_t *length);
"""

HELPERS_SOURCE = r"""
#include "srclient_core.h"

/* GetSchemaById (method 10): the request is field 1, a varint. */
int srpy_append_get_by_id(sr_client *client, uint32_t id, uint32_t *request_id) {
    uint8_t body[6];
    size_t n = 0;
    body[n++] = 0x08;
    do {
        uint8_t byte = id & 0x7f;
        id >>= 7;
        body[n++] = byte | (id ? 0x80 : 0);
    } while (id);
    return sr_append_bytes(client, 10, body, n, request_id);
}

/* sr_get_reply and the reply's fields in one call; the body is owned by the reply. */
int srpy_next_reply(sr_client *client, int timeout_ms, sr_reply **reply, uint32_t *request_id,
                    unsigned *status, const uint8_t **body, size_t *length) {
    int err = sr_get_reply(client, timeout_ms, reply);
    if (err != 0) return err;
    *request_id = sr_reply_request_id(*reply);
    *status = sr_reply_status(*reply);
    *body = sr_reply_body(*reply, length);
    return 0;
}
"""


def core_declarations() -> str:
    try:
        text = open(HEADER, encoding="utf-8").read()
    except OSError as error:
        raise SystemExit(f"srclient: the C client's header is missing ({error}); build from the repository "
                         "checkout (clients/python beside clients/c) or set SRCLIENT_C_DIR") from None
    begin = text.index("/* srclient-cdef-begin */")
    end = text.index("/* srclient-cdef-end */")
    return text[begin:end]


def pkg_config(*args: str):
    try:
        done = subprocess.run(["pkg-config", *args], capture_output=True, text=True, check=False)
    except OSError:
        return None
    return shlex.split(done.stdout) if done.returncode == 0 else None


def library_flags():
    """(include dirs, libraries, library dirs, macros) of protobuf-c, lz4 and, if present, OpenSSL."""
    includes, libraries, library_dirs, macros = [], [], [], []
    deps = pkg_config("--cflags", "--libs", "libprotobuf-c", "liblz4")
    if deps is None:
        deps = ["-lprotobuf-c", "-llz4"]
    tls_wanted = os.environ.get("SRCLIENT_TLS", "1") != "0"
    tls = pkg_config("--cflags", "--libs", "libssl", "libcrypto") if tls_wanted else None
    if tls is not None:
        deps += tls
        macros.append(("SR_HAS_TLS", "1"))
    for flag in deps:
        if flag.startswith("-I"):
            includes.append(flag[2:])
        elif flag.startswith("-l"):
            libraries.append(flag[2:])
        elif flag.startswith("-L"):
            library_dirs.append(flag[2:])
    return includes, libraries, library_dirs, macros


def c_sources():
    sources = sorted(glob.glob(os.path.join(C_DIR, "src", "*.c")))
    sources += sorted(glob.glob(os.path.join(C_DIR, "generated", "**", "*.pb-c.c"), recursive=True))
    if not sources:
        raise SystemExit(f"srclient: no C sources under {C_DIR}")
    # setuptools wants paths relative to setup.py for sources outside the package.
    return [os.path.relpath(path, HERE) for path in sources]


ffibuilder = FFI()
ffibuilder.cdef(core_declarations() + HELPERS_CDEF)
_includes, _libraries, _library_dirs, _macros = library_flags()
ffibuilder.set_source(
    "srclient._native",
    HELPERS_SOURCE,
    sources=c_sources(),
    include_dirs=[os.path.join(C_DIR, "include"), os.path.join(C_DIR, "generated"), *_includes],
    libraries=_libraries,
    library_dirs=_library_dirs,
    define_macros=[("_POSIX_C_SOURCE", "200809L"), ("_DEFAULT_SOURCE", None), *_macros],
    extra_compile_args=["-O2", "-fvisibility=hidden"],
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
