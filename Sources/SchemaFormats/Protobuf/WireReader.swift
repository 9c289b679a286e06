/// Reads the protobuf wire format from bytes the caller keeps alive (a `withUnsafeBufferPointer`
/// scope): a position and an end, so sub-messages are readers over the same memory, with no
/// copies and no reference counting. nil/false when truncated or malformed.
struct WireReader {
    let bytes: UnsafeBufferPointer<UInt8>
    private(set) var position: Int
    let end: Int

    init(bytes: UnsafeBufferPointer<UInt8>, position: Int, end: Int) {
        self.bytes = bytes
        self.position = position
        self.end = end
    }

    var isAtEnd: Bool { position >= end }

    /// Whether the bytes left are valid UTF-8 (no overlong forms, surrogates or values past
    /// U+10FFFF), checked in place: building a `String` to find out would allocate per field.
    var isValidUTF8: Bool { UTF8Check.isValid(bytes, from: position, to: end) }

    @inline(__always)
    mutating func varint() -> UInt64? {
        // Most varints on the wire (tags, lengths, small numbers) are one byte.
        if position < end, bytes[position] < 0x80 {
            defer { position += 1 }
            return UInt64(bytes[position])
        }
        return longVarint()
    }

    private mutating func longVarint() -> UInt64? {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while position < end {
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { return nil }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        return nil
    }

    /// The next length-delimited value, as a reader of its own.
    @inline(__always)
    mutating func lengthDelimited() -> WireReader? {
        guard let length = varint(), length <= UInt64(end - position) else { return nil }
        let value = WireReader(bytes: bytes, position: position, end: position + Int(length))
        position += Int(length)
        return value
    }

    /// Skips one value of wire type 0, 1, 2 or 5 (what a scalar field is written with).
    @inline(__always)
    mutating func skipScalar(wireType: UInt8) -> Bool {
        switch wireType {
        case 0:
            // A varint's value is not needed: find its last byte (at most 10).
            let limit = min(end, position + 10)
            while position < limit {
                let byte = bytes[position]
                position += 1
                if byte < 0x80 { return true }
            }
            return false
        case 1, 5:
            let size = wireType == 1 ? 8 : 4
            guard end - position >= size else { return false }
            position += size
            return true
        case 2: return lengthDelimited() != nil
        default: return false
        }
    }

    mutating func skip(wireType: UInt64, fieldNumber: Int32) -> Bool {
        switch wireType {
        case 0: return varint() != nil
        case 1, 5:
            let size = wireType == 1 ? 8 : 4
            guard end - position >= size else { return false }
            position += size
            return true
        case 2: return lengthDelimited() != nil
        case 3:
            // An unknown group: skip fields until its end tag.
            var depth = 0
            while let tag = varint() {
                let type = tag & 7
                if type == 4 {
                    if depth == 0 { return Int32(truncatingIfNeeded: tag >> 3) == fieldNumber }
                    depth -= 1
                } else if type == 3 {
                    depth += 1
                    guard depth < 100 else { return false }
                } else if !skip(wireType: type, fieldNumber: 0) {
                    return false
                }
            }
            return false
        default: return false
        }
    }
}

/// UTF-8 validation over a byte range, without copies (RFC 3629: the shortest form only, no
/// surrogates, nothing past U+10FFFF), ASCII eight bytes at a time.
enum UTF8Check {
    static func isValid(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> Bool {
        guard let base = bytes.baseAddress else { return start >= end }
        var at = start
        while at < end {
            if end - at >= 8,
                UnsafeRawPointer(base + at).loadUnaligned(as: UInt64.self) & 0x8080_8080_8080_8080 == 0
            {
                at += 8
                continue
            }
            let lead = base[at]
            if lead < 0x80 {
                at += 1
                continue
            }
            let length: Int
            var low: UInt8 = 0x80
            var high: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0:
                length = 3
                low = 0xA0  // shorter forms are overlong
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED:
                length = 3
                high = 0x9F  // U+D800...U+DFFF are surrogates
            case 0xF0:
                length = 4
                low = 0x90  // overlong
            case 0xF1...0xF3: length = 4
            case 0xF4:
                length = 4
                high = 0x8F  // past U+10FFFF
            default: return false
            }
            guard end - at >= length, (low...high).contains(base[at + 1]) else { return false }
            for next in 2..<length where base[at + next] & 0xC0 != 0x80 { return false }
            at += length
        }
        return true
    }
}
