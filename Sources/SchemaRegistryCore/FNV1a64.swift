/// 64-bit FNV-1a: a small, fast, stable hash for index keys (not for security).
public struct FNV1a64: Sendable {
    private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    /// FNV's 64-bit prime.
    private static let prime: UInt64 = 0x0000_0100_0000_01b3

    public init() {}

    public mutating func add(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* Self.prime
    }

    public mutating func add(_ string: String) {
        // Over the contiguous UTF-8 of a native string: the view's own iterator costs more than
        // the hash step, and a REST answer hashes every schema text it carries (its GUID).
        let hashed: Void? = string.utf8.withContiguousStorageIfAvailable { bytes in
            var state = self.state
            for byte in bytes { state = (state ^ UInt64(byte)) &* Self.prime }
            self.state = state
        }
        if hashed == nil { for byte in string.utf8 { add(byte) } }
    }

    public mutating func add(_ bytes: some Sequence<UInt8>) {
        for byte in bytes { add(byte) }
    }

    public var value: UInt64 { state }

    /// Sixteen lowercase hex digits.
    public var hexDigest: String {
        let hex = String(state, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
