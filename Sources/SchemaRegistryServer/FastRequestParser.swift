import NIOCore

/// Reads the id of a GetSchemaByIdRequest without a protobuf decode: the hot path's body is
/// `08 <varint id>` (field 1, wire type 0). Anything else returns nil and takes the full path.
enum FastRequestParser {
    static func schemaID(_ body: ByteBuffer) -> UInt32? {
        var body = body
        guard body.readInteger(as: UInt8.self) == 0x08 else { return nil }
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = body.readInteger(as: UInt8.self) {
            value |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 {
                return body.readableBytes == 0 && value <= UInt64(UInt32.max) ? UInt32(value) : nil
            }
            shift += 7
            if shift > 35 { return nil }
        }
        return nil
    }
}
