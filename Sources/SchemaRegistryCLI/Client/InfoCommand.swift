import ArgumentParser
import SRPWire

/// `info`: what the server is and how much it holds.
struct InfoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "info",
        abstract: "Show the server's id, version, store and counts.",
        discussion: """
            Also a quick way to check that the server answers (exit 6 if it does not).

            Example:
              schema-registry info
              server    schema-registry-1
              version   0.1.0
              store     sqlite
              schemas   120
              subjects  31
              uptime    2h 5m 12s
              ...
              cache l1     hits 9120, misses 31, 118 entries, 140 KiB
              cache redis  hits 25, misses 6 (available)
            """)

    @OptionGroup(title: "Connection and output") var connection: ConnectionOptions

    func run() async throws {
        try await connection.withSession { session in
            let info = try await session.client().serverInfo(.init(), options: session.callOptions)
            session.output.emit([
                "serverId": info.serverID, "serverVersion": info.serverVersion, "store": info.store,
                "schemaCount": Int(info.schemaCount), "subjectCount": Int(info.subjectCount),
                "uptimeMs": Int(info.uptimeMs), "protocolVersions": info.protocolVersions.map { Int($0) },
                "schemaTypes": info.schemaTypes.map(Names.schemaType),
                "warmupLoaded": Int(info.warmupLoaded), "warmupDone": info.warmupDone,
                "caches": info.caches.map { tier -> [String: Any] in
                    [
                        "tier": tier.tier, "hits": Int(tier.hits), "misses": Int(tier.misses),
                        "entries": Int(tier.entries), "bytes": Int(tier.bytes), "available": tier.available,
                        "errors": Int(tier.errors),
                    ]
                },
            ]) {
                TextView.table(
                    [
                        ["server", info.serverID], ["version", info.serverVersion], ["store", info.store],
                        ["schemas", String(info.schemaCount)], ["subjects", String(info.subjectCount)],
                        ["uptime", Self.duration(milliseconds: info.uptimeMs)],
                        ["protocol", info.protocolVersions.map(String.init).joined(separator: ", ")],
                        ["types", info.schemaTypes.map(Names.schemaType).joined(separator: ", ")],
                        ["warm-up", "\(info.warmupLoaded) schemas\(info.warmupDone ? "" : " (in progress)")"],
                    ] + info.caches.map { tier in ["cache \(tier.tier)", Self.describe(tier)] })
            }
        }
    }

    /// `hits 9120, misses 31, 118 entries, 140 KiB`; Redis adds availability and errors.
    static func describe(_ tier: Srp_CacheTierStats) -> String {
        var text = "hits \(tier.hits), misses \(tier.misses)"
        if tier.entries > 0 { text += ", \(tier.entries) entries, \(Self.byteCount(Int(tier.bytes)))" }
        if tier.errors > 0 { text += ", \(tier.errors) errors" }
        if tier.tier != "l1" { text += tier.available ? " (available)" : " (bypassed: circuit open)" }
        return text
    }

    /// `2h 5m 12s`, `5m 0s`, `12s`, `340ms`.
    static func duration(milliseconds: UInt64) -> String {
        guard milliseconds >= 1000 else { return "\(milliseconds)ms" }
        let seconds = milliseconds / 1000
        let (days, hours, minutes) = (seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60)
        var parts: [String] = []
        if days > 0 { parts.append("\(days)d") }
        if days > 0 || hours > 0 { parts.append("\(hours)h") }
        if days > 0 || hours > 0 || minutes > 0 { parts.append("\(minutes)m") }
        parts.append("\(seconds % 60)s")
        return parts.joined(separator: " ")
    }

    /// `999 B`, `1.5 KiB`, `140 KiB`, `2.3 MiB`: never "0 KiB" for a few hundred bytes.
    static func byteCount(_ bytes: Int) -> String {
        let units = ["KiB", "MiB", "GiB", "TiB"]
        guard bytes >= 1024 else { return "\(bytes) B" }
        var value = Double(bytes) / 1024
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        let rounded = value < 10 ? (value * 10).rounded() / 10 : value.rounded()
        let text = rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
        return "\(text) \(units[unit])"
    }
}
