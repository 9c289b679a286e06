import CoreMetrics
import Synchronization

/// Publishes totals that are counted elsewhere (cache tiers, the store pool, the process's CPU
/// time) as Prometheus counters: swift-metrics counters only add, so each scrape adds what the
/// total grew by since the last one. Scrapes are serialized (two at once would each add the
/// same growth); a total that went down (its source restarted) resets the counter, which
/// `rate()` reads as a counter reset.
final class ScrapeCounters: Sendable {
    private let published = Mutex<[String: Double]>([:])

    /// Runs `body`, which reads the totals and sets them, as one scrape.
    func scrape(_ body: (inout Writer) -> Void) {
        published.withLock { published in
            var writer = Writer(published: published)
            body(&writer)
            published = writer.published
        }
    }

    struct Writer {
        fileprivate var published: [String: Double]

        /// Sets counter `label` (with `dimensions`) to `total`.
        mutating func set(_ label: String, _ dimensions: [(String, String)] = [], to total: Double) {
            let counter = FloatingPointCounter(label: label, dimensions: dimensions)
            update(label, dimensions, to: total, reset: counter.reset) { counter.increment(by: $0) }
        }

        /// The same for a count (exposed as an integer).
        mutating func set(_ label: String, _ dimensions: [(String, String)] = [], to total: Int) {
            let counter = Counter(label: label, dimensions: dimensions)
            update(label, dimensions, to: Double(total), reset: counter.reset) { counter.increment(by: Int64($0)) }
        }

        private mutating func update(
            _ label: String, _ dimensions: [(String, String)], to total: Double, reset: () -> Void,
            add: (Double) -> Void
        ) {
            let key = dimensions.reduce(label) { "\($0),\($1.0)=\($1.1)" }
            let previous = published[key] ?? 0
            if total < previous {
                reset()
                add(total)
            } else if total > previous {
                add(total - previous)
            }
            published[key] = total
        }
    }
}
