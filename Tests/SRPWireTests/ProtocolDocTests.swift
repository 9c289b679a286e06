import Foundation
import SRPWire
import Testing

/// docs/PROTOCOL.md's tables are normative: keep them in step with the code.
@Suite("docs/PROTOCOL.md")
struct ProtocolDocTests {
    private static func document() throws -> String {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("docs/PROTOCOL.md")
        return try String(contentsOf: url, encoding: .utf8)
    }

    /// The cells of the table rows between two marker lines.
    private static func rows(in text: String, from start: String, to end: String) -> [[String]] {
        guard let from = text.range(of: start), let to = text.range(of: end, range: from.upperBound..<text.endIndex)
        else { return [] }
        return text[from.upperBound..<to.lowerBound].split(separator: "\n").filter { $0.hasPrefix("| ") }.map { line in
            line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
        }
    }

    @Test("the method table lists every method with its id, name and default cost")
    func methodTable() throws {
        let rows = Self.rows(in: try Self.document(), from: "<!-- method-table", to: "<!-- end method-table -->")
            .filter { Int($0[0]) != nil }
        #expect(rows.count == SRPMethod.allCases.count)
        for method in SRPMethod.allCases {
            let row = rows.first { Int($0[0]) == Int(method.rawValue) }
            #expect(row?[1] == method.name, "method \(method.rawValue)")
            #expect(row.flatMap { Int($0[4]) } == method.defaultCost, "cost of \(method.name)")
        }
    }

    @Test("the protocol status table names every status 0-18 as StatusCode does")
    func statusTable() throws {
        let rows = Self.rows(in: try Self.document(), from: "### 7.1 Protocol statuses", to: "### 7.2")
        for raw in UInt16(0)...18 {
            let row = rows.first { $0.first == String(raw) }
            #expect(row?[1] == StatusCode(rawValue: raw).description, "status \(raw)")
        }
    }
}
