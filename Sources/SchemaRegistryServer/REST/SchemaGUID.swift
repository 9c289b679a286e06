import SchemaRegistryCore

/// Confluent 8's schema GUID, derived rather than stored: a UUID (version 8, "custom") whose
/// first 8 bytes are a hash of the schema's type and text and whose last 4 bytes are its id.
///
/// Derived, so every instance on a shared store gives a schema the same GUID with no store
/// change and no migration; a lookup decodes the id and checks the hash, so a GUID made up from
/// an id alone (or one of another registry) is not found.
enum SchemaGUID {
    static func of(_ schema: StoredSchema) -> String {
        var hash = FNV1a64()
        hash.add(schema.type.description)
        hash.add(0)
        hash.add(schema.text)
        var bytes = [UInt8](repeating: 0, count: 16)
        for index in 0..<8 { bytes[index] = UInt8(truncatingIfNeeded: hash.value >> (56 - 8 * UInt64(index))) }
        bytes[6] = bytes[6] & 0x0F | 0x80  // version 8
        bytes[8] = 0x80  // RFC 9562 variant; bytes 9-11 stay zero
        let id = UInt32(schema.id)
        for index in 0..<4 { bytes[12 + index] = UInt8(truncatingIfNeeded: id >> (24 - 8 * UInt32(index))) }
        // Written as bytes into one buffer: every schema of a search answer or a listing carries
        // its GUID, and 32 `String(radix:)`s per schema were a tenth of a search's CPU.
        var text = [UInt8]()
        text.reserveCapacity(36)
        for (index, byte) in bytes.enumerated() {
            if index == 4 || index == 6 || index == 8 || index == 10 { text.append(UInt8(ascii: "-")) }
            text.append(hexDigits[Int(byte >> 4)])
            text.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The id a GUID of ours carries; nil when the text is not one (the caller answers 40403).
    static func id(in guid: String) -> UInt32? {
        let hex = guid.lowercased().filter { $0 != "-" }
        guard guid.count == 36, hex.count == 32, hex.allSatisfy(\.isHexDigit),
            hex.dropFirst(16).hasPrefix("80000000")
        else { return nil }
        return UInt32(hex.suffix(8), radix: 16)
    }
}
