/// The logical types of the spec. A logical type only exists when valid for its underlying
/// type; otherwise the schema keeps the attributes but behaves as the underlying type.
public enum AvroLogicalType: Sendable, Hashable {
    case decimal(precision: Int, scale: Int)
    case bigDecimal
    case uuid
    case date
    case timeMillis, timeMicros
    case timestampMillis, timestampMicros, timestampNanos
    case localTimestampMillis, localTimestampMicros, localTimestampNanos
    case duration

    /// The logical type `properties` declare on `underlying` ("int", "bytes", "fixed", ...),
    /// or nil when it is absent, unknown or invalid. `fixedSize` is given for fixed.
    static func resolve(_ properties: JSONObject, underlying: String, fixedSize: Int? = nil) -> AvroLogicalType? {
        guard let name = properties["logicalType"]?.stringValue else { return nil }
        switch (name, underlying) {
        case ("decimal", "bytes"), ("decimal", "fixed"): return decimal(properties, fixedSize: fixedSize)
        case ("big-decimal", "bytes"): return .bigDecimal
        case ("uuid", "string"): return .uuid
        case ("uuid", "fixed") where fixedSize == 16: return .uuid
        case ("date", "int"): return .date
        case ("time-millis", "int"): return .timeMillis
        case ("time-micros", "long"): return .timeMicros
        case ("timestamp-millis", "long"): return .timestampMillis
        case ("timestamp-micros", "long"): return .timestampMicros
        case ("timestamp-nanos", "long"): return .timestampNanos
        case ("local-timestamp-millis", "long"): return .localTimestampMillis
        case ("local-timestamp-micros", "long"): return .localTimestampMicros
        case ("local-timestamp-nanos", "long"): return .localTimestampNanos
        case ("duration", "fixed") where fixedSize == 12: return .duration
        default: return nil
        }
    }

    /// Precision must be a positive integer that the fixed size can hold; scale a
    /// non-negative integer no larger than precision (default 0).
    private static func decimal(_ properties: JSONObject, fixedSize: Int?) -> AvroLogicalType? {
        guard let precision = properties["precision"]?.numberValue?.int64, precision > 0 else { return nil }
        var scale: Int64 = 0
        if let value = properties["scale"] {
            guard let exact = value.numberValue?.int64, exact >= 0 else { return nil }
            scale = exact
        }
        guard scale <= precision else { return nil }
        if let size = fixedSize, precision > maxPrecision(fixedSize: size) { return nil }
        return .decimal(precision: Int(precision), scale: Int(scale))
    }

    /// floor(log10(2^(8n-1) - 1)): the digits a two's-complement number of n bytes holds.
    /// A power of two is never a power of ten, so this equals floor((8n-1)·log10(2)); small
    /// sizes are counted exactly, large ones (where exact counting would be slow) computed.
    static func maxPrecision(fixedSize: Int) -> Int64 {
        guard fixedSize > 0 else { return 0 }
        guard fixedSize <= 64 else {
            return Int64((Double(8 * fixedSize - 1) * 0.301_029_995_663_981_2).rounded(.down))
        }
        var digits: [UInt8] = [1]  // little-endian base-10 digits of the power of two
        for _ in 0..<(8 * fixedSize - 1) {
            var carry: UInt8 = 0
            for index in digits.indices {
                let doubled = digits[index] * 2 + carry
                digits[index] = doubled % 10
                carry = doubled / 10
            }
            if carry > 0 { digits.append(carry) }
        }
        return Int64(digits.count - 1)
    }
}
