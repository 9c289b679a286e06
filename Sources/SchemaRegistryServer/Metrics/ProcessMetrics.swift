#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The standard `process_*` metrics, which swift-prometheus does not provide: read from
/// `/proc/self` when metrics are scraped (Linux only; elsewhere they are absent).
struct ProcessStatistics {
    var cpuSeconds: Double
    var residentBytes: Int
    var virtualBytes: Int
    var openFileDescriptors: Int
    var maxFileDescriptors: Int
    var startTimeSeconds: Double

    /// This process's statistics, or nil where `/proc` is not there.
    static func current() -> ProcessStatistics? {
        #if os(Linux)
            // /proc/self/stat: "pid (comm) state ppid ...": the command may hold spaces and
            // parentheses, so fields are counted from the last ')'. Field 3 (state) is index 0.
            guard let stat = readFile("/proc/self/stat"), let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 21, let utime = Double(fields[11]), let stime = Double(fields[12]),
                let startTicks = Double(fields[19]), let virtualBytes = Int(fields[20]), let pages = Int(fields[21])
            else { return nil }
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            let bootTime =
                readFile("/proc/stat")?.split(separator: "\n").first { $0.hasPrefix("btime ") }
                .flatMap { Double($0.dropFirst("btime ".count)) } ?? 0
            var limit = rlimit()
            getrlimit(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), &limit)
            return ProcessStatistics(
                cpuSeconds: (utime + stime) / ticks, residentBytes: pages * sysconf(Int32(_SC_PAGESIZE)),
                virtualBytes: virtualBytes, openFileDescriptors: countOpenFileDescriptors(),
                maxFileDescriptors: limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur),
                startTimeSeconds: bootTime + startTicks / ticks)
        #else
            return nil
        #endif
    }

    #if os(Linux)
        /// A /proc file's text (its size reads as 0, so read to the end).
        private static func readFile(_ path: String) -> String? {
            let fd = open(path, O_RDONLY)
            guard fd >= 0 else { return nil }
            defer { _ = Glibc.close(fd) }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count <= 0 { break }
                bytes += chunk[0..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Entries of /proc/self/fd, less `.`, `..` and the descriptor listing them.
        private static func countOpenFileDescriptors() -> Int {
            guard let directory = opendir("/proc/self/fd") else { return 0 }
            defer { closedir(directory) }
            var count = 0
            while let entry = readdir(directory) {
                if entry.pointee.d_name.0 != 0x2E { count += 1 }  // not "." or ".."
            }
            return max(0, count - 1)
        }
    #endif
}
