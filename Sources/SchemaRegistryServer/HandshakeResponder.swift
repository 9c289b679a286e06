import NIOCore
import SRPWire

/// Answers a HELLO (PROTOCOL.md, the handshake): checks its body and protocol version,
/// authenticates its API key and chooses compression. Pure: no channel and no state; the
/// handler sends the outcome and tells ``ServerConnectionStateMachine`` how it went.
struct HandshakeResponder: Sendable {
    var configuration: ServerConfiguration
    /// nil: no authentication (tests and embedders).
    var keyRing: APIKeyRing?
    /// The server offers Watch (its store keeps a change log).
    var watch = false

    /// What to do about one HELLO.
    enum Outcome {
        /// Answer HELLO_OK with `answer`; requests follow.
        /// - principal: whom the key authenticated; nil when no authentication is required.
        case accepted(answer: Srp_HelloResponse, lz4: Bool, principal: Principal?, clientName: String)
        /// Send GOAWAY with this status and message, and close.
        /// - authFailure: why a key was refused, for the log only: a client cannot tell an
        ///   unknown key from a revoked one.
        case refused(status: StatusCode, message: String, authFailure: String?)
    }

    func respond(to frame: Frame) -> Outcome {
        guard frame.header.flags.isEmpty,
            let hello = try? Srp_HelloRequest(serializedBytes: Array(frame.body.readableBytesView))
        else {
            return .refused(
                status: .malformedRequest, message: "HELLO body is not a valid uncompressed HelloRequest",
                authFailure: nil)
        }
        let version = UInt32(SRPPreface.version)
        guard hello.protocolVersions.isEmpty || hello.protocolVersions.contains(version) else {
            return .refused(
                status: .unsupportedVersion,
                message: "client speaks protocol versions \(hello.protocolVersions); this server speaks \(version)",
                authFailure: nil)
        }
        let principal: Principal?
        switch keyRing?.authenticate(apiKey: hello.credentials.apiKey) ?? .open {
        case .open:
            principal = nil
        case .allowed(let who):
            principal = who
        case .rejected(let reason):
            // One answer for every refusal.
            return .refused(
                status: .unauthenticated,
                message: "this server requires a valid API key: pass --api-key or set SCHEMA_REGISTRY_API_KEY "
                    + "(clients: HelloRequest.credentials.api_key)",
                authFailure: reason)
        }
        let lz4 = configuration.compression && hello.compressions.contains(.lz4)
        return .accepted(answer: answer(lz4: lz4), lz4: lz4, principal: principal, clientName: hello.clientName)
    }

    /// HELLO_OK: the version, compression and limits this connection runs with.
    private func answer(lz4: Bool) -> Srp_HelloResponse {
        let limits = configuration.connection
        return Srp_HelloResponse.with {
            $0.protocolVersion = UInt32(SRPPreface.version)
            $0.compression = lz4 ? .lz4 : .none
            $0.maxFrameSize = UInt32(limits.maxBody)
            $0.tokenRate = UInt32(limits.tokenRate)
            $0.tokenBurst = UInt32(limits.tokenBurst)
            $0.maxInFlight = UInt32(limits.maxInFlight)
            $0.serverID = configuration.serverID
            $0.compressionThreshold = UInt32(configuration.compressionThreshold)
            $0.serverVersion = SRPServer.version
            $0.requestDeadlines = true
            $0.watch = watch
        }
    }
}
