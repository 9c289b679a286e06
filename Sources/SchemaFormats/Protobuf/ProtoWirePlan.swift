import SwiftProtobuf
import Synchronization

/// What binary validation needs of a compiled file, flattened once per schema into plain values:
/// every message (its own file's and its imports'), each field findable by (message, number)
/// with its wire type and the message it holds as an index. Validating a payload then costs no
/// string work, no descriptor copies and no reference counting per field (swift-protobuf's
/// descriptors are heavy values to walk per field).
struct ProtoWirePlan: Sendable {
    struct Field: Sendable {
        /// How a value of the field is read (precomputed from its type: the switch per field is
        /// on a byte, not on swift-protobuf's open enum).
        enum Kind: UInt8, Sendable { case scalar, message, group, string }

        var number: Int32
        var type: Google_Protobuf_FieldDescriptorProto.TypeEnum
        var kind: Kind
        /// The wire type its values are written with (packed repeated scalars aside).
        var wireType: UInt8
        var isRepeated: Bool
        /// The message (or group) a field of that type holds: an index into `messages`, or -1.
        var message: Int32
        /// Its name: an index into `names`.
        var name: Int32
    }

    struct Message: Sendable {
        /// `.pkg.Outer.Inner`: an index into `names`.
        var name: Int32
        /// Declared in a proto3 file: strings must be valid UTF-8.
        var isProto3: Bool
        /// Its fields numbered 1..<denseCount+1 are at `dense[denseBase + number - 1]` (-1: none);
        /// higher numbers are in `sparse`.
        var denseBase: Int32
        var denseCount: Int32
    }

    /// The most numbers a message's direct table covers (beyond them, a dictionary).
    static let denseLimit: Int32 = 256

    private(set) var names: [String] = []
    private(set) var messages: [Message] = []
    private(set) var fields: [Field] = []
    private var dense: [Int32] = []
    private var sparse: [Int64: Int32] = [:]
    private var indexByName: [String: Int] = [:]
    /// The own file's top-level messages, and each message's nested ones (indexes into
    /// `messages`): what Confluent's message indexes walk.
    private var topLevel: [Int] = []
    private var nested: [[Int]] = []

    init(_ file: CompiledProtoFile) {
        var descriptors: [(String, Google_Protobuf_DescriptorProto, Bool)] = []
        var children: [[Int]] = []
        @discardableResult
        func collect(_ list: [Google_Protobuf_DescriptorProto], scope: String, isProto3: Bool) -> [Int] {
            var indexes: [Int] = []
            for message in list {
                let name = scope + "." + message.name
                let index = descriptors.count
                indexByName[name] = index
                indexes.append(index)
                descriptors.append((name, message, isProto3))
                children.append([])
                children[index] = collect(message.nestedType, scope: name, isProto3: isProto3)
            }
            return indexes
        }
        for (position, descriptor) in ([file.file] + Array(file.dependencies.values)).enumerated() {
            let indexes = collect(
                descriptor.messageType, scope: descriptor.package.isEmpty ? "" : "." + descriptor.package,
                isProto3: descriptor.syntax == "proto3")
            if position == 0 { topLevel = indexes }
        }
        nested = children
        for (index, (name, descriptor, isProto3)) in descriptors.enumerated() {
            let numbers = descriptor.field.map(\.number)
            let denseCount = min(numbers.max() ?? 0, Self.denseLimit)
            let base = Int32(dense.count)
            dense += Array(repeating: -1, count: Int(max(denseCount, 0)))
            for field in descriptor.field where lookup(index, field.number, base: base, count: denseCount) == nil {
                let holds = field.type == .message || field.type == .group ? indexByName[field.typeName] : nil
                let at = Int32(fields.count)
                fields.append(
                    Field(
                        number: field.number, type: field.type,
                        kind: field.type == .message
                            ? .message : field.type == .group ? .group : field.type == .string ? .string : .scalar,
                        wireType: UInt8(ProtoBinaryValidator.wireType(field.type)),
                        isRepeated: field.label == .repeated,
                        message: Int32(holds ?? -1), name: Int32(names.count)))
                names.append(field.name)
                if field.number >= 1, field.number <= denseCount {
                    dense[Int(base + field.number - 1)] = at
                } else {
                    sparse[Int64(index) << 32 | Int64(field.number)] = at
                }
            }
            messages.append(
                Message(name: Int32(names.count), isProto3: isProto3, denseBase: base, denseCount: denseCount))
            names.append(name)
        }
    }

    private func lookup(_ message: Int, _ number: Int32, base: Int32, count: Int32) -> Int32? {
        if number >= 1, number <= count {
            let at = dense[Int(base + number - 1)]
            return at < 0 ? nil : at
        }
        return sparse[Int64(message) << 32 | Int64(number)]
    }

    /// The plan's tables as pointers, for the validator's inner loop (no bounds checks or
    /// reference counting per field in release builds); valid inside `body` only.
    func withTables<Result>(_ body: (Tables) -> Result) -> Result {
        messages.withUnsafeBufferPointer { messages in
            fields.withUnsafeBufferPointer { fields in
                dense.withUnsafeBufferPointer { dense in
                    body(Tables(messages: messages, fields: fields, dense: dense, sparse: sparse))
                }
            }
        }
    }

    struct Tables {
        let messages: UnsafeBufferPointer<Message>
        let fields: UnsafeBufferPointer<Field>
        let dense: UnsafeBufferPointer<Int32>
        let sparse: [Int64: Int32]

        /// The field `number` of message `message`, or nil.
        @inline(__always)
        func field(_ message: Int, _ number: Int32) -> Field? {
            let entry = messages[message]
            if number >= 1, number <= entry.denseCount {
                let at = dense[Int(entry.denseBase + number - 1)]
                return at < 0 ? nil : fields[Int(at)]
            }
            guard !sparse.isEmpty, let at = sparse[Int64(message) << 32 | Int64(number)] else { return nil }
            return fields[Int(at)]
        }
    }

    /// The message `.pkg.Name`'s index, or nil.
    func index(of name: String) -> Int? { indexByName[name] }

    /// The index of the own file's message that Confluent's message indexes name, or nil.
    func index(at path: [Int]) -> Int? {
        var candidates = topLevel
        var found: Int?
        for step in path {
            guard candidates.indices.contains(step) else { return nil }
            found = candidates[step]
            candidates = nested[candidates[step]]
        }
        return found
    }
}

/// A compiled file's ``ProtoWirePlan``, built on first use and shared by every copy of the
/// ``CompiledProtoFile`` (so the registry's cached schema builds it once).
final class ProtoWirePlanBox: Sendable {
    private let plan = Mutex<ProtoWirePlan?>(nil)

    func plan(for file: CompiledProtoFile) -> ProtoWirePlan {
        if let built = plan.withLock({ $0 }) { return built }
        let built = ProtoWirePlan(file)
        plan.withLock { $0 = built }
        return built
    }
}
