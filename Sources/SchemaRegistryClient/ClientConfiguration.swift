import SRPWire

/// How a ``SchemaRegistryClient`` connects and behaves.
public struct ClientConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Sent in HELLO; shows up in the server's logs.
    public var clientName: String = "swift-client"
    /// Offer LZ4 in the handshake.
    public var compression: Bool = true
    /// Bodies below this are sent plain even when LZ4 is negotiated (the server's own
    /// threshold from HELLO_OK wins when it is higher).
    public var compressionThreshold: Int = CompressionPolicy.defaultThreshold
    public var connectTimeout: Duration = .seconds(5)
    /// Default options for calls that pass none.
    public var defaultCallOptions = CallOptions()
    public var apiKey: String?
    /// Connect over TLS; nil (the default) for plain TCP.
    public var tls: ClientTLSConfiguration?
    /// Keep answers in memory (``SchemaRegistryClient/cached``); nil (the default) for none.
    public var cache: ClientCacheConfiguration?

    public init(host: String = "127.0.0.1", port: Int = 7911) {
        self.host = host
        self.port = port
    }
}

/// Per-call options.
public struct CallOptions: Sendable {
    /// Fail with ``SchemaRegistryClientError/Code/deadlineExceeded`` if no answer comes in time.
    public var timeout: Duration?
    /// How many THROTTLED, OVERLOADED (or SHUTTING_DOWN) answers to absorb by waiting the
    /// server's retry-after and retrying (none of them was executed).
    public var maxRetries: Int

    public init(timeout: Duration? = .seconds(30), maxRetries: Int = 8) {
        self.timeout = timeout
        self.maxRetries = maxRetries
    }
}
