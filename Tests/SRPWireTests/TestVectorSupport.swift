import Foundation
import NIOCore
import SRPWire
import SwiftProtobuf
import Testing

/// One golden frame from `proto/testvectors/NN-name.txt` (format: that folder's README.md).
struct TestVector: Sendable, CustomTestStringConvertible {
    let file: String
    let fields: [String: String]

    var testDescription: String { file }

    var name: String { fields["name"] ?? file }
    var expect: String { fields["expect"] ?? "" }
    var stage: String? { fields["stage"] }
    var bytes: [UInt8] { get throws { try Self.hex(fields["hex"] ?? "") } }
    var maxBody: Int { fields["max_body"].flatMap { Int($0) } ?? 4 * 1024 * 1024 }
    var lz4Negotiated: Bool { (fields["lz4_negotiated"] ?? "1") != "0" }
    var message: String? { fields["message"] }

    func integer(_ key: String) -> Int? { fields[key].flatMap { Int($0) } }
    func hexField(_ key: String) throws -> [UInt8]? { try fields[key].map(Self.hex) }

    /// Hex digits with any spaces between them.
    static func hex(_ text: String) throws -> [UInt8] {
        let digits = Array(text.utf8.filter { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") })
        guard digits.count % 2 == 0 else { throw VectorFormatError("odd number of hex digits") }
        func nibble(_ c: UInt8) throws -> UInt8 {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: throw VectorFormatError("not a hex digit: \(Character(Unicode.Scalar(c)))")
            }
        }
        return try stride(from: 0, to: digits.count, by: 2).map { try nibble(digits[$0]) << 4 | nibble(digits[$0 + 1]) }
    }

    /// `key: value` lines; `#` starts a comment line; blank lines are ignored.
    static func parse(file: String, text: String) throws -> TestVector {
        var fields: [String: String] = [:]
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            guard let colon = line.firstIndex(of: ":") else {
                throw VectorFormatError("\(file): no colon in '\(line)'")
            }
            let key = String(line[..<colon])
            guard fields[key] == nil else { throw VectorFormatError("\(file): duplicate key \(key)") }
            fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return TestVector(file: file, fields: fields)
    }

    /// The repository root, found from this source file's path.
    static var directory: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // SRPWireTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // repository root
            .appendingPathComponent("proto/testvectors")
    }

    /// Every `*.txt` in proto/testvectors, in file-name order. Empty if the folder is missing,
    /// which the count test turns into a failure.
    static let all: [TestVector] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".txt") }.sorted().compactMap { name in
            guard let text = try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8) else {
                return nil
            }
            return try? parse(file: name, text: text)
        }
    }()

    static var fileCount: Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).filter { $0.hasSuffix(".txt") }
            .count
    }
}

struct VectorFormatError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Protobuf types the vectors name, by full name.
enum VectorMessages {
    static let types: [String: any SwiftProtobuf.Message.Type] = [
        "srp.ErrorBody": Srp_ErrorBody.self,
        "srp.WatchRequest": Srp_WatchRequest.self,
        "srp.WatchResponse": Srp_WatchResponse.self,
        "srp.WatchEvents": Srp_WatchEvents.self,
        "srp.UnwatchRequest": Srp_UnwatchRequest.self,
        "srp.HelloRequest": Srp_HelloRequest.self,
        "srp.HelloResponse": Srp_HelloResponse.self,
        "srp.PingRequest": Srp_PingRequest.self,
        "srp.PingResponse": Srp_PingResponse.self,
        "srp.ServerInfoRequest": Srp_ServerInfoRequest.self,
        "srp.ServerInfoResponse": Srp_ServerInfoResponse.self,
        "srp.GetSchemaByIdRequest": Srp_GetSchemaByIdRequest.self,
        "srp.GetSchemaByIdResponse": Srp_GetSchemaByIdResponse.self,
        "srp.GetSchemasByIdsRequest": Srp_GetSchemasByIdsRequest.self,
        "srp.GetSchemasByIdsResponse": Srp_GetSchemasByIdsResponse.self,
        "srp.GetSchemaByVersionRequest": Srp_GetSchemaByVersionRequest.self,
        "srp.GetSchemaByVersionResponse": Srp_GetSchemaByVersionResponse.self,
        "srp.LookupSchemaRequest": Srp_LookupSchemaRequest.self,
        "srp.LookupSchemaResponse": Srp_LookupSchemaResponse.self,
        "srp.RegisterSchemaRequest": Srp_RegisterSchemaRequest.self,
        "srp.RegisterSchemaResponse": Srp_RegisterSchemaResponse.self,
        "srp.CheckCompatibilityRequest": Srp_CheckCompatibilityRequest.self,
        "srp.CheckCompatibilityResponse": Srp_CheckCompatibilityResponse.self,
    ]

    /// Parses `bytes` as `typeName`, dropping unknown fields, and serialises it again with
    /// sorted map keys: equal bytes mean every byte was a known field of that type.
    static func roundTrip(_ typeName: String, _ bytes: [UInt8]) throws -> (any SwiftProtobuf.Message, [UInt8]) {
        guard let type = types[typeName] else { throw VectorFormatError("no Swift type for \(typeName)") }
        return try roundTrip(type, bytes)
    }

    private static func roundTrip<M: SwiftProtobuf.Message>(_ type: M.Type, _ bytes: [UInt8]) throws
        -> (any SwiftProtobuf.Message, [UInt8])
    {
        var decoding = BinaryDecodingOptions()
        decoding.discardUnknownFields = true
        let message = try M(serializedBytes: bytes, options: decoding)
        var encoding = BinaryEncodingOptions()
        encoding.useDeterministicOrdering = true
        return (message, try message.serializedBytes(options: encoding))
    }
}

extension ByteBuffer {
    /// The readable bytes as an array, for comparisons.
    var readableArray: [UInt8] { Array(readableBytesView) }
}
