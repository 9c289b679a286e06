/// Confluent's wire format of a Kafka record's key or value: magic byte 0, the schema id as 4
/// bytes big-endian, for Protobuf the message-index list (which message of the file; zig-zag
/// varints: a count, then the indexes; a lone 0 means `[0]`), then the serialized datum.
public enum KafkaWireFormat {
    public struct Frame: Sendable, Hashable {
        public var schemaID: SchemaID
        /// The bytes after the id (for Protobuf the message indexes come first: ``messageIndexes(_:)``).
        public var body: ArraySlice<UInt8>
    }

    /// Whether `payload` is framed (JSON payloads never start with a zero byte).
    public static func isFramed(_ payload: [UInt8]) -> Bool { payload.first == 0 }

    /// Why a payload is neither framed nor JSON text, naming the magic byte; nil otherwise.
    public static func badMagic(_ payload: [UInt8]) -> String? {
        guard let first = payload.first, first != 0, first < 0x20, ![0x09, 0x0A, 0x0D].contains(first) else {
            return nil
        }
        return "The payload starts with byte \(first): not a Confluent frame (magic byte 0) and not JSON text."
    }

    public static func frame(schemaID: SchemaID, messageIndexes: [Int]? = nil, datum: [UInt8]) -> [UInt8] {
        var bytes: [UInt8] = [0]
        let id = UInt32(truncatingIfNeeded: schemaID)
        bytes += [UInt8(id >> 24), UInt8(id >> 16 & 0xFF), UInt8(id >> 8 & 0xFF), UInt8(id & 0xFF)]
        if let indexes = messageIndexes {
            if indexes == [0] {
                bytes.append(0)
            } else {
                zigZag(Int64(indexes.count), into: &bytes)
                for index in indexes { zigZag(Int64(index), into: &bytes) }
            }
        }
        return bytes + datum
    }

    public static func unframe(_ payload: [UInt8]) throws -> Frame {
        guard payload.first == 0 else {
            throw RegistryError(
                .invalidRequest,
                "Not a Confluent frame: magic byte \(payload.first.map { "\($0)" } ?? "(none)"), expected 0.")
        }
        guard payload.count >= 5 else {
            throw RegistryError(
                .invalidRequest, "Truncated Confluent frame: \(payload.count) bytes, the header alone is 5.")
        }
        let id = payload[1...4].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        return Frame(schemaID: SchemaID(id), body: payload[5...])
    }

    /// Reads the Protobuf message-index list off the front of `body`.
    public static func messageIndexes(_ body: inout ArraySlice<UInt8>) throws -> [Int] {
        let count = try zigZag(&body)
        if count == 0 { return [0] }
        guard count > 0, count <= 100 else {
            throw RegistryError(.invalidRequest, "Bad Protobuf message-index count \(count) in the frame.")
        }
        return try (0..<count).map { _ in
            let index = try zigZag(&body)
            guard index >= 0, index < Int64(Int32.max) else {
                throw RegistryError(.invalidRequest, "Bad Protobuf message index \(index) in the frame.")
            }
            return Int(index)
        }
    }

    private static func zigZag(_ value: Int64, into bytes: inout [UInt8]) {
        var encoded = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while encoded >= 0x80 {
            bytes.append(UInt8(encoded & 0x7F) | 0x80)
            encoded >>= 7
        }
        bytes.append(UInt8(encoded))
    }

    private static func zigZag(_ body: inout ArraySlice<UInt8>) throws -> Int64 {
        var result: UInt64 = 0
        for index in 0..<10 {
            guard let byte = body.first else { break }
            body = body.dropFirst()
            result |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 { return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1) }
        }
        throw RegistryError(.invalidRequest, "Truncated Protobuf message indexes in the frame.")
    }
}
