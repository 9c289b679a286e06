import NIOCore
import SRPWire
import SwiftProtobuf
import Testing

/// The golden frames of proto/testvectors, decoded and re-encoded byte for byte. The C
/// client's tests read the same files, so both implementations stay wire-compatible.
@Suite("Test vectors")
struct TestVectorTests {
    @Test("at least 15 vectors exist and every file parses")
    func vectorsExist() {
        #expect(TestVector.all.count >= 15, "proto/testvectors holds \(TestVector.all.count) vectors")
        #expect(TestVector.all.count == TestVector.fileCount, "a vector file failed to parse")
    }

    @Test("every vector has the required keys", arguments: TestVector.all)
    func requiredKeys(_ vector: TestVector) {
        for key in ["name", "meaning", "direction", "expect", "hex"] {
            #expect(vector.fields[key] != nil, "\(vector.file) lacks \(key)")
        }
        #expect(["client-to-server", "server-to-client"].contains(vector.fields["direction"] ?? ""))
        #expect(["preface", "frame", "error"].contains(vector.expect))
        #expect(vector.file.hasSuffix("-\(vector.name).txt"), "file name and name: differ")
        if vector.expect == "error" {
            #expect(["preface", "frame", "body", "message"].contains(vector.stage ?? ""), "\(vector.file) stage")
            #expect(vector.integer("error_status") != nil, "\(vector.file) lacks error_status")
        }
    }

    @Test("decode, check every field, re-encode", arguments: TestVector.all)
    func vector(_ vector: TestVector) throws {
        switch vector.expect {
        case "preface": try checkPreface(vector)
        case "frame": try checkFrame(vector)
        case "error": try checkError(vector)
        default: Issue.record("\(vector.file): unknown expect '\(vector.expect)'")
        }
    }

    @Test("every split point of a good vector decodes to the same result", arguments: TestVector.all)
    func splitAnywhere(_ vector: TestVector) throws {
        guard vector.expect != "error" else { return }
        let bytes = try vector.bytes
        let whole = try decodeAll(bytes, expectPreface: vector.expect == "preface", maxBody: vector.maxBody)
        for split in 0...bytes.count {
            var decoder = SRPFrameDecoder(expectPreface: vector.expect == "preface", maxBodyLength: vector.maxBody)
            var buffer = ByteBuffer(bytes: bytes[..<split])
            let early = try decoder.decode(buffer: &buffer)
            if split < bytes.count { #expect(early == nil, "\(vector.file): decoded from \(split) bytes") }
            buffer.writeBytes(bytes[split...])
            let result = try early ?? decoder.decode(buffer: &buffer)
            #expect(result == whole.first)
        }
    }

    @Test("ErrorBody.code equals the frame's status")
    func errorBodyCodeMatchesStatus() throws {
        for vector in TestVector.all where vector.message == "srp.ErrorBody" {
            let body = try #require(try vector.hexField("body_hex"))
            let error = try Srp_ErrorBody(serializedBytes: body)
            #expect(Int(error.code) == vector.integer("code"), "\(vector.file)")
            #expect(!error.message.isEmpty, "\(vector.file)")
        }
    }

    @Test("the HELLO_OK vector carries the server's default limits")
    func helloResponseMatchesDefaults() throws {
        let vector = try #require(TestVector.all.first { $0.name == "hello-response" })
        let response = try Srp_HelloResponse(serializedBytes: try #require(try vector.hexField("body_hex")))
        let defaults = ServerConnectionStateMachine.Configuration()
        #expect(response.protocolVersion == 1)
        #expect(response.compression == .lz4)
        #expect(Int(response.maxFrameSize) == defaults.maxBody)
        #expect(Double(response.tokenRate) == defaults.tokenRate)
        #expect(Double(response.tokenBurst) == defaults.tokenBurst)
        #expect(Int(response.maxInFlight) == defaults.maxInFlight)
        #expect(Int(response.compressionThreshold) == CompressionPolicy.defaultThreshold)
    }

    @Test("the preface vector is SRPPreface.bytes")
    func prefaceConstant() throws {
        let vector = try #require(TestVector.all.first { $0.expect == "preface" })
        #expect(try vector.bytes == SRPPreface.bytes)
    }

    // MARK: Checks

    private func checkPreface(_ vector: TestVector) throws {
        let bytes = try vector.bytes
        var decoder = SRPFrameDecoder(expectPreface: true, maxBodyLength: vector.maxBody)
        var buffer = ByteBuffer(bytes: bytes)
        let decoded = try decoder.decode(buffer: &buffer)
        #expect(decoded == .preface(version: UInt16(try #require(vector.integer("version")))))
        #expect(buffer.readableBytes == 0)
        #expect(bytes == SRPPreface.bytes, "re-encoding the preface")
    }

    private func checkFrame(_ vector: TestVector) throws {
        let bytes = try vector.bytes
        var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: vector.maxBody)
        var buffer = ByteBuffer(bytes: bytes)
        guard case .frame(let frame) = try decoder.decode(buffer: &buffer) else {
            Issue.record("\(vector.file): no frame decoded")
            return
        }
        #expect(buffer.readableBytes == 0, "\(vector.file): bytes left after the frame")
        #expect(try decoder.decodeLast(buffer: &buffer, seenEOF: true) == nil)
        let plain = try checkHeaderAndBody(frame, vector)

        if let message = vector.message {
            let (_, reserialised) = try VectorMessages.roundTrip(message, plain)
            #expect(reserialised == plain, "\(vector.file): \(message) re-serialises differently")
        }

        var encoded = ByteBuffer()
        encoded.writeFrame(
            kind: frame.header.kind, flags: frame.header.flags, code: frame.header.code,
            requestID: frame.header.requestID, encodedBody: frame.body)
        #expect(encoded.readableArray == bytes, "\(vector.file): re-encoding differs")
    }

    /// Checks kind, flags, code, request id, body and plain body; returns the plain body.
    @discardableResult
    private func checkHeaderAndBody(_ frame: Frame, _ vector: TestVector) throws -> [UInt8] {
        #expect(Int(frame.header.kind.rawValue) == vector.integer("kind"), "\(vector.file): kind")
        #expect(Int(frame.header.flags.rawValue) == vector.integer("flags"), "\(vector.file): flags")
        #expect(Int(frame.header.code) == vector.integer("code"), "\(vector.file): code")
        #expect(Int(frame.header.requestID) == vector.integer("request_id"), "\(vector.file): request_id")
        let body = try #require(try vector.hexField("body_hex"), "\(vector.file): body_hex")
        #expect(frame.body.readableArray == body, "\(vector.file): body")
        #expect(Int(frame.header.bodyLength) == body.count)

        guard vector.stage != "body" else { return body }
        let plain = try frame.decodedBody(
            maxSize: vector.maxBody, lz4Allowed: vector.lz4Negotiated, allocator: ByteBufferAllocator())
        if frame.header.flags.contains(.lz4) {
            let expected = try #require(
                try vector.hexField("plain_body_hex"), "\(vector.file): LZ4 without plain_body_hex")
            #expect(plain.readableArray == expected, "\(vector.file): decompressed body")
            #expect(Array(body.prefix(4)) == withUnsafeBytes(of: UInt32(expected.count).bigEndian, Array.init))
        } else {
            #expect(vector.fields["plain_body_hex"] == nil, "\(vector.file): plain_body_hex on a plain frame")
            #expect(plain.readableArray == body)
        }
        return plain.readableArray
    }

