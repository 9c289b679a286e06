import SchemaRegistryCore

/// Validates a datum in Avro's binary encoding (what Kafka records carry after the Confluent
/// frame) against a schema: every value decodes as its type says (zig-zag varints within
/// their width, lengths and block counts non-negative and inside the payload, union branches
/// and enum symbols in range, strings valid UTF-8) and nothing is left over. Stops at the first
/// error: in binary, everything after a wrong byte is misread.
struct AvroBinaryValidator {
    private let model: AvroModel
    private var bytes: ArraySlice<UInt8>
    private var error: PayloadError?
    /// Array and map items in all, however many blocks: items of zero bytes (nulls, empty
    /// records) would otherwise let a few bytes ask for unbounded work.
    private var itemsLeft = 1_000_000
    private static let maxDepth = 128

    static func validate(payload: [UInt8], model: AvroModel) -> [PayloadError] {
        var validator = AvroBinaryValidator(model: model, bytes: payload[...])
        guard validator.value(model.root, path: "", depth: 0) else { return [validator.error!] }
        guard validator.bytes.isEmpty else {
            return [
                PayloadError(
                    instanceLocation: "", schemaLocation: "",
                    message:
                        "\(validator.bytes.count) bytes left over after the datum (offset \(payload.count - validator.bytes.count))."
                )
            ]
        }
        return []
    }

    private init(model: AvroModel, bytes: ArraySlice<UInt8>) {
        self.model = model
        self.bytes = bytes
    }

    private mutating func fail(_ path: String, _ message: String) -> Bool {
        error = PayloadError(
            instanceLocation: path, schemaLocation: "", message: message + " (at byte \(bytes.startIndex))")
        return false
    }

    /// A zig-zag varint of at most `maxBytes` bytes.
    private mutating func long(maxBytes: Int = 10) -> Int64? {
        var result: UInt64 = 0
        for index in 0..<maxBytes {
            guard let byte = bytes.first else { return nil }
            bytes = bytes.dropFirst()
            result |= UInt64(byte & 0x7F) << UInt64(7 * index)
            if byte & 0x80 == 0 { return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1) }
        }
        return nil
    }

    private mutating func take(_ count: Int) -> ArraySlice<UInt8>? {
        guard count >= 0, count <= bytes.count else { return nil }
        defer { bytes = bytes.dropFirst(count) }
        return bytes.prefix(count)
    }

    private mutating func value(_ schema: AvroSchema, path: String, depth: Int) -> Bool {
        guard depth < Self.maxDepth else { return fail(path, "Nested deeper than \(Self.maxDepth) levels.") }
        switch schema {
        case .primitive(let primitive, _):
            return self.primitive(primitive, path: path)
        case .array(let items, _):
            return blocks(path: path) { validator, index in
                validator.value(items, path: path + "/\(index)", depth: depth + 1)
            }
        case .map(let values, _):
            return blocks(path: path) { validator, index in
                guard validator.primitive(.string, path: path + "/\(index)") else { return false }
                return validator.value(values, path: path + "/\(index)", depth: depth + 1)
            }
        case .union(let branches):
            guard let index = long() else { return fail(path, "Truncated union branch index.") }
            guard index >= 0, index < branches.count else {
                return fail(path, "Union branch \(index) does not exist (the union has \(branches.count)).")
            }
            return value(branches[Int(index)], path: path, depth: depth + 1)
        case .named(let name):
            guard let named = model.namedTypes[name] else { return fail(path, "Unknown type \(name).") }
            switch named.kind {
            case .record(let fields):
                for field in fields {
                    guard value(field.type, path: path + "/" + field.name, depth: depth + 1) else { return false }
                }
                return true
            case .enumeration(let symbols, _):
                guard let index = long(maxBytes: 5) else { return fail(path, "Truncated enum index.") }
                guard index >= 0, index < symbols.count else {
                    return fail(path, "Enum index \(index) is not a symbol of \(name) (\(symbols.count) symbols).")
                }
                return true
            case .fixed(let size):
                return take(size) != nil || fail(path, "Truncated fixed \(name) of \(size) bytes.")
            }
        }
    }

    private mutating func primitive(_ primitive: AvroPrimitive, path: String) -> Bool {
        switch primitive {
        case .null: return true
        case .boolean:
            guard let byte = take(1)?.first else { return fail(path, "Truncated boolean.") }
            return byte <= 1 || fail(path, "Boolean byte \(byte) is neither 0 nor 1.")
        case .int:
            guard let value = long(maxBytes: 5) else { return fail(path, "Truncated or overlong int.") }
            return Int32(exactly: value) != nil || fail(path, "\(value) does not fit an int.")
        case .long: return long() != nil || fail(path, "Truncated or overlong long.")
        case .float: return take(4) != nil || fail(path, "Truncated float.")
        case .double: return take(8) != nil || fail(path, "Truncated double.")
        case .bytes, .string:
            guard let length = long() else { return fail(path, "Truncated length of \(primitive.rawValue).") }
            guard length >= 0 else { return fail(path, "Negative length \(length) of \(primitive.rawValue).") }
            guard let body = take(Int(clamping: length)) else {
                return fail(path, "Truncated \(primitive.rawValue): \(length) bytes announced, \(bytes.count) left.")
            }
            guard primitive == .bytes || String(validating: body, as: UTF8.self) != nil else {
                return fail(path, "String is not valid UTF-8.")
            }
            return true
        }
    }

    /// Array and map blocks: a count (negative: its absolute value, then the block's byte size),
    /// items, until a zero count.
    private mutating func blocks(path: String, item: (inout AvroBinaryValidator, Int) -> Bool) -> Bool {
        var index = 0
        while true {
            guard var count = long() else { return fail(path, "Truncated block count.") }
            if count == 0 { return true }
            if count < 0 {
                guard count != Int64.min, let size = long(), size >= 0 else { return fail(path, "Bad block size.") }
                count = -count
            }
            guard count <= itemsLeft else { return fail(path, "More than 1,000,000 array or map items.") }
            itemsLeft -= Int(count)
            for _ in 0..<count {
                guard item(&self, index) else { return false }
                index += 1
            }
        }
    }
}
