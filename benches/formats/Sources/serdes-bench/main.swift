import Foundation
import SchemaFormats
import SchemaRegistryCore

// What a Kafka client pays per record beside the registry (issue 18 and 17), against the same
// work in Python (peers/serdes_peers.py runs both and prints the ratios):
//   serdes-bench avro <schema.json> <datum.avro> <n>       decode + encode of one Avro datum
//   serdes-bench protobuf <file.proto> <payload.bin> <index> <n>   validate a binary message

/// This process's CPU time in seconds (steadier than wall time when other work shares the cores).
func cpuSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
}

func rate(_ label: String, _ n: Int, _ body: () throws -> Void) rethrows {
    for _ in 0..<max(1, n / 10) { try body() }  // warm-up
    let start = ContinuousClock.now
    let cpuStart = cpuSeconds()
    for _ in 0..<n { try body() }
    let seconds = (ContinuousClock.now - start) / .seconds(1)
    let cpu = cpuSeconds() - cpuStart
    print(
        "\(label): \(n) ops in \(String(format: "%.3f", seconds)) s = \(Int(Double(n) / seconds)) ops/s "
            + "(CPU \(Int(Double(n) / cpu)) ops/s)")
}

let arguments = CommandLine.arguments
func file(_ index: Int) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: arguments[index])) }

switch arguments.dropFirst().first {
case "avro" where arguments.count == 5:
    let schema = try AvroFormat().parse(
        String(decoding: try file(2), as: UTF8.self), references: [], normalize: false)
    let datum = [UInt8](try file(3))
    let value = try AvroBinaryCodec.decode(datum[...], schema: schema)
    let again = try AvroBinaryCodec.encode(value, schema: schema)
    precondition(again == datum, "the round trip changed the bytes")
    try rate("swift avro decode+encode", Int(arguments[4])!) {
        let decoded = try AvroBinaryCodec.decode(datum[...], schema: schema)
        _ = try AvroBinaryCodec.encode(decoded, schema: schema)
    }
case "protobuf" where arguments.count == 6:
    let format = ProtobufFormat()
    let schema = try format.parse(String(decoding: try file(2), as: UTF8.self), references: [], normalize: false)
    let payload = [UInt8](try file(3))
    let indexes = [Int(arguments[4])!]
    let errors = format.validate(datum: payload[...], messageIndexes: indexes, against: schema)
    precondition(errors?.isEmpty == true, "the payload does not validate: \(String(describing: errors))")
    rate("swift protobuf validate", Int(arguments[5])!) {
        _ = format.validate(datum: payload[...], messageIndexes: indexes, against: schema)
    }
default:
    print("usage: serdes-bench avro <schema.json> <datum.avro> <n> | protobuf <file.proto> <payload> <index> <n>")
    exit(2)
}
