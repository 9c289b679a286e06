import NIOCore
import SRPWire

/// One Watch call (docs/PROTOCOL.md 19): the server's answer, then the event batches it pushes.
public struct WatchStream: Sendable {
    /// Where the stream starts, the change log's id, and whether the client must resync first.
    public let response: Srp_WatchResponse
    /// The Watch's request id on its connection (what Unwatch names).
    public let requestID: UInt32
    /// Event batches in position order. Ends with an error when the connection closes or the
    /// server ends the watch (SHUTTING_DOWN while draining); stopping the iteration unwatches.
    public let events: AsyncThrowingStream<Srp_WatchEvents, any Error>
}

extension SchemaRegistryClient {
    /// Starts one watch on the current connection. Most applications want ``changes(_:)``,
    /// which resumes across reconnects.
    ///
    /// - Parameter onReceive: called with each batch on the connection's event loop as soon as
    ///   it is decoded, before it reaches `events` (no task wake-up in between). It runs on an
    ///   I/O thread: keep it short and non-blocking. For timing receipt, or reacting at once.
    public func watch(
        _ request: Srp_WatchRequest, onReceive: (@Sendable (Srp_WatchEvents) -> Void)? = nil
    ) async throws -> WatchStream {
        let body = try ByteBuffer(bytes: request.serializedBytes() as [UInt8])
        let connection = try await currentConnection()
        let (events, continuation) = AsyncThrowingStream.makeStream(of: Srp_WatchEvents.self)
        // Decoded on the connection's event loop as they arrive: no task in between.
        let sink = StreamSink(
            yield: { frame in
                do {
                    let batch = try Srp_WatchEvents(serializedBytes: Array(frame.body.readableBytesView))
                    onReceive?(batch)
                    continuation.yield(batch)
                } catch {
                    continuation.finish(
                        throwing: SchemaRegistryClientError(code: .badResponse, message: "Watch: \(error)"))
                }
            },
            finish: { error in continuation.finish(throwing: error) })
        let (first, requestID) = try await connection.sendStreaming(method: .watch, body: body, sink: sink)
        guard first.status == .ok else { throw Self.error(status: first.status, body: first.body) }
        let response: Srp_WatchResponse
        do {
            response = try Srp_WatchResponse(serializedBytes: Array(first.body.readableBytesView))
        } catch {
            throw SchemaRegistryClientError(code: .badResponse, message: "Watch: \(error)")
        }
        continuation.onTermination = { termination in
            guard case .cancelled = termination else { return }
            // Nobody reads any more: tell the server (on the watch's own connection) and drop
            // what still arrives.
            connection.endStream(requestID: requestID)
            let unwatch = Srp_UnwatchRequest.with { $0.watchRequestID = requestID }
            if let body = try? ByteBuffer(bytes: unwatch.serializedBytes() as [UInt8]) {
                Task { _ = try? await connection.send(method: .unwatch, body: body, timeout: .seconds(5)) }
            }
        }
        return WatchStream(response: response, requestID: requestID, events: events)
    }

    /// Changes as they commit, for as long as the caller iterates, across reconnects and server
    /// restarts: after a lost connection the watch resumes from the last position it received;
    /// when the server cannot replay from there, a RESYNC event comes first (the caller must
    /// then re-read what it caches that can change). So the caller either sees every change or
    /// is told it did not. Ends with an error only for what retrying cannot fix (e.g. 40301).
    public func changes(_ request: Srp_WatchRequest) -> AsyncThrowingStream<Srp_WatchEvents, any Error> {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: Srp_WatchEvents.self)
        let task = Task {
            var request = request
            var failures = 0
            while !Task.isCancelled {
                do {
                    let watch = try await self.watch(request)
                    failures = 0
                    request.logID = watch.response.logID
                    request.afterPosition = watch.response.position
                    if watch.response.resync { continuation.yield(Self.resync(at: watch.response.position)) }
                    for try await batch in watch.events {
                        continuation.yield(batch)
                        request.afterPosition = max(request.afterPosition, batch.position)
                    }
                    // Ended without an error (the server unwatched): resume after a pause.
                    failures += 1
                    try? await Task.sleep(for: Self.backoff(attempt: failures, retryAfterMilliseconds: 0))
                } catch let error as SchemaRegistryClientError where Self.isTransient(error) {
                    failures += 1
                    try? await Task.sleep(
                        for: Self.backoff(attempt: failures, retryAfterMilliseconds: error.retryAfterMilliseconds))
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    private static func resync(at position: UInt64) -> Srp_WatchEvents {
        Srp_WatchEvents.with {
            $0.events = [
                .with {
                    $0.type = .resync
                    $0.position = position
                }
            ]
            $0.position = position
        }
    }

    /// Errors after which a watch is resumed on a new connection.
    private static func isTransient(_ error: SchemaRegistryClientError) -> Bool {
        switch error.code {
        case .connectionClosed, .connectionFailed, .deadlineExceeded, .server(.shuttingDown), .server(.overloaded),
            .server(.throttled), .server(.internalError), .server(StatusCode(rawValue: 50003)):
            true
        default: false
        }
    }
}