    private func checkError(_ vector: TestVector) throws {
        let bytes = try vector.bytes
        let status = StatusCode(rawValue: UInt16(try #require(vector.integer("error_status"))))
        switch vector.stage {
        case "preface", "frame":
            var decoder = SRPFrameDecoder(expectPreface: vector.stage == "preface", maxBodyLength: vector.maxBody)
            var buffer = ByteBuffer(bytes: bytes)
            let violation = try #require(throws: ProtocolViolation.self) { try decoder.decode(buffer: &buffer) }
            #expect(violation.status == status, "\(vector.file): \(violation)")
        case "body":
            var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: vector.maxBody)
            var buffer = ByteBuffer(bytes: bytes)
            guard case .frame(let frame) = try decoder.decode(buffer: &buffer) else {
                Issue.record("\(vector.file): the frame itself must decode")
                return
            }
            try checkHeaderAndBody(frame, vector)
            let violation = try #require(throws: ProtocolViolation.self) {
                try frame.decodedBody(
                    maxSize: vector.maxBody, lz4Allowed: vector.lz4Negotiated, allocator: ByteBufferAllocator())
            }
            #expect(violation.status == status, "\(vector.file): \(violation)")
        case "message":
            var decoder = SRPFrameDecoder(expectPreface: false, maxBodyLength: vector.maxBody)
            var buffer = ByteBuffer(bytes: bytes)
            guard case .frame(let frame) = try decoder.decode(buffer: &buffer) else {
                Issue.record("\(vector.file): the frame itself must decode")
                return
            }
            let plain = try checkHeaderAndBody(frame, vector)
            let message = try #require(vector.message)
            #expect(throws: (any Error).self, "\(vector.file): \(message) parsed") {
                try VectorMessages.roundTrip(message, plain)
            }
            #expect(status == .malformedRequest)
        default:
            Issue.record("\(vector.file): unknown stage \(vector.stage ?? "(none)")")
        }
    }

    private func decodeAll(_ bytes: [UInt8], expectPreface: Bool, maxBody: Int) throws -> [SRPInbound] {
        var decoder = SRPFrameDecoder(expectPreface: expectPreface, maxBodyLength: maxBody)
        var buffer = ByteBuffer(bytes: bytes)
        var out: [SRPInbound] = []
        while let next = try decoder.decode(buffer: &buffer) { out.append(next) }
        return out
    }
}
