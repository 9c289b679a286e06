import Foundation
import Logging
import NIOCore
import NIOExtras
import NIOSSL
import NIOTLS
import SRPWire
import Synchronization

/// TLS for the SRP port (settings `tls-cert`, `tls-key`, `tls-client-ca`, `tls-min-version`).
/// Off while neither a certificate nor a key is set. The metrics HTTP port stays plain HTTP.
public struct ServerTLSConfiguration: Sendable, Equatable {
    /// The TLS versions the server may be limited to.
    public enum Version: String, Sendable, Equatable {
        case v1_2 = "1.2"
        case v1_3 = "1.3"
    }

    /// PEM file of the server's certificate chain, leaf first.
    public var certificateChainPath: String?
    /// PEM file of the private key of the leaf certificate.
    public var privateKeyPath: String?
    /// PEM bundle of the CAs that sign client certificates. When set, every client must present a
    /// certificate signed by one of them (mTLS).
    public var clientCAPath: String?
    /// The oldest TLS version accepted. Default 1.2.
    public var minimumVersion = Version.v1_2

    /// The ALPN protocol offered by both ends (a client that offers none is still served).
    public static let applicationProtocol = "srp/1"

    public init() {}

    /// Whether the SRP port speaks TLS.
    public var isEnabled: Bool { certificateChainPath != nil || privateKeyPath != nil }

    /// Why TLS could not be set up: names the setting and the file.
    public struct SetupError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Throws what ``makeContext()`` would: a start-up check that names the bad file.
    public func validate() throws {
        _ = try makeContext()
    }

    /// Loads the files and builds the context; nil when TLS is off. Every failure names its file.
    public func makeContext() throws -> NIOSSLContext? {
        guard isEnabled else {
            if clientCAPath != nil {
                throw SetupError(description: "tls-client-ca is set but tls-cert and tls-key are not")
            }
            return nil
        }
        guard let certificateChainPath else {
            throw SetupError(description: "tls-key is set but tls-cert is not: both are needed for TLS")
        }
        guard let privateKeyPath else {
            throw SetupError(description: "tls-cert is set but tls-key is not: both are needed for TLS")
        }
        let chain = try Self.loadCertificates(certificateChainPath, setting: "tls-cert", what: "certificate chain")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyPath, format: .pem)
        } catch {
            throw SetupError(
                description:
                    "tls-key: cannot load a PEM private key from '\(privateKeyPath)': \(Self.reason(privateKeyPath, error))"
            )
        }
        var configuration: TLSConfiguration
        if let clientCAPath {
            let roots = try Self.loadCertificates(clientCAPath, setting: "tls-client-ca", what: "CA bundle")
            configuration = .makeServerConfigurationWithMTLS(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key),
                trustRoots: .certificates(roots))
            // Tell clients which CAs are accepted, so they can pick a matching certificate.
            configuration.sendCANameList = true
        } else {
            configuration = .makeServerConfiguration(
                certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        }
        configuration.minimumTLSVersion = minimumVersion == .v1_3 ? .tlsv13 : .tlsv12
        configuration.applicationProtocols = [Self.applicationProtocol]
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SetupError(
                description:
                    "TLS setup with tls-cert '\(certificateChainPath)' and tls-key '\(privateKeyPath)' failed (does the key match the certificate?): \(error)"
            )
        }
    }

    static func loadCertificates(_ path: String, setting: String, what: String) throws -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw SetupError(
                description: "\(setting): cannot load a PEM \(what) from '\(path)': \(reason(path, error))")
        }
        guard !certificates.isEmpty else {
            throw SetupError(description: "\(setting): '\(path)' holds no PEM certificate")
        }
        return certificates
    }

    /// "no such file" and "not readable" say more than BoringSSL's error stack.
    static func reason(_ path: String, _ error: any Error) -> String {
        if !FileManager.default.fileExists(atPath: path) { return "no such file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "not readable" }
        return "\(error)"
    }
}

