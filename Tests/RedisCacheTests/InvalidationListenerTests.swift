import Synchronization
import TestSupport
import Testing

@testable import RedisCache

@Suite struct InvalidationListenerTests {
    final class Received: Sendable {
        let messages = Mutex<[String]>([])
    }

    @Test func stoppingAListenerThatNeverStartedReturns() async throws {
        let listener = try RedisInvalidationListener(url: "redis://127.0.0.1:1", channel: "x", onMessage: { _ in })
        await listener.stop()
        listener.start()  // after stop: does nothing
        await listener.stop()
    }

    @Test func messagesPublishedOnTheChannelReachTheCallbackInOrder() async throws {
        guard let url = ExternalService.redis.url(skipping: "a Redis test") else { return }
        let channel = uniquePrefix() + "invalidate"
        let received = Received()
        let listener = try RedisInvalidationListener(
            url: url, channel: channel, onMessage: { message in received.messages.withLock { $0.append(message) } })
        listener.start()
        let client = try RedisClient(url: url, commandTimeout: .seconds(5))
        // Publish until the subscription is in place (PUBLISH answers how many got it), bounded.
        let subscribed = await eventually(every: .milliseconds(25)) {
            (try? await client.command(["PUBLISH", channel, "hello"])).map { $0 != .integer(0) } ?? false
        }
        #expect(subscribed)
        for id in 1...3 { #expect(try await client.command(["PUBLISH", channel, "schema:\(id)"]) == .integer(1)) }
        _ = await eventually { received.messages.withLock({ $0.count }) >= 4 }
        await listener.stop()
        #expect(received.messages.withLock { $0 } == ["hello", "schema:1", "schema:2", "schema:3"])
    }
}
