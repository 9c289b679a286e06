import Foundation

/// Reads another process's memory from Linux's `/proc` (the server exposes none over SRP).
enum ProcessMemory {
    /// `VmRSS` of `pid` in KiB, or nil when it cannot be read (no such process, not Linux).
    static func residentKibibytes(pid: Int32) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
            // "VmRSS:\t   12345 kB"
            return line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first
                .flatMap { Int($0) }
        }
        return nil
    }
}
