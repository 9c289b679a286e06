import SchemaRegistryCore
import TestSupport
import Testing

@testable import SQLiteStore

/// The statement cache hashes only the length and both ends of a text (`StatementKey`), so
/// texts that differ only in the middle share a hash: each must still run its own statement.
@Suite struct StatementCacheTests {
    @Test func textsThatDifferOnlyInTheMiddleRunTheirOwnStatements() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let connection = try SQLiteConnection(path: directory.path("cache.db"), readOnly: false)
        defer { connection.close() }
        let padding = String(repeating: " ", count: 40)
        let texts = ["1", "2", "3"].map { "SELECT\(padding)\($0)\(padding)AS value WHERE ? = ?" }
        #expect(Set(texts.map { StatementKey($0).hashValue }).count == 1, "the texts should share a hash")
        for _ in 0..<2 {
            let values = try texts.map { text in
                try connection.firstRow(text, [.int(1), .int(1)]) { $0.int(0) }
            }
            #expect(values == [1, 2, 3])
        }
    }

    @Test func equalTextsBuiltApartShareOneKey() {
        let table = "modes"
        let built = "SELECT mode FROM \(table) WHERE subject = ?"
        #expect(StatementKey(built) == StatementKey("SELECT mode FROM modes WHERE subject = ?"))
        #expect(StatementKey(built).hashValue == StatementKey("SELECT mode FROM modes WHERE subject = ?").hashValue)
        #expect(StatementKey(built) != StatementKey("SELECT mode FROM modes WHERE subject = ? "))
    }
}
