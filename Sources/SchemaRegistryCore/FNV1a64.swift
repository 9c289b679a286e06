/// 64-bit FNV-1a: a small, fast, stable hash for index keys (not for security).
public struct FNV1a64: Sendable {
    private(set) var state: UInt64 = 0xcbf2_9ce4_8422_2325

    public init() {}

    public mutating func add(_ byte: UInt8) {
        state = (state ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
    }

    public mutating func add(_ string: String) {
        for byte in string.utf8 { add(byte) }
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
