import NIOCore

/// A frame as received: header plus body bytes exactly as sent (still compressed if LZ4).
public struct Frame: Sendable, Hashable {
    public var header: FrameHeader
    public var body: ByteBuffer

    public init(header: FrameHeader, body: ByteBuffer) {
        self.header = header
        self.body = body
    }
}

/// What the decoder yields: the preface once (server side), then frames.
public enum SRPInbound: Sendable, Hashable {
    case preface(version: UInt16)
    case frame(Frame)
}

/// Splits a byte stream into SRP frames, one step at a time, within bounds.
///
/// Bounded: a header announcing a body over ``maxBodyLength`` is rejected before any of the
/// body is buffered, so a lying length costs 12 bytes, not a gigabyte. Header-level errors
/// (bad preface, unknown kind, reserved flags, too large) throw ``ProtocolViolation``: the
/// stream can no longer be trusted and the connection must close. Body-level checks
/// (compression, protobuf) belong to the layer above, which can answer per request.
public struct SRPFrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = SRPInbound

    private enum State {
        case awaitingPreface
        case awaitingFrames
    }

    private var state: State
    /// Largest body (as sent, LZ4 prefix included) accepted; change it after the handshake.
    public var maxBodyLength: Int

    /// - Parameters:
    ///   - expectPreface: true on the server, which reads the client's preface first.
    ///   - maxBodyLength: the largest body accepted.
    public init(expectPreface: Bool, maxBodyLength: Int) {
        self.state = expectPreface ? .awaitingPreface : .awaitingFrames
        self.maxBodyLength = maxBodyLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> SRPInbound? {
        switch state {
        case .awaitingPreface:
            return try decodePreface(&buffer)
        case .awaitingFrames:
            return try decodeFrame(&buffer).map(SRPInbound.frame)
        }
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> SRPInbound? {
        if let decoded = try decode(buffer: &buffer) { return decoded }
        guard buffer.readableBytes == 0 else {
            throw ProtocolViolation(
                .protocolError, "connection closed mid-frame with \(buffer.readableBytes) bytes of a frame unread")
        }
        return nil
    }

    private mutating func decodePreface(_ buffer: inout ByteBuffer) throws -> SRPInbound? {
        let available = buffer.readableBytesView
        // Compare what has arrived so far: "GET " fails at its first byte.
        for (index, byte) in zip(SRPPreface.magic.indices, available) where byte != SRPPreface.magic[index] {
            throw ProtocolViolation(.badPreface, Self.describeBadPreface(available.prefix(16)))
        }
        guard let (magicHigh, magicLow, version) = buffer.readMultipleIntegers(as: (UInt32, UInt16, UInt16).self)
        else { return nil }
        _ = (magicHigh, magicLow)
        guard version == SRPPreface.version else {
            throw ProtocolViolation(
                .unsupportedVersion,
                "framing version \(version) is not supported; this server speaks \(SRPPreface.version)")
        }
        state = .awaitingFrames
        return .preface(version: version)
    }

    private func decodeFrame(_ buffer: inout ByteBuffer) throws -> Frame? {
        guard
            let (length, rawKind, rawFlags, code, requestID) = buffer.getMultipleIntegers(
                at: buffer.readerIndex, as: (UInt32, UInt8, UInt8, UInt16, UInt32).self)
        else { return nil }
        guard let kind = FrameKind(rawValue: rawKind) else {
            throw ProtocolViolation(.unknownKind, "unknown frame kind \(rawKind) (request id \(requestID))")
        }
        let flags = FrameFlags(rawValue: rawFlags)
        guard flags.isSubset(of: .known) else {
            throw ProtocolViolation(
                .badFlags, "reserved flag bits set: 0x\(String(rawFlags, radix: 16)) (request id \(requestID))")
        }
        let limit =
            maxBodyLength + (flags.contains(.lz4) ? FrameHeader.compressedPrefixSize : 0)
            + (flags.contains(.deadline) ? FrameHeader.deadlinePrefixSize : 0)
        guard length <= limit else {
            throw ProtocolViolation(
                .frameTooLarge, "frame body of \(length) bytes exceeds the limit of \(limit) (request id \(requestID))")
        }
        guard buffer.readableBytes >= FrameHeader.size + Int(length) else { return nil }
        buffer.moveReaderIndex(forwardBy: FrameHeader.size)
        let body = buffer.readSlice(length: Int(length))!
        let header = FrameHeader(bodyLength: length, kind: kind, flags: flags, code: code, requestID: requestID)
        return Frame(header: header, body: body)
    }

    private static func describeBadPreface(_ bytes: ByteBufferView.SubSequence) -> String {
        let printable = bytes.allSatisfy { $0 == 0x0D || $0 == 0x0A || (0x20..<0x7F).contains($0) }
        if printable {
            let text = String(decoding: bytes, as: UTF8.self)
            // By scalar: "\r\n" is one Character, which a Character-wise replace of "\r" never
            // matches (the CR LF of an HTTP request line went out raw, unlike vector 12).
            var shown = ""
            for scalar in text.unicodeScalars {
                switch scalar {
                case "\r": shown += "\\r"
                case "\n": shown += "\\n"
                default: shown.unicodeScalars.append(scalar)
                }
            }
            let hint = text.hasPrefix("GET ") || text.hasPrefix("POST ") || text.hasPrefix("PUT ") ? " (HTTP?)" : ""
            return "expected the SRP preface 89 53 52 50 0D 0A, got '\(shown)'\(hint): this port speaks SRP"
        }
        let hex = bytes.map { String($0, radix: 16, uppercase: true) }.map { $0.count == 1 ? "0" + $0 : $0 }
        let hint = bytes.first == 0x16 ? " (a TLS ClientHello?)" : ""
        return "expected the SRP preface 89 53 52 50 0D 0A, got \(hex.joined(separator: " "))\(hint)"
    }
}
