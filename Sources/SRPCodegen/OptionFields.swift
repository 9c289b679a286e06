/// A minimal protobuf wire-format reader for the varint fields of an options message.
///
/// Custom options such as `(srp.method_id)` are extensions of `google.protobuf.MethodOptions`. Decoded without an
/// extension map they sit in the message's unknown fields; decoded with one they sit in its extension fields. Either
/// way they are in the message's serialization, which is what this reads.
struct OptionFields {
    /// The last value seen for each varint field (protobuf's "last one wins" for scalars).
    private(set) var varints: [Int: UInt64] = [:]

    enum Failure: Error {
        case truncated
        case malformedVarint
        case unsupportedWireType(Int)
    }

    init(serialized bytes: [UInt8]) throws(Failure) {
        var index = 0
        func readVarint() throws(Failure) -> UInt64 {
            var value: UInt64 = 0
            var shift: UInt64 = 0
            while true {
                guard index < bytes.count else { throw .truncated }
                let byte = bytes[index]
                index += 1
                guard shift < 64 else { throw .malformedVarint }
                value |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return value }
                shift += 7
            }
        }
        func skip(_ count: UInt64) throws(Failure) {
            guard count <= UInt64(bytes.count - index) else { throw .truncated }
            index += Int(count)
        }
        while index < bytes.count {
            let tag = try readVarint()
            let field = Int(truncatingIfNeeded: tag >> 3)
            switch Int(tag & 7) {
            case 0: varints[field] = try readVarint()
            case 1: try skip(8)
            case 2: try skip(try readVarint())
            case 5: try skip(4)
            case let wireType: throw .unsupportedWireType(wireType)
            }
        }
    }
}
