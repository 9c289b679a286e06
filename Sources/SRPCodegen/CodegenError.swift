/// Why the descriptor set cannot be rendered. Every problem is fatal: generated code is never guessed.
public enum CodegenError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The configured service is in none of the files.
    case serviceNotFound(String, available: [String])
    /// The service declares no rpc (a Swift enum with a raw type needs at least one case).
    case emptyService(String)
    /// An rpc has no `(srp.method_id)` option.
    case missingMethodID(rpc: String)
    /// An rpc has no `(srp.default_cost)` option.
    case missingDefaultCost(rpc: String)
    /// A method id is 0 or does not fit the frame header's 16 bits.
    case methodIDOutOfRange(rpc: String, id: UInt64)
    /// A default cost does not fit 32 bits.
    case defaultCostOutOfRange(rpc: String, cost: UInt64)
    /// Two rpcs carry the same method id.
    case duplicateMethodID(UInt16, rpcs: [String])
    /// Two rpcs map to the same Swift name, or an rpc's Swift name is unusable.
    case invalidSwiftName(rpc: String, swiftName: String, reason: String)
    /// Only unary rpcs are supported.
    case streamingRPC(rpc: String)
    /// An rpc's request or response type is not in the descriptor set.
    case unknownMessageType(rpc: String, type: String)
    /// An rpc's options could not be parsed.
    case malformedOptions(rpc: String, reason: String)
    /// The digest is not `fnv1a64:` and sixteen lowercase hex digits.
    case malformedDigest(String)

    public var description: String {
        switch self {
        case .serviceNotFound(let name, let available):
            let list = available.isEmpty ? "none" : available.joined(separator: ", ")
            return "service \(name) is not in the descriptor set (services found: \(list))"
        case .emptyService(let name):
            return "service \(name) declares no rpc"
        case .missingMethodID(let rpc):
            return "rpc \(rpc) has no (srp.method_id) option; every rpc needs a unique, never reused id"
        case .missingDefaultCost(let rpc):
            return "rpc \(rpc) has no (srp.default_cost) option"
        case .methodIDOutOfRange(let rpc, let id):
            return "rpc \(rpc) has (srp.method_id) = \(id); method ids must be in 1...65535"
        case .defaultCostOutOfRange(let rpc, let cost):
            return "rpc \(rpc) has (srp.default_cost) = \(cost), which does not fit 32 bits"
        case .duplicateMethodID(let id, let rpcs):
            return "method id \(id) is used by more than one rpc: \(rpcs.joined(separator: ", "))"
        case .invalidSwiftName(let rpc, let swiftName, let reason):
            return "rpc \(rpc) maps to the Swift name `\(swiftName)`, which \(reason)"
        case .streamingRPC(let rpc):
            return "rpc \(rpc) streams; SRP rpcs are unary"
        case .unknownMessageType(let rpc, let type):
            return "rpc \(rpc) uses message \(type), which is not in the descriptor set "
                + "(was it built with --include_imports?)"
        case .malformedOptions(let rpc, let reason):
            return "the options of rpc \(rpc) could not be read: \(reason)"
        case .malformedDigest(let digest):
            return "proto digest \"\(digest)\" is not fnv1a64: followed by 16 lowercase hex digits"
        }
    }
}
