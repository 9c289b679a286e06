import Foundation
import Synchronization

/// The live progress line on stderr: at most once a second, the latest interval's numbers.
/// On a terminal it rewrites one line in place; elsewhere (`--progress` into a file) it
/// prints one line per update.
public final class LoadProgress: Sendable {
    private let label: String
    private let rewritesLine: Bool
    private let lastPrinted = Mutex<ContinuousClock.Instant?>(nil)

    /// - Parameters:
    ///   - label: starts the line (the scenario).
    ///   - rewritesLine: redraw one line in place (a terminal) instead of printing a line per update.
    public init(label: String, rewritesLine: Bool) {
        self.label = label
        self.rewritesLine = rewritesLine
    }

    /// Whether stderr is a terminal (the line is shown by default only there).
    public static var stderrIsTerminal: Bool { isatty(STDERR_FILENO) != 0 }

    func update(point: LoadIntervalPoint, pending: Int, totalSeconds: Double) {
        let now = ContinuousClock.now
        let due = lastPrinted.withLock { last in
            guard last.map({ now - $0 >= .milliseconds(950) }) ?? true else { return false }
            last = now
            return true
        }
        guard due else { return }
        let clock = String(format: "%6.1f/%.0f s", point.tS, totalSeconds)
        let rates = String(format: "offered %7.0f/s  achieved %7.0f/s", point.offeredRps, point.achievedRps)
        let latency = "p50 \(Self.milliseconds(point.latency.p50Us))  p99 \(Self.milliseconds(point.latency.p99Us))"
        let line = "[\(label)] \(clock)  \(rates)  \(latency)  errors \(point.errors)  in flight \(pending)"
        write(rewritesLine ? "\r\u{1B}[K" + line : line + "\n")
    }

    /// Ends the rewritten line so what follows starts on a fresh one.
    func finish() {
        if rewritesLine { write("\n") }
    }

    static func milliseconds(_ microseconds: UInt64) -> String {
        String(format: "%.2f ms", Double(microseconds) / 1000)
    }

    private func write(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }
}
