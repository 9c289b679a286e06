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

    /// The bytes left, valid while the caller's buffer is.
    var isValidUTF8: Bool {
        String(validating: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self) != nil
    }

    mutating func varint() -> UInt64? {
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
    mutating func lengthDelimited() -> WireReader? {
        guard let length = varint(), length <= UInt64(end - position) else { return nil }
        let value = WireReader(bytes: bytes, position: position, end: position + Int(length))
        position += Int(length)
        return value
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