/// Sits right after `NIOSSLServerHandler`. Closes a connection whose TLS handshake has not
/// completed within the handshake timeout (the SRP handler's own timer cannot: its GOAWAY waits
/// in the TLS handler until a handshake that never comes), and counts and logs failed handshakes
/// (one log line per interval at notice, every one at debug) without stopping the server.
final class TLSHandshakeGuard: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer

    /// What every connection's guard shares.
    final class Shared: Sendable {
        let timeout: TimeAmount
        let metrics: ServerMetrics
        let logger: Logger
        /// Notice-level logging of failures at most once per this interval.
        let logInterval: TimeAmount
        /// When failures were last logged at notice, and how many were not logged since.
        private let logState = Mutex<(last: NIODeadline?, suppressed: Int)>((nil, 0))

        init(timeout: TimeAmount, metrics: ServerMetrics, logger: Logger, logInterval: TimeAmount = .seconds(10)) {
            self.timeout = timeout
            self.metrics = metrics
            self.logger = logger
            self.logInterval = logInterval
        }

        func recordFailure(peer: String, reason: String) {
            metrics.tlsHandshakeFailures.increment()
            logger.debug("TLS handshake failed", metadata: ["peer": "\(peer)", "reason": "\(reason)"])
            let now = NIODeadline.now()
            let suppressed: Int? = logState.withLock { state in
                if let last = state.last, now - last < logInterval {
                    state.suppressed += 1
                    return nil
                }
                defer { state = (now, 0) }
                return state.suppressed
            }
            guard let suppressed else { return }
            logger.notice(
                "TLS handshake failed",
                metadata: ["peer": "\(peer)", "reason": "\(reason)", "failures_not_logged_since_last": "\(suppressed)"])
        }
    }

    private let shared: Shared
    private var timer: Scheduled<Void>?
    private var completed = false
    private var failed = false

    init(shared: Shared) {
        self.shared = shared
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { startTimer(context) }
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context)
        context.fireChannelActive()
    }

    private func startTimer(_ context: ChannelHandlerContext) {
        guard timer == nil, !completed else { return }
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: shared.timeout) { [weak self] in
            guard let self, !self.completed else { return }
            self.fail(context, reason: "no TLS handshake within \(self.shared.timeout.nanoseconds / 1_000_000) ms")
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        switch event {
        case TLSUserEvent.handshakeCompleted:
            completed = true
            timer?.cancel()
            context.fireUserInboundEventTriggered(event)
            // Nothing left to do: the SRP handler takes it from here.
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        case let plaintext as PlaintextSRPDetector.PlaintextClient:
            fail(context, reason: plaintext.description)
        case is ChannelShouldQuiesceEvent:
            // Shutting down mid-handshake: nothing to drain, and a GOAWAY could not get through TLS.
            // Not a failed handshake.
            failed = true
            timer?.cancel()
            context.close(promise: nil)
        default:
            context.fireUserInboundEventTriggered(event)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if !completed { fail(context, reason: "\(error)") }
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if !completed { fail(context, reason: "connection closed during the TLS handshake") }
        context.fireChannelInactive()
    }

    private func fail(_ context: ChannelHandlerContext, reason: String) {
        guard !failed else { return }
        failed = true
        shared.recordFailure(peer: context.remoteAddress.map { "\($0)" } ?? "?", reason: reason)
    }
}

/// Goes before `NIOSSLServerHandler`: a client that starts with the SRP preface instead of a
/// TLS ClientHello gets a plain GOAWAY BAD_PREFACE saying that this port requires TLS (instead
/// of a TLS alert it would read as a garbled frame); anything else passes on to TLS untouched.
final class PlaintextSRPDetector: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    static let message = "this server requires TLS: connect with TLS (schema-registry's --tls)"

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let bytes = unwrapInboundIn(data)
        guard let first = bytes.getInteger(at: bytes.readerIndex, as: UInt8.self) else { return }
        guard first == SRPPreface.magic[0] else {
            // TLS (or anything else): TLS decides, and this handler is done.
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        let body = Srp_ErrorBody.with {
            $0.code = UInt32(StatusCode.badPreface.rawValue)
            $0.message = Self.message
        }
        var frame = context.channel.allocator.buffer(capacity: 128)
        frame.writeFrame(
            kind: .goAway, flags: [], code: StatusCode.badPreface.rawValue, requestID: 0,
            encodedBody: ByteBuffer(bytes: try! body.serializedBytes() as [UInt8]))
        // From this handler's place, before TLS: straight to the socket, in plain SRP.
        context.fireUserInboundEventTriggered(PlaintextClient())
        // A lingering close (LingeringCloseHandler): the HELLO that follows the preface is drained.
        context.writeAndFlush(wrapOutboundOut(frame), promise: nil)
        context.close(promise: nil)
    }

    /// Sent to the handshake guard, which counts it as a failed handshake.
    struct PlaintextClient: CustomStringConvertible {
        var description: String { "client spoke plain SRP to the TLS port" }
    }
}
