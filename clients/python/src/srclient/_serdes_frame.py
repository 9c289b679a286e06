"""Confluent's wire format: the frame (magic byte 0, 4-byte big-endian schema id, for
Protobuf the message indexes, then the payload). Re-exported by :mod:`srclient.serdes`.
"""
from __future__ import annotations

import struct
from typing import List, NamedTuple, Optional, Sequence, Tuple

from .errors import SerializationError, TruncatedFrame, WrongMagicByte

MAGIC_BYTE = 0
_HEADER = struct.Struct(">bI")
_MAX_VARINT_BYTES = 10


class Frame(NamedTuple):
    """An unframed record: the schema id, the payload, and the Protobuf message indexes (None
    when the frame was read without them)."""

    schema_id: int
    payload: bytes
    message_indexes: Optional[List[int]] = None


def _zigzag(value: int) -> int:
    return (value << 1) ^ (value >> 63)


def _unzigzag(value: int) -> int:
    return (value >> 1) ^ -(value & 1)


def _write_varint(out: bytearray, value: int) -> None:
    value &= 0xFFFFFFFFFFFFFFFF
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return


def _read_varint(data, position: int) -> Tuple[int, int]:
    result = shift = 0
    for index in range(_MAX_VARINT_BYTES):
        if position + index >= len(data):
            raise TruncatedFrame(f"truncated frame: the message indexes end in the middle of a varint "
                                 f"at byte {position + index}")
        byte = data[position + index]
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, position + index + 1
        shift += 7
    raise SerializationError(f"invalid message indexes: a varint longer than {_MAX_VARINT_BYTES} bytes "
                             f"at byte {position}")


def encode_message_indexes(indexes: Sequence[int]) -> bytes:
    """The message-index list as Confluent writes it: [0] (and []) as the single byte 0, else the
    zigzag-varint count followed by each zigzag-varint index."""
    indexes = list(indexes)
    if not indexes or indexes == [0]:
        return b"\x00"
    out = bytearray()
    _write_varint(out, _zigzag(len(indexes)))
    for index in indexes:
        if index < 0:
            raise ValueError(f"message indexes are >= 0, not {index}")
        _write_varint(out, _zigzag(index))
    return bytes(out)


def decode_message_indexes(data, position: int = 0) -> Tuple[List[int], int]:
    """Reads a message-index list at ``position``; returns (indexes, position after it). A count of
    0 means [0] (the first message of the file)."""
    count, position = _read_varint(data, position)
    count = _unzigzag(count)
    if count == 0:
        return [0], position
    if count < 0 or count > len(data) - position:
        raise TruncatedFrame(f"truncated frame: {count} message indexes announced, only {len(data) - position} "
                             "bytes follow" if count > 0 else f"invalid message index count {count}")
    indexes = []
    for _ in range(count):
        value, position = _read_varint(data, position)
        value = _unzigzag(value)
        if value < 0:
            raise SerializationError(f"invalid message index {value}")
        indexes.append(value)
    return indexes, position


def frame(schema_id: int, payload: bytes, message_indexes: Optional[Sequence[int]] = None) -> bytes:
    """Magic byte 0, ``schema_id`` (4 bytes, big-endian), the message indexes when given (Protobuf),
    then ``payload``."""
    if not 0 <= schema_id <= 0xFFFFFFFF:
        raise ValueError(f"schema id {schema_id} does not fit in 4 bytes")
    head = struct.pack(">BI", MAGIC_BYTE, schema_id)
    if message_indexes is not None:
        head += encode_message_indexes(message_indexes)
    return head + bytes(payload)


def unframe(data: bytes, *, protobuf: bool = False) -> Frame:
    """Splits a wire-format record into (schema_id, payload, message_indexes). With
    ``protobuf=True`` the message indexes are read after the id.

    Raises TruncatedFrame (fewer than 5 bytes, or indexes cut short), WrongMagicByte."""
    if data is None:
        raise TruncatedFrame("truncated frame: no data (None)")
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise SerializationError(f"a frame is bytes, not {type(data).__name__}")
    data = bytes(data)
    if len(data) < 5:
        raise TruncatedFrame(f"truncated frame: {len(data)} bytes, a frame has at least 5 "
                             "(magic byte and 4-byte schema id)")
    if data[0] != MAGIC_BYTE:
        raise WrongMagicByte(f"wrong magic byte {data[0]} (0x{data[0]:02x}): not Confluent's wire format, "
                             "whose first byte is 0")
    schema_id = struct.unpack_from(">I", data, 1)[0]
    if not protobuf:
        return Frame(schema_id, data[5:], None)
    indexes, position = decode_message_indexes(data, 5)
    return Frame(schema_id, data[position:], indexes)
