import Foundation
import SchemaFormats
import SchemaRegistryCore

// One format operation a fixed number of times, for `valgrind --tool=callgrind`: instruction
// counts are the same from run to run on a busy machine, where timed loops here vary by half.
// benches/formats/instructions.sh runs each operation at two counts and prints the difference
// per operation (start-up and input reading cancel out).
//
//   format-ops DATA OPERATION COUNT
//   OPERATION: avro-parse-N, json-parse-N, avro-json-validate-N (N = 10, 100 or 500: the files
//   peers/gen_avro.py wrote), jsonschema-validate-N (peers/gen.py's schemaN/docN),
//   json-serialize-N (the Avro schema of N fields written back as JSON text), json-string-N (its
//   text as one JSON string, as a REST answer carries a schema)

let arguments = CommandLine.arguments
guard arguments.count == 4, let count = Int(arguments[3]) else {
    FileHandle.standardError.write(Data("usage: format-ops DATA OPERATION COUNT\n".utf8))
    exit(2)
}
let data = arguments[1]
let operation = arguments[2]
let size = Int(operation.split(separator: "-").last ?? "") ?? 0
func text(_ name: String) -> String { (try? String(contentsOfFile: "\(data)/\(name)", encoding: .utf8)) ?? "" }

let avro = AvroFormat()
switch operation.split(separator: "-").dropLast().joined(separator: "-") {
case "avro-parse":
    let schema = text("avro\(size).avsc")
    for _ in 0..<count { _ = try avro.parse(schema, references: [], normalize: false) }
case "json-parse":
    let payload = Array(text("avrojson\(size).json").utf8)
    for _ in 0..<count {
        var bytes = payload
        _ = try JSONParser().parse(bytes: &bytes)
    }
case "avro-json-validate":
    let schema = try avro.parse(text("avro\(size).avsc"), references: [], normalize: false)
    let payload = Array(text("avrojson\(size).json").utf8)
    for _ in 0..<count { precondition(avro.validate(payload: payload, against: schema)?.isEmpty == true) }
case "jsonschema-validate":
    let validator = try JSONSchemaValidator(schema: JSONParser().parse(text("schema\(size).json")))
    let document = try JSONParser().parse(text("doc\(size).json"))
    for _ in 0..<count { precondition(validator.isValid(document)) }
case "json-serialize":
    let value = try JSONParser().parse(text("avro\(size).avsc"))
    for _ in 0..<count { _ = value.serialized() }
case "json-string":
    let value = JSONValue.string(text("avro\(size).avsc"))
    for _ in 0..<count { _ = value.serialized() }
default:
    FileHandle.standardError.write(Data("unknown operation \(operation)\n".utf8))
    exit(2)
}
