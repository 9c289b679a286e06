import Dispatch
import Resilience
import Synchronization

/// Subscribes to the invalidation channel that `RedisCachedStore` publishes on, and hands
/// every message to a callback: how an instance learns that another one permanently deleted
/// a schema it may hold in its in-process cache.
///
/// The subscription is one blocking hiredis connection on a thread of its own (a subscriber
/// waits for long stretches; that must not hold a pooled connection or an event loop). When
/// Redis goes away it reconnects with backoff; messages published during the gap are lost,
/// which `onResubscribed` reports so the owner can log it (pub/sub has no replay).
public final class RedisInvalidationListener: Sendable {
    private let endpoint: RedisEndpoint
    private let channel: String
    private let onMessage: @Sendable (String) -> Void
    private let onResubscribed: @Sendable () -> Void
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    /// Whether the thread was started: only then is there a thread for `stop()` to wait for.
    private let started = Atomic<Bool>(false)

    /// - Parameters:
    ///   - url: `redis://host[:port][/db]`.
    ///   - channel: the channel to subscribe to (`RedisCachedStore.invalidationChannel`).
    ///   - onMessage: called on the listener's thread for every message, in order.
    ///   - onResubscribed: called after a reconnection (not the first subscription).
    public init(
        url: String, channel: String, onMessage: @escaping @Sendable (String) -> Void,
        onResubscribed: @escaping @Sendable () -> Void = {}
    ) throws {
        self.endpoint = try RedisEndpoint(url: url)
        self.channel = channel
        self.onMessage = onMessage
        self.onResubscribed = onResubscribed
    }

    /// Starts listening on a thread of its own; later calls (and calls after `stop()`) do nothing.
    public func start() {
        guard !stopped.load(ordering: .relaxed), !started.exchange(true, ordering: .relaxed) else { return }
        DispatchQueue(label: "redis.invalidation").async { self.listen() }
    }

    /// Stops within one poll interval (250 ms) and waits for the thread to finish; returns at
    /// once if the listener never started.
    public func stop() async {
        guard !stopped.exchange(true, ordering: .relaxed), started.load(ordering: .relaxed) else { return }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                self.finished.wait()
                continuation.resume()
            }
        }
    }

    private func listen() {
        defer { finished.signal() }
        var subscriptions = 0
        var backoff = ExponentialBackoff(initial: .milliseconds(100), maximum: .seconds(2))
        while !stopped.load(ordering: .relaxed) {
            do {
                let connection = try RedisConnection(
                    endpoint: endpoint, connectTimeout: .milliseconds(500), commandTimeout: .seconds(1))
                let reply = try connection.run([Array("SUBSCRIBE".utf8), Array(channel.utf8)])
                guard case .array(let parts) = reply, parts.first?.string == "subscribe" else {
                    throw RedisError(.connection, "unexpected SUBSCRIBE reply \(reply)")
                }
                subscriptions += 1
                if subscriptions > 1 { onResubscribed() }
                backoff.succeeded()
                while !stopped.load(ordering: .relaxed) {
                    guard let message = try connection.nextReply(waitingAtMost: .milliseconds(250)) else { continue }
                    if case .array(let parts) = message, parts.count == 3, parts[0].string == "message",
                        let text = parts[2].string
                    {
                        onMessage(text)
                    }
                }
            } catch {
                sleepUnlessStopped(backoff.failed())
            }
        }
    }

    private func sleepUnlessStopped(_ duration: Duration) {
        let deadline = ContinuousClock.now + duration
        while !stopped.load(ordering: .relaxed), ContinuousClock.now < deadline {
            pause(milliseconds: 20)
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private func pause(milliseconds: Int) {
    usleep(useconds_t(milliseconds * 1000))
}
