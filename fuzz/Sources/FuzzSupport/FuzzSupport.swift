import SRPWire
import SwiftProtobuf

#if canImport(Glibc)
    import Glibc
#endif

/// Stops the fuzzer with a message when an invariant does not hold. `precondition` would be
/// compiled out of `-Ounchecked` builds and says less; a trap keeps libFuzzer's crash report
/// and its saved input.
@inline(never)
public func fuzzCheck(
    _ condition: @autoclosure () -> Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID,
    line: UInt = #line
) {
    if !condition() {
        fatalError("fuzz invariant failed: \(message())", file: file, line: line)
    }
}

/// The request message of every method, by wire id (proto/srp.proto's `(srp.method_id)`).
public enum RequestTypes {
    public static let all: [SRPMethod: any SwiftProtobuf.Message.Type] = {
        let table: [SRPMethod: any SwiftProtobuf.Message.Type] = [
            .hello: Srp_HelloRequest.self,
            .ping: Srp_PingRequest.self,
            .serverInfo: Srp_ServerInfoRequest.self,
            .getSchemaById: Srp_GetSchemaByIdRequest.self,
            .getSchemasByIds: Srp_GetSchemasByIdsRequest.self,
            .getSubjectVersionsById: Srp_GetSubjectVersionsByIdRequest.self,
            .getSchemaByVersion: Srp_GetSchemaByVersionRequest.self,
            .lookupSchema: Srp_LookupSchemaRequest.self,
            .listSubjects: Srp_ListSubjectsRequest.self,
            .listVersions: Srp_ListVersionsRequest.self,
            .searchSchemas: Srp_SearchSchemasRequest.self,
            .registerSchema: Srp_RegisterSchemaRequest.self,
            .deleteSubject: Srp_DeleteSubjectRequest.self,
            .deleteVersion: Srp_DeleteVersionRequest.self,
            .checkCompatibility: Srp_CheckCompatibilityRequest.self,
            .validatePayload: Srp_ValidatePayloadRequest.self,
            .getConfig: Srp_GetConfigRequest.self,
            .setConfig: Srp_SetConfigRequest.self,
            .deleteConfig: Srp_DeleteConfigRequest.self,
            .getMode: Srp_GetModeRequest.self,
            .setMode: Srp_SetModeRequest.self,
            .createApiKey: Srp_CreateApiKeyRequest.self,
            .listApiKeys: Srp_ListApiKeysRequest.self,
            .revokeApiKey: Srp_RevokeApiKeyRequest.self,
            .watch: Srp_WatchRequest.self,
            .unwatch: Srp_UnwatchRequest.self,
        ]
        // A method added to proto/ without a row here would go unfuzzed: refuse to start.
        for method in SRPMethod.allCases {
            guard let type = table[method] else { fatalError("no request type for method \(method.name)") }
            fuzzCheck(
                "srp." + String(type.protoMessageName.split(separator: ".").last!) == method.requestTypeName,
                "method \(method.name) maps to \(type.protoMessageName), not \(method.requestTypeName)")
        }
        return table
    }()

    /// Methods in wire-id order, so one input byte picks one deterministically.
    public static let methods: [SRPMethod] = SRPMethod.allCases.sorted { $0.rawValue < $1.rawValue }
}

/// Deterministic encoding (map entries in key order), so two encodings of equal messages are
/// the same bytes.
public let deterministicEncoding: BinaryEncodingOptions = {
    var options = BinaryEncodingOptions()
    options.useDeterministicOrdering = true
    return options
}()

/// Decodes `bytes` as `type`, re-encodes, decodes again: the two messages must be equal and
/// the two encodings identical. Returns the first decoded message, or nil when `bytes` is
/// not a message of that type.
@discardableResult
public func checkRoundTrip(_ type: any SwiftProtobuf.Message.Type, _ bytes: [UInt8]) -> (any SwiftProtobuf.Message)? {
    guard let first = try? type.init(serializedBytes: bytes) else { return nil }
    let encoded: [UInt8]
    do {
        encoded = try first.serializedBytes(options: deterministicEncoding)
    } catch {
        // Only a message with missing required fields fails to encode; proto3 has none.
        fatalError("\(type.protoMessageName) decoded but does not encode: \(error)")
    }
    let second: any SwiftProtobuf.Message
    do {
        second = try type.init(serializedBytes: encoded)
    } catch {
        fatalError("\(type.protoMessageName): re-encoding does not decode: \(error)")
    }
    fuzzCheck(first.isEqualTo(message: second), "\(type.protoMessageName): decode(encode(m)) != m")
    let again: [UInt8] = try! second.serializedBytes(options: deterministicEncoding)
    fuzzCheck(again == encoded, "\(type.protoMessageName): encoding is not stable")
    return first
}

/// libFuzzer's entry point for programs that have a `main` of their own. SwiftPM links an
/// executable's `main` from its module (it renames the entry point so tests can link the
/// module), so each target has an `@main` that hands its `LLVMFuzzerTestOneInput` to this
/// instead of relying on libFuzzer's own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
private func llvmFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt
) -> CInt

/// Runs libFuzzer with the process's arguments (`-max_total_time=`, corpus folders, ...).
///
/// `warmUp` inputs run first, outside libFuzzer: they build the lazily initialised globals
/// (compiled meta-schemas, fixed schemas, tables) before LeakSanitizer starts checking each
/// input, so a global built during an input is not taken for that input's leak.
public func runLibFuzzer(
    _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> CInt, warmUp: [String] = []
) -> Never {
    for input in warmUp {
        _ = Array(input.utf8).withUnsafeBufferPointer { callback($0.baseAddress!, $0.count) }
    }
    var argc = CommandLine.argc
    var argv = CommandLine.unsafeArgv
    exit(llvmFuzzerRunDriver(&argc, &argv, callback))
}
