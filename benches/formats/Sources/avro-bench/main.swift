import SchemaFormats
import SchemaRegistryCore

func record(_ fields: Int, extra: Bool = false) -> String {
    var list = (0..<fields).map { #"{"name":"f\#($0)","type":["null","string"],"default":null}"# }
    if extra { list.append(#"{"name":"added","type":"long","default":0}"#) }
    return #"{"type":"record","name":"R","namespace":"bench","fields":[\#(list.joined(separator: ","))]}"#
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

let format = AvroFormat()
for fields in [10, 100, 500] {
    let old = record(fields)
    let new = record(fields, extra: true)
    let iterations = fields == 500 ? 200 : 2000
    try measure("avro parse+canonicalise \(fields) fields", iterations: iterations) {
        _ = try format.parse(old, references: [], normalize: false)
    }
    let reader = try format.parse(new, references: [], normalize: false)
    let writer = try format.parse(old, references: [], normalize: false)
    let checker = format.compatibilityChecker!
    measure("avro compatibility (both directions) \(fields) fields", iterations: iterations) {
        precondition(checker.incompatibilities(reader: reader, writer: writer).isEmpty)
        _ = checker.incompatibilities(reader: writer, writer: reader)
    }
}
