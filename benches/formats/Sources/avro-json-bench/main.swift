import Foundation
import SchemaFormats
import SchemaRegistryCore

/// Avro JSON-encoding payload validation (`AvroFormat.validate(payload:against:)`, what
/// ValidatePayload runs for JSON payloads) on the records peers/gen_avro.py wrote (argument 1):
/// JSON parse + check, and the parse alone (fastavro, the peer, takes a parsed datum).
let dataDirectory = CommandLine.arguments.dropFirst().first ?? "data"

/// The process's CPU time in seconds: steady when other work shares the cores.
func cpuSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
}

/// Prints the median of 5 timed loops: CPU time (quoted) and wall time.
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
        "\(label): median \(String(format: "%.3f", cpu[2] * 1e6)) us CPU "
            + "(wall \(String(format: "%.3f", wall[2] * 1e6)) us)")
}

let format = AvroFormat()
let profile = CommandLine.arguments.count >= 4 && CommandLine.arguments[2] == "profile"
for n in profile ? [Int(CommandLine.arguments[3]) ?? 100] : [10, 100, 500] {
    let schemaText = try String(contentsOfFile: "\(dataDirectory)/avro\(n).avsc", encoding: .utf8)
    let payload = Array(try String(contentsOfFile: "\(dataDirectory)/avrojson\(n).json", encoding: .utf8).utf8)
    let schema = try format.parse(schemaText, references: [], normalize: false)
    precondition(format.validate(payload: payload, against: schema)?.isEmpty == true)
    if profile {
        let start = cpuSeconds()
        while cpuSeconds() - start < 5 {
            for _ in 0..<1000 { _ = format.validate(payload: payload, against: schema) }
        }
        break
    }
    let iterations = [10: 100_000, 100: 10_000, 500: 2000][n]!
    measure("ours avro JSON parse + validate \(n) fields", iterations: iterations) {
        _ = format.validate(payload: payload, against: schema)
    }
    measure("ours JSON parse alone \(n) fields", iterations: iterations) {
        var bytes = payload
        _ = try? JSONParser().parse(bytes: &bytes)
    }
}
