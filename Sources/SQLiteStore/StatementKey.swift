/// The key of a connection's statement cache: SQL text, hashed by its length and the bytes at
/// both ends instead of every byte.
///
/// A registration looks up about a dozen cached statements, several of them hundreds of bytes
/// long, and hashing each whole text with SipHash was 4% of a registration's instructions
/// (issue 19, callgrind). Texts that share length and both ends only share a bucket: equality
/// still compares the whole text, so a lookup can never return another statement.
struct StatementKey: Hashable {
    let sql: String

    init(_ sql: String) { self.sql = sql }

    static func == (lhs: StatementKey, rhs: StatementKey) -> Bool { lhs.sql == rhs.sql }

    func hash(into hasher: inout Hasher) {
        let utf8 = sql.utf8
        hasher.combine(utf8.count)
        let hashedEnds: Void? = utf8.withContiguousStorageIfAvailable { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            guard raw.count >= Self.endBytes * 2 else { return hasher.combine(bytes: raw) }
            // Eight-byte words: four combines per end cost less than hashing the bytes as a buffer.
            for offset in stride(from: 0, to: Self.endBytes, by: 8) {
                hasher.combine(raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
                hasher.combine(raw.loadUnaligned(fromByteOffset: raw.count - Self.endBytes + offset, as: UInt64.self))
            }
        }
        if hashedEnds == nil {
            for byte in utf8.prefix(Self.endBytes) { hasher.combine(byte) }
            for byte in utf8.suffix(Self.endBytes) { hasher.combine(byte) }
        }
    }

    /// Bytes hashed at each end: statements here differ in their first or last words.
    private static let endBytes = 32
}
