import Foundation
import SchemaRegistryCore

/// Avro's binary encoding, to and from a datum in Avro's JSON encoding (the spec's other
/// spelling of data: a union's non-null value wrapped as `{"branch": value}`, bytes and fixed as
/// strings of code points 0-255, enums as symbols). What the Kafka serializers write after the
/// Confluent frame.
public enum AvroBinaryCodec {
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// Where in the datum (a JSON pointer).
        public var location: String
        public var message: String
        public var description: String { location.isEmpty ? message : "\(location): \(message)" }
    }

    /// `value` (Avro's JSON encoding) in Avro's binary encoding, as `schema` says.
    public static func encode(_ value: JSONValue, schema: ParsedSchema) throws(Failure) -> [UInt8] {
        guard let model = AvroFormat.model(of: schema) else {
            throw Failure(location: "", message: "Not an Avro schema.")
        }
        var encoder = AvroBinaryEncoder(model: model)
        try encoder.value(value, model.root, at: "")
        return encoder.bytes
    }

    /// The datum `bytes` holds (all of it), in Avro's JSON encoding.
    public static func decode(_ bytes: ArraySlice<UInt8>, schema: ParsedSchema) throws(Failure) -> JSONValue {
        guard let model = AvroFormat.model(of: schema) else {
            throw Failure(location: "", message: "Not an Avro schema.")
        }
        // Validation first: the decoder then never meets a malformed byte.
        if let problem = AvroBinaryValidator.validate(payload: Array(bytes), model: model).first {
            throw Failure(location: problem.instanceLocation, message: problem.message)
        }
        var decoder = AvroBinaryDecoder(model: model, bytes: bytes)
        return decoder.value(model.root)
    }
}

struct AvroBinaryEncoder {
    let model: AvroModel
    var bytes: [UInt8] = []

    mutating func long(_ value: Int64) {
        var encoded = UInt64(bitPattern: (value << 1) ^ (value >> 63))
        while encoded >= 0x80 {
            bytes.append(UInt8(encoded & 0x7F) | 0x80)
            encoded >>= 7
        }
        bytes.append(UInt8(encoded))
    }

    private func fail(_ location: String, _ message: String) -> AvroBinaryCodec.Failure {
        AvroBinaryCodec.Failure(location: location, message: message)
    }

    mutating func value(_ value: JSONValue, _ schema: AvroSchema, at path: String) throws(AvroBinaryCodec.Failure) {
        switch schema {
        case .primitive(let primitive, _): try self.primitive(value, primitive, at: path)
        case .array(let items, _):
            guard case .array(let elements) = value else { throw fail(path, "Expected an array.") }
            if !elements.isEmpty { long(Int64(elements.count)) }
            for (index, element) in elements.enumerated() { try self.value(element, items, at: path + "/\(index)") }
            long(0)
        case .map(let values, _):
            guard case .object(let object) = value else { throw fail(path, "Expected an object for a map.") }
            if !object.isEmpty { long(Int64(object.count)) }
            for (key, member) in object.members {
                try primitive(.string(key), .string, at: path)
                try self.value(member, values, at: path + "/" + key)
            }
            long(0)
        case .union(let branches):
            if value == .null, let index = branches.firstIndex(where: { model.branchName($0) == "null" }) {
                long(Int64(index))
                return
            }
            guard case .object(let wrapper) = value, wrapper.count == 1, let (name, inner) = wrapper.members.first,
                let index = branches.firstIndex(where: { model.branchName($0) == name })
            else { throw fail(path, "Expected null or {\"branch\": value} naming one of the union's branches.") }
            long(Int64(index))
            try self.value(inner, branches[index], at: path)
        case .named(let name):
            guard let named = model.namedTypes[name] else { throw fail(path, "Unknown type \(name).") }
            switch named.kind {
            case .record(let fields):
                guard case .object(let object) = value else {
                    throw fail(path, "Expected an object for record \(name).")
                }
                for field in fields {
                    guard
                        let member = object[field.name]
                            ?? field.usableDefault.map({ defaultInJSONEncoding($0, field.type) })
                    else {
                        throw fail(path + "/" + field.name, "Missing field '\(field.name)' (it has no default).")
                    }
                    try self.value(member, field.type, at: path + "/" + field.name)
                }
            case .enumeration(let symbols, _):
                guard case .string(let symbol) = value, let index = symbols.firstIndex(of: symbol) else {
                    throw fail(path, "Expected a symbol of enum \(name).")
                }
                long(Int64(index))
            case .fixed(let size):
                guard case .string(let text) = value, let raw = Self.latin1(text), raw.count == size else {
                    throw fail(path, "Expected \(size) bytes (code points 0-255) for fixed \(name).")
                }
                bytes += raw
            }
        }
    }

