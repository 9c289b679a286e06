import NIOCore
import NIOPosix
import Resilience
import SRPWire
import SwiftProtobuf
import Synchronization

/// A client of the schema registry over SRP.
///
/// One instance holds one connection and multiplexes any number of concurrent calls over
/// it; responses are matched by request id in whatever order they come. The connection is
/// opened on first use and re-opened after it closes. THROTTLED answers are absorbed by
/// waiting the server's retry-after (with backoff) up to ``CallOptions/maxRetries`` times.
///
/// ```swift
/// let client = SchemaRegistryClient(configuration: .init(host: "127.0.0.1", port: 7911))
/// var request = Srp_GetSchemaByIdRequest()
/// request.id = 1
/// let schema = try await client.getSchemaById(request).schema
/// ```
public final class SchemaRegistryClient: Sendable {
    public let configuration: ClientConfiguration
    private let group: any EventLoopGroup
    private enum ConnectionState {
        case connecting(Task<ClientConnection, any Error>)
        case connected(ClientConnection)
    }

    private let connection = Mutex<ConnectionState?>(nil)
    /// What the client keeps of its answers; nil when ``ClientConfiguration/cache`` is nil.
    let cache: ClientCache?
    /// The watch that keeps the cache's mutable answers exact, once a mutable lookup started it.
    let cacheWatch = Mutex<Task<Void, Never>?>(nil)

    public init(
        configuration: ClientConfiguration, eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.configuration = configuration
        self.group = eventLoopGroup
        self.cache = configuration.cache.map(ClientCache.init(configuration:))
    }

    /// The server's HELLO_OK for the current connection (connecting if needed).
    public func handshake() async throws -> Srp_HelloResponse {
        try await currentConnection().hello
    }

    /// Performs one call: encodes, sends, waits, decodes, retries THROTTLED.
    public func unary<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        _ method: SRPMethod, _ request: Request, options: CallOptions
    ) async throws -> Response {
        let body = try ByteBuffer(bytes: request.serializedBytes() as [UInt8])
        let clock = ContinuousClock()
        let deadline = options.timeout.map { clock.now + $0 }
        var attempt = 0
        while true {
            let remaining = deadline.map { $0 - clock.now }
            if let remaining, remaining <= .zero {
                throw SchemaRegistryClientError(code: .deadlineExceeded, message: "\(method.name) deadline passed")
            }
            let connection = try await currentConnection()
            let frame: ResponseFrame
            do {
                frame = try await connection.send(method: method, body: body, timeout: remaining)
            } catch let error as SchemaRegistryClientError where error.code == .connectionClosed && attempt == 0 {
                // The connection died under us before an answer: open a new one once.
                attempt += 1
                forget(connection)
                continue
            }
            if frame.status == .ok {
                do {
                    return try Response(serializedBytes: Array(frame.body.readableBytesView))
                } catch {
                    throw SchemaRegistryClientError(code: .badResponse, message: "\(method.name): \(error)")
                }
            }
            let error = Self.error(status: frame.status, body: frame.body)
            // Each of these says the request was not executed, so retrying any method is safe.
            let retryable = frame.status == .throttled || frame.status == .overloaded || frame.status == .shuttingDown
            guard retryable, attempt < options.maxRetries else {
                throw error
            }
            attempt += 1
            if frame.status == .shuttingDown { forget(connection) }
            try await Task.sleep(
                for: Self.backoff(attempt: attempt, retryAfterMilliseconds: error.retryAfterMilliseconds))
        }
    }

    /// Closes the connection. Later calls open a new one.
    public func close() async {
        cacheWatch.withLock { task in
            task?.cancel()
            task = nil
        }
        let previous = connection.withLock { state in
            defer { state = nil }
            return state
        }
        switch previous {
        case .connected(let established): await established.close()
        case .connecting(let task): await (try? task.value)?.close()
        case nil: break
        }
    }

    func currentConnection() async throws -> ClientConnection {
        let state = connection.withLock { state -> ConnectionState in
            if let state { return state }
            let configuration = self.configuration
            let group = self.group
            let fresh = ConnectionState.connecting(
                Task { try await ClientConnection.connect(configuration: configuration, group: group) })
            state = fresh
            return fresh
        }
        switch state {
        case .connected(let established):
            if established.channel.isActive, await established.isUsable { return established }
            forget(established)
            return try await currentConnection()
        case .connecting(let task):
            do {
                let established = try await task.value
                connection.withLock { state in
                    if case .connecting(let current) = state, current == task { state = .connected(established) }
                }
                return established
            } catch {
                connection.withLock { state in
                    if case .connecting(let current) = state, current == task { state = nil }
                }
                throw error
            }
        }
    }

    /// Drops a connection that closed or received GOAWAY, so the next call opens a new one.
    private func forget(_ stale: ClientConnection) {
        connection.withLock { state in
            if case .connected(let current) = state, current === stale { state = nil }
        }
        Task { await stale.close() }
    }

    static func error(status: StatusCode, body: ByteBuffer) -> SchemaRegistryClientError {
        let decoded = Srp_ErrorBody.from(body)
        let details = decoded.map { body in body.details.sorted { $0.key < $1.key }.map(\.value) } ?? []
        return SchemaRegistryClientError(
            code: .server(status), message: decoded?.message ?? "\(status)",
            retryAfterMilliseconds: decoded?.retryAfterMs ?? 0, details: details)
    }

    /// Retries without a retry-after from the server: 10 ms doubling, capped at 2 s.
    static let retryBackoff = ExponentialBackoff(initial: .milliseconds(10), maximum: .seconds(2))

    /// The server's retry-after when given, else ``retryBackoff`` after `attempt + 1` failures,
    /// plus up to 10% jitter so that clients throttled together do not retry together.
    static func backoff(attempt: Int, retryAfterMilliseconds: UInt32) -> Duration {
        let base =
            retryAfterMilliseconds > 0
            ? Duration.milliseconds(Int(retryAfterMilliseconds)) : retryBackoff.delay(afterFailures: attempt + 1)
        let baseMilliseconds = Int(base.components.seconds * 1000 + base.components.attoseconds / 1_000_000_000_000_000)
        return base + .milliseconds(Int.random(in: 0...max(1, baseMilliseconds / 10)))
    }
}
