import Foundation
import TestSupport

/// What the cross-language serializer tests share: a Python script (confluent-kafka's side) run
/// to completion, and the bytes crossing as hex lines of its output.
enum SerdesCrossLanguage {
    /// Runs `script` with python3; its exit status, its whole output, and its lines.
    static func run(_ script: String) async throws -> (status: Int32, output: String, lines: [String]) {
        let path = TemporaryDirectory.uniquePath("serdes") + ".py"
        try script.write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let (status, output) = try await shell("python3 '\(path)'")
        return (status, output, output.split(separator: "\n").map(String.init))
    }

    static func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    /// The bytes of a hex line (a malformed pair is left out, so a comparison of them fails).
    static func bytes(hex line: String) -> [UInt8] {
        stride(from: 0, to: line.count - 1, by: 2).compactMap { offset -> UInt8? in
            let start = line.index(line.startIndex, offsetBy: offset)
            return UInt8(line[start..<line.index(start, offsetBy: 2)], radix: 16)
        }
    }
}
