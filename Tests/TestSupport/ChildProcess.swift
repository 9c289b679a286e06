#if canImport(Glibc)
    import Glibc
#endif

/// Child processes for tests, spawned with `posix_spawn` instead of Foundation's `Process`.
///
/// Why not `Process`: on Linux its `run()` lists /proc/self/fd to close inherited descriptors and
/// copies each entry's whole 256-byte `d_name`, reading past glibc's directory buffer once
/// ~1,350 descriptors are open; the test process (which hosts servers and thousands of sockets)
/// died of SIGSEGV in `Process.run()` one suite run in a few. Here the child closes every
/// descriptor above stderr with glibc's `posix_spawn_file_actions_addclosefrom_np`, which lists
/// nothing, so spawning is safe whatever else the process has open.
public enum ChildProcess {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// What a finished child left: its exit status (128 + signal when killed) and its output.
    public struct Finished: Sendable {
        public var status: Int32
        public var standardOutput: [UInt8]
        public var standardError: [UInt8]

        public var output: String { String(decoding: standardOutput, as: UTF8.self) }
        public var errors: String { String(decoding: standardError, as: UTF8.self) }
    }

    /// Runs `executable` (a path, or a name looked up in PATH) to completion, feeding it
    /// `input` and collecting both outputs. Blocking: call it on a thread of its own.
    /// - Parameter environment: the child's whole environment; nil inherits this process's.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, input: [UInt8] = [],
        directory: String? = nil
    ) throws -> Finished {
        let stdin = try makePipe(), stdout = try makePipe(), stderr = try makePipe()
        let pid: pid_t
        do {
            pid = try spawn(
                executable, arguments, environment: environment, directory: directory,
                standardStreams: (stdin.read, stdout.write, stderr.write))
        } catch {
            for fd in [stdin.read, stdin.write, stdout.read, stdout.write, stderr.read, stderr.write] { close(fd) }
            throw error
        }
        close(stdin.read)
        close(stdout.write)
        close(stderr.write)
        let (output, errors) = exchange(input: input, stdin: stdin.write, stdout: stdout.read, stderr: stderr.read)
        return Finished(status: wait(pid), standardOutput: output, standardError: errors)
    }

    /// Starts `executable` and returns at once; stdin is /dev/null, stdout and stderr go to
    /// `outputPath` (appended) or /dev/null. Reap it with ``wait(_:)``.
    public static func start(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, outputPath: String? = nil
    ) throws -> pid_t {
        let null = open("/dev/null", O_RDWR | O_CLOEXEC)
        let output = outputPath.map { open($0, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644) } ?? null
        defer {
            close(null)
            if output != null { close(output) }
        }
        guard null >= 0, output >= 0 else { throw Failure(description: "cannot open \(outputPath ?? "/dev/null")") }
        return try spawn(
            executable, arguments, environment: environment, directory: nil, standardStreams: (null, output, output))
    }

    /// Waits for `pid` to exit; its exit status, or 128 + the signal that killed it.
    @discardableResult
    public static func wait(_ pid: pid_t) -> Int32 {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            guard errno == EINTR else { return -1 }
        }
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }

    // MARK: Spawning

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private typealias ChangeDirectory =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc 2.34+ (and 2.29+); not in the Swift Glibc module's headers, so looked up at run time.
    private static let closeFrom: CloseFrom? = glibcFunction("posix_spawn_file_actions_addclosefrom_np")
    private static let changeDirectory: ChangeDirectory? = glibcFunction("posix_spawn_file_actions_addchdir_np")

    private static func glibcFunction<F>(_ name: String) -> F? {
        // A child that exits early must not kill the test process when its stdin is written.
        _ = ignoreBrokenPipes
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), name) else { return nil }
        return unsafeBitCast(symbol, to: F.self)
    }

    private static let ignoreBrokenPipes: Void = { signal(SIGPIPE, SIG_IGN) }()

    private static func spawn(
        _ executable: String, _ arguments: [String], environment: [String: String]?, directory: String?,
        standardStreams: (Int32, Int32, Int32)
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        // dup2 onto 0-2 clears close-on-exec on the copies; everything else is closed.
        posix_spawn_file_actions_adddup2(&actions, standardStreams.0, 0)
        posix_spawn_file_actions_adddup2(&actions, standardStreams.1, 1)
        posix_spawn_file_actions_adddup2(&actions, standardStreams.2, 2)
        guard let closeFrom else {
            throw Failure(description: "posix_spawn_file_actions_addclosefrom_np is missing (glibc older than 2.34)")
        }
        _ = closeFrom(&actions, 3)
        if let directory {
            guard let changeDirectory else { throw Failure(description: "posix_spawn cannot change directory here") }
            _ = changeDirectory(&actions, directory)
        }
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let environmentStrings: [UnsafeMutablePointer<CChar>?]? = environment.map { variables in
            variables.map { strdup("\($0.key)=\($0.value)") } + [nil]
        }
        defer { environmentStrings?.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned: Int32 = argv.withUnsafeBufferPointer { argvPointer in
            let argvBase = UnsafeMutablePointer(mutating: argvPointer.baseAddress!)
            if let environmentStrings {
                return environmentStrings.withUnsafeBufferPointer { environmentPointer in
                    posix_spawnp(
                        &pid, executable, &actions, nil, argvBase,
                        UnsafeMutablePointer(mutating: environmentPointer.baseAddress!))
                }
            }
            return posix_spawnp(&pid, executable, &actions, nil, argvBase, environ)
        }
        guard spawned == 0 else {
            throw Failure(description: "cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        return pid
    }

    private static func makePipe() throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe failed: errno \(errno)") }
        // Close-on-exec for children spawned by other code; ours close everything above 2 anyway.
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        return (fds[0], fds[1])
    }

    /// Writes `input` while reading both outputs, so no pipe can fill up and stall the child;
    /// closes all three descriptors.
    private static func exchange(input: [UInt8], stdin: Int32, stdout: Int32, stderr: Int32) -> ([UInt8], [UInt8]) {
        var output: [UInt8] = [], errors: [UInt8] = []
        var written = 0
        var writer: Int32? = stdin
        if input.isEmpty {
            close(stdin)
            writer = nil
        } else {
            _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK)
        }
        var readers: [Int32: Bool] = [stdout: true, stderr: true]
        var chunk = [UInt8](repeating: 0, count: 65536)
        while writer != nil || readers.values.contains(true) {
            var polled = readers.filter(\.value).keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if let writer { polled.append(pollfd(fd: writer, events: Int16(POLLOUT), revents: 0)) }
            guard poll(&polled, nfds_t(polled.count), -1) >= 0 || errno == EINTR else { break }
            for entry in polled where entry.revents != 0 {
                if entry.fd == writer {
                    let count = input[written...].withUnsafeBytes { write(entry.fd, $0.baseAddress, $0.count) }
                    if count > 0 { written += count }
                    if written == input.count || (count < 0 && errno != EAGAIN && errno != EINTR) {
                        close(entry.fd)
                        writer = nil
                    }
                    continue
                }
                let count = chunk.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    if entry.fd == stdout { output += chunk[0..<count] } else { errors += chunk[0..<count] }
                } else if count == 0 || errno != EINTR {
                    readers[entry.fd] = false
                    close(entry.fd)
                }
            }
        }
        return (output, errors)
    }
}
