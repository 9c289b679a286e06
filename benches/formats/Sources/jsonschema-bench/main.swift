import Foundation
import SchemaFormats

/// Schemas and documents written by peers/gen.py (argument 1, default ./data); argument 2,
/// when given, is a mode: `profile N` loops isValid at N properties for perf.
let dataDirectory = CommandLine.arguments.dropFirst().first ?? "data"

/// The process's CPU time in seconds: steady when other work shares the cores.
func cpuSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Prints the median of 5 timed loops, CPU time first (what benches/README.md quotes) and wall time.
func measure(_ label: String, iterations: Int, _ body: () -> Void) {
    for _ in 0..<max(1, iterations / 10) { body() }
    var cpu: [Double] = []
    var wall: [Double] = []
    for _ in 0..<5 {
        let wallStart = DispatchTime.now().uptimeNanoseconds
        let cpuStart = cpuSeconds()
        for _ in 0..<iterations { body() }
        cpu.append((cpuSeconds() - cpuStart) / Double(iterations))
        wall.append(Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9 / Double(iterations))
    }
    cpu.sort()
    wall.sort()
    print(
        "\(label): median \(String(format: "%.3f", cpu[2] * 1e6)) us CPU per validation "
            + "(wall \(String(format: "%.3f", wall[2] * 1e6)) us)")
}

func load(_ n: Int) throws -> (JSONSchemaValidator, JSONValue) {
    let schema = try JSONParser().parse(String(contentsOfFile: "\(dataDirectory)/schema\(n).json", encoding: .utf8))
    let doc = try JSONParser().parse(String(contentsOfFile: "\(dataDirectory)/doc\(n).json", encoding: .utf8))
    let validator = try JSONSchemaValidator(schema: schema)
    precondition(validator.isValid(doc))
    return (validator, doc)
}

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.count >= 3, arguments[1] == "profile" {
    let n = Int(arguments[2]) ?? 100
    let (validator, doc) = try load(n)
    let seconds = arguments.count >= 4 ? Double(arguments[3]) ?? 10 : 10
    let start = cpuSeconds()
    var count = 0
    while cpuSeconds() - start < seconds {
        for _ in 0..<1000 where validator.isValid(doc) { count += 1 }
    }
    print("profile: \(count) validations")
} else {
    for n in [10, 100, 500] {
        let (validator, doc) = try load(n)
        let iterations = [10: 200_000, 100: 20_000, 500: 4000][n]!
        measure("ours isValid \(n) properties", iterations: iterations) { _ = validator.isValid(doc) }
        measure("ours validate (all errors) \(n) properties", iterations: iterations) { _ = validator.validate(doc) }
    }
}
