import Logging

extension SRPConnectionHandler {
    /// What every connection of a server shares.
    struct Shared: Sendable {
        var configuration: ServerConfiguration
        var dispatcher: RequestDispatcher
        var schemas: SchemaTier
        var logger: Logger
        var metrics: ServerMetrics
        /// nil: no authentication (tests and embedders); otherwise checked at HELLO.
        var keyRing: APIKeyRing?
        /// The server-wide in-flight budget.
        var overload: OverloadGuard
        /// The server-wide budget of answer bytes reserved by running requests.
        var answers: GlobalAnswerBudget
        /// The server-wide budget of decompressed request bodies held by running requests.
        var decompression: DecompressionBudget
        /// Feeds watches; nil when the store keeps no change log.
        var hub: ChangeHub?
        /// Write every connection's answers at the end of its event loop's tick.
        var flushers = EndOfTickFlushers()
    }
}
