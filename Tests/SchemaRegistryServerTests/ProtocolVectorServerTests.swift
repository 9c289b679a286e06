import Foundation
import NIOCore
import SRPWire
import SchemaRegistryTesting
import TestSupport
import Testing

/// The golden frames of `proto/testvectors/` that the server sends, checked against what the
/// real server sends (issue 14: vector 02 lacked `request_deadlines`, vector 12 showed `\r\n`
/// escaped while the server sent a raw CR LF; a client written from the document alone believed
/// the document). Each test fails as soon as a vector and the server part ways.
@Suite struct ProtocolVectorServerTests {
    /// One vector file's fields (format: proto/testvectors/README.md).
    struct Vector {
        var fields: [String: String]

        init(_ prefix: String) throws {
            let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("proto/testvectors")
            let file = try #require(
                try FileManager.default.contentsOfDirectory(atPath: directory.path).first { $0.hasPrefix(prefix) })
            let text = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            var fields: [String: String] = [:]
            for line in text.split(separator: "\n") where !line.hasPrefix("#") {
                guard let colon = line.firstIndex(of: ":") else { continue }
                fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            self.fields = fields
        }

        func bytes(_ field: String) throws -> [UInt8] {
            let hex = try #require(fields[field]).replacing(" ", with: "")
            return try stride(from: 0, to: hex.count, by: 2).map { offset in
                let start = hex.index(hex.startIndex, offsetBy: offset)
                return try #require(UInt8(hex[start..<hex.index(start, offsetBy: 2)], radix: 16))
            }
        }

        func integer(_ field: String) throws -> Int {
            let text = try #require(fields[field])
            return try #require(Int(text))
        }

        /// Expects `frame` to be this vector's frame: every header field and the body, byte for byte.
        func expectMatches(_ frame: Frame?, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let frame = try #require(frame, sourceLocation: sourceLocation)
            let name = fields["name"] ?? "?"
            #expect(Int(frame.header.kind.rawValue) == (try integer("kind")), "\(name)", sourceLocation: sourceLocation)
            #expect(
                Int(frame.header.flags.rawValue) == (try integer("flags")), "\(name)", sourceLocation: sourceLocation)
            #expect(Int(frame.header.code) == (try integer("code")), "\(name)", sourceLocation: sourceLocation)
            #expect(
                Int(frame.header.requestID) == (try integer("request_id")), "\(name)", sourceLocation: sourceLocation)
            let body = Array(frame.body.readableBytesView)
            let expected = try bytes("body_hex")
            #expect(
                body == expected,
                "\(name): the server sent \(String(decoding: body, as: UTF8.self).debugDescription)",
                sourceLocation: sourceLocation)
        }
    }

    /// Vector 02 predates Watch: a server with `watch` off answers it byte for byte (with it on,
    /// HELLO_OK also carries field 11, `watch: true`: see helloOKOffersWatch).
    @Test func helloOKOffersWatch() async throws {
        try await withServer({ $0.serverID = "sr-1" }) { server in
            let connection = try RawConnection(port: server.port)
            connection.send(try Vector("00-").bytes("hex") + Vector("01-").bytes("hex"))
            let frame = try #require(try await connection.readFrame())
            let hello = try Srp_HelloResponse(serializedBytes: Array(frame.body.readableBytesView))
            #expect(hello.watch)
            // Everything else is vector 02's.
            var without = hello
            without.watch = false
            #expect(try without.serializedBytes() == (try Vector("02-").bytes("body_hex")))
        }
    }

    @Test func helloOKWithTheDefaultsIsVector02() async throws {
        try await withServer({
            $0.serverID = "sr-1"
            $0.watch = false
        }) { server in
            let connection = try RawConnection(port: server.port)
            connection.send(try Vector("00-").bytes("hex") + Vector("01-").bytes("hex"))
            try Vector("02-").expectMatches(try await connection.readFrame())

            // PING (vector 09) is answered with vector 10.
            connection.send(try Vector("09-").bytes("hex"))
            try Vector("10-").expectMatches(try await connection.readFrame())
        }
    }

    /// docs/PROTOCOL.md section 12: a PING's flags are not interpreted; the PONG carries the
    /// body bytes as received, with no flags.
    @Test func aPingWithTheLZ4FlagIsEchoedAsIs() async throws {
        try await withServer { server in
            let connection = try RawConnection(port: server.port)
            _ = try await connection.handshake(lz4: true)
            let body: [UInt8] = [0x00, 0x00, 0x00, 0x05, 0x50, 0x68, 0x65, 0x6C, 0x6C, 0x6F]
            connection.sendFrame(kind: .ping, flags: .lz4, code: 0, requestID: 77, body: body)
            let pong = try #require(try await connection.readFrame())
            #expect(pong.header.kind == .pong)
            #expect(pong.header.flags == [])
            #expect(pong.header.requestID == 77)
            #expect(Array(pong.body.readableBytesView) == body)
        }
    }

    @Test func anHTTPRequestGetsVector12() async throws {
        try await withServer { server in
            let connection = try RawConnection(port: server.port)
            connection.send(try Vector("20-").bytes("hex"))
            try Vector("12-").expectMatches(try await connection.readFrame())
        }
    }
}
