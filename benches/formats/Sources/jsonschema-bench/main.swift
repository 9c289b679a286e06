import Foundation
import SchemaFormats

/// Schemas and documents written by peers/gen.py (argument 1, default ./data).
let dataDirectory = CommandLine.arguments.dropFirst().first ?? "data"

func measure(_ label: String, iterations: Int, _ body: () -> Void) {
    let clock = ContinuousClock()
    for _ in 0..<max(1, iterations / 10) { body() }
    var samples: [Double] = []
    for _ in 0..<5 {
        let start = clock.now
        for _ in 0..<iterations { body() }
        let elapsed = clock.now - start
        samples.append(
            (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) / Double(iterations))
    }
    samples.sort()
    print("\(label): median \(String(format: "%.2f", samples[2] * 1e6)) us per validation (\(Int(1 / samples[2]))/s)")
}

for n in [10, 100, 500] {
    let schema = try JSONParser().parse(String(contentsOfFile: "\(dataDirectory)/schema\(n).json", encoding: .utf8))
    let doc = try JSONParser().parse(String(contentsOfFile: "\(dataDirectory)/doc\(n).json", encoding: .utf8))
    let validator = try JSONSchemaValidator(schema: schema)
    precondition(validator.isValid(doc))
    let iterations = [10: 200_000, 100: 20_000, 500: 4000][n]!
    measure("ours isValid \(n) properties", iterations: iterations) { _ = validator.isValid(doc) }
    measure("ours validate (all errors) \(n) properties", iterations: iterations) { _ = validator.validate(doc) }
}
