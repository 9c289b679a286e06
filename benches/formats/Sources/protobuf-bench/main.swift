import SchemaFormats
import SchemaRegistryCore

/// A proto3 message of `fields` fields (scalars, a repeated and a map among them).
func proto(_ fields: Int, extra: Bool = false) -> String {
    var lines = ["syntax = \"proto3\";", "package bench;", "message M {"]
    let types = ["string", "int64", "bool", "double", "bytes"]
    for number in 1...fields {
        switch number % 10 {
        case 3: lines.append("  repeated int32 f\(number) = \(number);")
        case 7: lines.append("  map<string, int64> f\(number) = \(number);")
        default: lines.append("  \(types[number % types.count]) f\(number) = \(number);")
        }
    }
    if extra { lines.append("  string added = \(fields + 1);") }
    lines.append("}")
    return lines.joined(separator: "\n")
}

func measure(_ label: String, iterations: Int, _ body: () throws -> Void) rethrows {
    let clock = ContinuousClock()
    for _ in 0..<max(1, iterations / 10) { try body() }  // warm-up
    var samples: [Duration] = []
    for _ in 0..<5 {
        let start = clock.now
        for _ in 0..<iterations { try body() }
        samples.append((clock.now - start) / iterations)
    }
    samples.sort()
    print("\(label): median \(samples[2]) per op")
}

let format = ProtobufFormat()
for fields in [10, 100, 500] {
    let old = proto(fields)
    let new = proto(fields, extra: true)
    let iterations = fields == 500 ? 100 : 1000
    try measure("protobuf parse+canonicalise \(fields) fields", iterations: iterations) {
        _ = try format.parse(old, references: [], normalize: false)
    }
    let reader = try format.parse(new, references: [], normalize: false)
    let writer = try format.parse(old, references: [], normalize: false)
    let checker = format.compatibilityChecker!
    measure("protobuf compatibility (both directions) \(fields) fields", iterations: iterations) {
        precondition(checker.incompatibilities(reader: reader, writer: writer).isEmpty)
        _ = checker.incompatibilities(reader: writer, writer: reader)
    }
}
