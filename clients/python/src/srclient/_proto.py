"""SRP's message classes, built at import time from the descriptor set srp.desc.

The package ships proto/srp.desc (copied at build time) instead of protoc-generated
srp_pb2.py: Debian's protoc 3.21 writes Python code for protobuf runtimes of its own era,
while users (and confluent-kafka) run protobuf 5-7; a descriptor set is read by every
runtime, and proto/srp.desc is already the committed output of proto/generate.sh, so there is
one source of truth and no Python step to keep in sync.
"""
from __future__ import annotations

import os
from typing import Any, Dict

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

_HERE = os.path.dirname(os.path.abspath(__file__))


def _descriptor_path() -> str:
    shipped = os.path.join(_HERE, "srp.desc")
    if os.path.exists(shipped):
        return shipped
    # A source checkout (tests run from the tree): the repository's proto/srp.desc.
    checkout = os.path.normpath(os.path.join(_HERE, "..", "..", "..", "..", "proto", "srp.desc"))
    if os.path.exists(checkout):
        return checkout
    raise ImportError(f"srclient: srp.desc is missing (looked for {shipped} and {checkout})")


def _load():
    files = descriptor_pb2.FileDescriptorSet()
    with open(_descriptor_path(), "rb") as handle:
        files.ParseFromString(handle.read())
    pool = descriptor_pool.DescriptorPool()
    for file in files.file:  # dependencies first, as protoc writes them
        pool.Add(file)
    return pool


POOL = _load()
_classes: Dict[str, Any] = {}


def message(name: str):
    """The class of message srp.<name>."""
    cls = _classes.get(name)
    if cls is None:
        cls = message_factory.GetMessageClass(POOL.FindMessageTypeByName("srp." + name))
        _classes[name] = cls
    return cls


def enum_value(enum: str, name: str) -> int:
    return POOL.FindEnumTypeByName("srp." + enum).values_by_name[name].number


def enum_name(enum: str, number: int) -> str:
    values = POOL.FindEnumTypeByName("srp." + enum).values_by_number
    return values[number].name if number in values else str(number)
