import CHiredis

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One blocking hiredis connection. Not thread-safe: a `RedisWorker` confines it to its queue.
///
/// Any I/O error leaves a hiredis context unusable, so the owner drops the connection on the
/// first `RedisError` and connects afresh later.
final class RedisConnection {
    private let context: UnsafeMutablePointer<redisContext>

    /// Connects within `connectTimeout`, then sets `commandTimeout` on the socket for every
    /// later read and write, and selects the endpoint's database.
    init(endpoint: RedisEndpoint, connectTimeout: Duration, commandTimeout: Duration) throws {
        guard
            let context = redisConnectWithTimeout(endpoint.host, Int32(endpoint.port), Self.makeTimeval(connectTimeout))
        else {
            throw RedisError(.connection, "cannot allocate a hiredis context")
        }
        if context.pointee.err != 0 {
            let error = Self.error(context)
            redisFree(context)
            throw error
        }
        self.context = context
        guard redisSetTimeout(context, Self.makeTimeval(commandTimeout)) == REDIS_OK else {
            throw RedisError(.connection, "cannot set the command timeout")
        }
        if endpoint.database != 0 {
            let reply = try run([Array("SELECT".utf8), Array(String(endpoint.database).utf8)])
            if case .error(let message) = reply { throw RedisError(.connection, "SELECT failed: \(message)") }
        }
    }

    deinit { redisFree(context) }

    /// Runs one command (binary-safe: every argument is passed with its length).
    func run(_ arguments: [[UInt8]]) throws -> RedisReply {
        let raw = Self.withArgv(arguments) { argc, argv, lengths in
            redisCommandArgv(context, argc, argv, lengths)
        }
        guard let raw else { throw Self.error(context) }
        defer { freeReplyObject(raw) }
        return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// Sends every command, then reads every reply: one round trip for the batch.
    func pipeline(_ commands: [[[UInt8]]]) throws -> [RedisReply] {
        if commands.count == 1 { return [try run(commands[0])] }
        for command in commands {
            let status = Self.withArgv(command) { argc, argv, lengths in
                redisAppendCommandArgv(context, argc, argv, lengths)
            }
            guard status == REDIS_OK else { throw Self.error(context) }
        }
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        for _ in commands {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw Self.error(context) }
            replies.append(RedisReply(raw.assumingMemoryBound(to: redisReply.self)))
            freeReplyObject(raw)
        }
        return replies
    }

    /// Waits for the next reply without sending anything (a pub/sub message after SUBSCRIBE).
    func nextReply() throws -> RedisReply {
        var raw: UnsafeMutableRawPointer?
        guard redisGetReply(context, &raw) == REDIS_OK, let raw else { throw Self.error(context) }
        defer { freeReplyObject(raw) }
        return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
    }

    /// The next reply, waiting at most `timeout` for it; nil when none arrived in time.
    ///
    /// Polls the socket itself rather than relying on the socket timeout: a timed-out
    /// `redisGetReply` leaves the context unusable, and a subscriber waits for long stretches.
    func nextReply(waitingAtMost timeout: Duration) throws -> RedisReply? {
        let deadline = ContinuousClock.now + timeout
        while true {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReplyFromReader(context, &raw) == REDIS_OK else { throw Self.error(context) }
            if let raw {
                defer { freeReplyObject(raw) }
                return RedisReply(raw.assumingMemoryBound(to: redisReply.self))
            }
            let remaining = deadline - ContinuousClock.now
            if remaining <= .zero { return nil }
            var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
            let ready = poll(&descriptor, 1, Int32(clamping: milliseconds(remaining)))
            if ready < 0 && errno != EINTR { throw RedisError(.connection, "poll failed: errno \(errno)") }
            if ready > 0 {
                guard redisBufferRead(context) == REDIS_OK else { throw Self.error(context) }
            }
        }
    }

    // MARK: Helpers

    /// Lays the arguments out in one buffer and passes pointers and lengths to `body`.
    private static func withArgv<R>(
        _ arguments: [[UInt8]],
        _ body: (Int32, UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafePointer<Int>) -> R
    ) -> R {
        let total = arguments.reduce(0) { $0 + $1.count }
        let storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(total, 1), alignment: 1)
        defer { storage.deallocate() }
        var pointers: [UnsafePointer<CChar>?] = []
        var lengths: [Int] = []
        var offset = 0
        for argument in arguments {
            let start = storage.baseAddress! + offset
            argument.withUnsafeBytes { bytes in
                if let base = bytes.baseAddress { start.copyMemory(from: base, byteCount: bytes.count) }
            }
            pointers.append(UnsafePointer(start.assumingMemoryBound(to: CChar.self)))
            lengths.append(argument.count)
            offset += argument.count
        }
        return pointers.withUnsafeMutableBufferPointer { argv in
            lengths.withUnsafeBufferPointer { argvlen in
                body(Int32(arguments.count), argv.baseAddress!, argvlen.baseAddress!)
            }
        }
    }

    /// The context's error; a socket timeout surfaces as an I/O error with EAGAIN.
    private static func error(_ context: UnsafeMutablePointer<redisContext>) -> RedisError {
        let code = context.pointee.err
        let message = withUnsafeBytes(of: context.pointee.errstr) { bytes in
            String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        if code == REDIS_ERR_IO && (errno == EAGAIN || errno == EWOULDBLOCK || message.contains("temporarily")) {
            return RedisError(.timeout, message)
        }
        return RedisError(.connection, message.isEmpty ? "hiredis error \(code)" : message)
    }

    private static func makeTimeval(_ duration: Duration) -> timeval {
        let micros = max(
            1, duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000)
        return timeval(tv_sec: Int(micros / 1_000_000), tv_usec: Int(micros % 1_000_000))
    }
}
