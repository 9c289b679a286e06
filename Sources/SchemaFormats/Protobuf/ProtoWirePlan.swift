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
    /// Read through ``ProtoWirePlanStorage``.
    private(set) var denseTable: [Int32] = []
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
            let base = Int32(denseTable.count)
            denseTable += Array(repeating: -1, count: Int(max(denseCount, 0)))
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
                    denseTable[Int(base + field.number - 1)] = at
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
            let at = denseTable[Int(base + number - 1)]
            return at < 0 ? nil : at
        }
        return sparse[Int64(message) << 32 | Int64(number)]
    }

    /// The field `number` of message `message` beyond its direct table, or nil (the validator's
    /// slow path: numbers above ``denseLimit``).
    func sparseField(_ message: Int, _ number: Int32) -> Int32? {
        sparse[Int64(message) << 32 | Int64(number)]
    }

    var hasSparseFields: Bool { !sparse.isEmpty }

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

/// A ``ProtoWirePlan`` with its tables copied once into memory it owns, so the validator's
/// inner loop reads them through plain pointers: no `withUnsafeBufferPointer` scopes, bounds
/// checks or reference counting per field, and one retain per validation instead of one per
/// array of the plan.
final class ProtoWirePlanStorage: @unchecked Sendable {
    // @unchecked: the pointers are written once in init, only read afterwards, and freed in deinit.
    let plan: ProtoWirePlan
    let tables: Tables

    struct Tables {
        let messages: UnsafeBufferPointer<ProtoWirePlan.Message>
        let fields: UnsafeBufferPointer<ProtoWirePlan.Field>
        let dense: UnsafeBufferPointer<Int32>
        let hasSparse: Bool
    }

    init(_ plan: ProtoWirePlan) {
        self.plan = plan
        func copy<Element>(_ array: [Element]) -> UnsafeBufferPointer<Element> {
            let memory = UnsafeMutableBufferPointer<Element>.allocate(capacity: array.count)
            _ = memory.initialize(from: array)
            return UnsafeBufferPointer(memory)
        }
        tables = Tables(
            messages: copy(plan.messages), fields: copy(plan.fields), dense: copy(plan.denseTable),
            hasSparse: plan.hasSparseFields)
    }

    deinit {
        tables.messages.deallocate()
        tables.fields.deallocate()
        tables.dense.deallocate()
    }

    /// The index (into `tables.fields`) of field `number` of message `message`, or -1.
    @inline(__always)
    func field(_ message: Int, _ number: Int32) -> Int32 {
        let entry = tables.messages[message]
        if number >= 1, number <= entry.denseCount {
            return tables.dense[Int(entry.denseBase + number - 1)]
        }
        guard tables.hasSparse else { return -1 }
        return plan.sparseField(message, number) ?? -1
    }
}

/// A compiled file's ``ProtoWirePlanStorage``, built on first use and shared by every copy of the
/// ``CompiledProtoFile`` (so the registry's cached schema builds it once).
final class ProtoWirePlanBox: Sendable {
    private let storage = Mutex<ProtoWirePlanStorage?>(nil)

    func storage(for file: CompiledProtoFile) -> ProtoWirePlanStorage {
        if let built = storage.withLock({ $0 }) { return built }
        let built = ProtoWirePlanStorage(ProtoWirePlan(file))
        return storage.withLock { stored in
            if let stored { return stored }
            stored = built
            return built
        }
    }
}
