import Foundation
import SchemaRegistryTesting
import TestSupport
import Testing

@Suite("Process footprint")
struct FootprintTests {
    /// libpq, and OpenSSL, Kerberos, LDAP and GnuTLS behind it, are loaded only by a server with a
    /// PostgreSQL store (LibPQ.swift): a server on its embedded SQLite store maps none of them.
    @Test func aServerOnSQLiteDoesNotMapLibpq() async throws {
        let directory = TemporaryDirectory.uniquePath("sr-footprint")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        defer { try? FileManager.default.removeItem(atPath: directory + ".log") }
        let server = try await ServerProcess.start(dataDirectory: directory)
        defer { server.terminate() }
        let client = try await server.connectedClient()
        _ = try await client.registerSchema(
            .with {
                $0.subject = "footprint"
                $0.schema = avroRecord("Footprint", seed: 1)
            })
        await client.close()
        // Read to the end: procfs reports a size of 0, and a read of that size stops at one page.
        let file = try #require(FileHandle(forReadingAtPath: "/proc/\(server.processID)/maps"))
        let maps = String(decoding: try file.readToEnd() ?? Data(), as: UTF8.self)
        try file.close()
        var libraries: Set<String> = []
        for line in maps.split(separator: "\n") where line.contains("/") {
            if let name = line.split(separator: "/").last { libraries.insert(String(name)) }
        }
        #expect(libraries.contains { $0.hasPrefix("libsqlite3") }, "the maps were read: \(libraries.sorted())")
        for unwanted in ["libpq", "libssl", "libcrypto", "libgssapi", "libldap"] {
            #expect(!libraries.contains { $0.hasPrefix(unwanted) }, "\(unwanted) is mapped: \(libraries.sorted())")
        }
    }
}
