import Foundation

/// Reads from Linux's `/proc`: another process's memory (the server exposes none over SRP) and the load average.
public enum ProcessMemory {
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

    /// The 1, 5 and 15 minute load averages, or nil off Linux.
    public static func loadAverages() -> [Double]? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        let values = text.split(separator: " ").prefix(3).compactMap { Double($0) }
        return values.count == 3 ? values : nil
    }
}
