import Glibc
import SchemaFormats
import SchemaRegistryCore

/// This thread's CPU time in nanoseconds: unlike wall time, it does not grow when other
/// processes share the cores, so a busy machine still gives a usable number.
func threadCPUNanoseconds() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
}

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
    var cpuSamples: [Double] = []
    for _ in 0..<5 {
        let start = clock.now
        let cpuStart = threadCPUNanoseconds()
        for _ in 0..<iterations { try body() }
        cpuSamples.append(Double(threadCPUNanoseconds() - cpuStart) / Double(iterations) / 1000)
        samples.append((clock.now - start) / iterations)
    }
    samples.sort()
    cpuSamples.sort()
    let cpu = (cpuSamples[2] * 10).rounded() / 10
    print("\(label): median \(samples[2]) per op (CPU \(cpu) us)")
}

let format = ProtobufFormat()
// `protobuf-bench profile`: only parse + canonicalise at 500 fields, for a profiler.
if CommandLine.arguments.dropFirst().first == "profile" {
    let text = proto(500)
    for _ in 0..<2000 { _ = try format.parse(text, references: [], normalize: false) }
    exit(0)
}
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
