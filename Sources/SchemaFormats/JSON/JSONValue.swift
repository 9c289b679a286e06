/// A JSON document as schema formats need it: object members keep their order (Avro's
/// field order matters, error messages quote keys as written), numbers keep their text
/// (so large integers and `1.0` versus `1` are not lost), and equality is JSON's own
/// (objects ignore member order, numbers compare by value), as JSON Schema's `enum`,
/// `const` and `uniqueItems` require.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The member named `key` when this is an object.
    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// JSON Schema's type name of this value ("integer" for numbers with no fraction).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number(let number): number.isInteger ? "integer" : "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }
}

/// An object's members in document order, with keyed lookup.
public struct JSONObject: Sendable {
    public private(set) var members: [(key: String, value: JSONValue)]
    /// Member positions by key, built once an object has `indexedFrom` members or more. Most
    /// objects of a schema or an answer have two to six: for them a scan of the keys is cheaper
    /// than hashing one, and a dictionary per object was an allocation per `{` the parser read.
    private var index: [String: Int]?
    private static let indexedFrom = 9

    public init(_ members: [(key: String, value: JSONValue)] = []) {
        self.members = []
        self.members.reserveCapacity(members.count)
        for (key, value) in members { self[key] = value }
    }

    public subscript(key: String) -> JSONValue? {
        get { position(of: key).map { members[$0].value } }
        set {
            if let position = position(of: key) {
                if let newValue {
                    members[position].value = newValue
                } else {
                    members.remove(at: position)
                    rebuildIndex()
                }
            } else if let newValue {
                // Not there: appendNew looks once more (cheap off the parser's path, which calls
                // appendNew itself) and keeps the append and the index in one place.
                _ = appendNew(key: key, value: newValue)
            }
        }
    }

    /// Room for `count` members without growing.
    public mutating func reserveCapacity(_ count: Int) { members.reserveCapacity(count) }

    /// Appends a member whose key is not there yet, with one lookup; false, and nothing
    /// changed, when the key is already there (the parser's duplicate-key check).
    public mutating func appendNew(key: String, value: JSONValue) -> Bool {
        if index != nil {
            if let existing = index!.updateValue(members.count, forKey: key) {
                index![key] = existing
                return false
            }
        } else if members.contains(where: { $0.key == key }) {
            return false
        }
        members.append((key, value))
        if index == nil && members.count >= Self.indexedFrom { rebuildIndex() }
        return true
    }

    /// Where `key` is, by `String` equality (canonical equivalence) either way.
    private func position(of key: String) -> Int? {
        switch index {
        case .some(let index): index[key]
        case .none: members.firstIndex { $0.key == key }
        }
    }

    private mutating func rebuildIndex() {
        index =
            members.count >= Self.indexedFrom
            ? Dictionary(uniqueKeysWithValues: members.enumerated().map { ($1.key, $0) }) : nil
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }
}

/// A JSON number: its text as written and its value as a Double.
public struct JSONNumber: Sendable, CustomStringConvertible {
    /// The literal as it appeared (or as produced), e.g. `1.50e3`.
    public var text: String
    public var double: Double

    public init(text: String, double: Double) {
        self.text = text
        self.double = double
    }

    public init(_ value: Int) {
        self.text = String(value)
        self.double = Double(value)
    }

    public init(_ value: Double) {
        self.double = value
        self.text = value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// Whether the value has no fractional part (`1.0` is an integer, as JSON Schema says).
    public var isInteger: Bool { double.isFinite && double.rounded(.towardZero) == double }

    /// The value as an exact Int64 when it is an integer that fits.
    public var int64: Int64? {
        if let exact = Int64(text) { return exact }
        guard isInteger, abs(double) < 9.2e18 else { return nil }
        return Int64(double)
    }

    public var description: String { text }
}

extension JSONValue: Equatable, Hashable {
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case (.bool(let a), .bool(let b)): a == b
        case (.number(let a), .number(let b)):
            a.double == b.double && (a.int64 == nil || b.int64 == nil || a.int64 == b.int64)
        // JSON compares strings by code points; Swift's == would equate "é" with "e\u{301}".
        case (.string(let a), .string(let b)): a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.array(let a), .array(let b)): a == b
        case (.object(let a), .object(let b)):
            a.count == b.count && a.members.allSatisfy { member in b[member.key] == member.value }
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null: hasher.combine(0)
        case .bool(let value): hasher.combine(value)
        case .number(let number): hasher.combine(number.double)
        case .string(let value):
            hasher.combine(value.unicodeScalars.count)
            for scalar in value.unicodeScalars { hasher.combine(scalar.value) }
        case .array(let values): hasher.combine(values)
        case .object(let object):
            hasher.combine(object.count)
            // Order-independent: combine the sorted keys with their values.
            for key in object.keys.sorted() {
                hasher.combine(key)
                hasher.combine(object[key]!)
            }
        }
    }
}