    private mutating func primitive(_ value: JSONValue, _ primitive: AvroPrimitive, at path: String)
        throws(AvroBinaryCodec.Failure)
    {
        switch (primitive, value) {
        case (.null, .null): return
        case (.boolean, .bool(let flag)): bytes.append(flag ? 1 : 0)
        case (.int, .number(let number)):
            guard number.isInteger, let exact = Int32(exactly: number.double) else {
                throw fail(path, "Expected an int.")
            }
            long(Int64(exact))
        case (.long, .number(let number)):
            guard let exact = number.int64 else { throw fail(path, "Expected a long.") }
            long(exact)
        case (.float, .number(let number)):
            withUnsafeBytes(of: Float(number.double).bitPattern.littleEndian) { bytes += $0 }
        case (.double, .number(let number)):
            withUnsafeBytes(of: number.double.bitPattern.littleEndian) { bytes += $0 }
        case (.bytes, .string(let text)):
            guard let raw = Self.latin1(text) else { throw fail(path, "Bytes must be code points 0-255.") }
            long(Int64(raw.count))
            bytes += raw
        case (.string, .string(let text)):
            long(Int64(text.utf8.count))
            bytes += text.utf8
        default:
            throw fail(path, "Expected \(primitive.rawValue), found \(value.typeName).")
        }
    }

    /// A field default is spelled with a union's first branch unwrapped; the JSON encoding wraps it.
    private func defaultInJSONEncoding(_ value: JSONValue, _ type: AvroSchema) -> JSONValue {
        guard case .union(let branches) = type, value != .null, let first = branches.first else { return value }
        return .object(JSONObject([(model.branchName(first), value)]))
    }

    static func latin1(_ text: String) -> [UInt8]? {
        var raw: [UInt8] = []
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else { return nil }
            raw.append(UInt8(scalar.value))
        }
        return raw
    }
}

/// Decodes a datum the validator has accepted (so every read here succeeds).
struct AvroBinaryDecoder {
    let model: AvroModel
    var bytes: ArraySlice<UInt8>

    private mutating func long() -> Int64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.popFirst() {
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { break }
            shift += 7
        }
        return Int64(bitPattern: result >> 1) ^ -Int64(bitPattern: result & 1)
    }

    private mutating func take(_ count: Int) -> ArraySlice<UInt8> {
        defer { bytes = bytes.dropFirst(count) }
        return bytes.prefix(count)
    }

    private mutating func blockCount() -> Int64 {
        var count = long()
        if count < 0 {
            count = -count
            _ = long()
        }
        return count
    }

    mutating func value(_ schema: AvroSchema) -> JSONValue {
        switch schema {
        case .primitive(let primitive, _): return self.primitive(primitive)
        case .array(let items, _):
            var elements: [JSONValue] = []
            while case let count = blockCount(), count > 0 {
                for _ in 0..<count { elements.append(value(items)) }
            }
            return .array(elements)
        case .map(let values, _):
            var object = JSONObject()
            while case let count = blockCount(), count > 0 {
                for _ in 0..<count {
                    guard case .string(let key) = primitive(.string) else { continue }
                    object[key] = value(values)
                }
            }
            return .object(object)
        case .union(let branches):
            let branch = branches[Int(long())]
            let inner = value(branch)
            let name = model.branchName(branch)
            return name == "null" ? .null : .object(JSONObject([(name, inner)]))
        case .named(let name):
            guard let named = model.namedTypes[name] else { return .null }
            switch named.kind {
            case .record(let fields):
                return .object(JSONObject(fields.map { ($0.name, value($0.type)) }))
            case .enumeration(let symbols, _):
                return .string(symbols[Int(long())])
            case .fixed(let size):
                return .string(String(String.UnicodeScalarView(take(size).map { Unicode.Scalar($0) })))
            }
        }
    }

    private mutating func primitive(_ primitive: AvroPrimitive) -> JSONValue {
        switch primitive {
        case .null: return .null
        case .boolean: return .bool(take(1).first == 1)
        case .int, .long: return .number(JSONNumber(Int(long())))
        case .float:
            let raw = take(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            return .number(JSONNumber(Double(Float(bitPattern: raw))))
        case .double:
            let raw = take(8).reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return .number(JSONNumber(Double(bitPattern: raw)))
        case .bytes:
            return .string(String(String.UnicodeScalarView(take(Int(long())).map { Unicode.Scalar($0) })))
        case .string:
            return .string(String(decoding: take(Int(long())), as: UTF8.self))
        }
    }
}
