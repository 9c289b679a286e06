import Foundation
import SchemaFormats
import Testing

/// The checker's one rule, tested on generated schemas: when it says the reader reads what
/// the writer wrote, no document our validator accepts under the writer fails the reader.
///
/// Each case is a writer, a reader made from it by a few mutations (`SoundnessGenerator`),
/// and candidate documents; the pair is checked both ways (BACKWARD with the mutant as the
/// new schema, FORWARD with it as the old). Seeded: a failure names its seed, and the same
/// seed gives the same case everywhere.
@Suite("JSON Schema compatibility: soundness on generated schemas")
struct JSONSchemaCompatibilityPropertyTests {
    /// A few seconds in a debug build; `JSCOMPAT_SOUNDNESS_CASES=200000` (and
    /// `JSCOMPAT_SOUNDNESS_FIRST_SEED`) search further by hand, and
    /// `JSCOMPAT_SOUNDNESS_TRACE=1` writes each case to stderr before it runs (to find a hang).
    static let cases = ProcessInfo.processInfo.environment["JSCOMPAT_SOUNDNESS_CASES"].flatMap { Int($0) } ?? 2_000
    static let firstSeed =
        ProcessInfo.processInfo.environment["JSCOMPAT_SOUNDNESS_FIRST_SEED"].flatMap { Int($0) } ?? 0
    static let trace = ProcessInfo.processInfo.environment["JSCOMPAT_SOUNDNESS_TRACE"] != nil

    @Test func compatibleMeansEveryWriterDocumentPassesTheReader() {
        var compatible = 0
        var documents = 0
        var failures = 0
        for seed in Self.firstSeed..<(Self.firstSeed + Self.cases) {
            var generator = SoundnessGenerator(SeededEntropy(state: UInt64(seed)))
            let generated = generator.makeCase()
            if Self.trace {
                let line = "seed \(seed): \(generated.writer.serialized()) -> \(generated.reader.serialized())\n"
                FileHandle.standardError.write(Data(line.utf8))
            }
            var swapped = generated
            swap(&swapped.writer, &swapped.reader)
            for (direction, testCase) in [("BACKWARD", generated), ("FORWARD", swapped)] {
                switch SoundnessOracle.check(testCase) {
                case .compatible(let checked):
                    compatible += 1
                    documents += checked
                case .unsound(let writer, let reader, let document):
                    failures += 1
                    let (writerAge, readerAge) = direction == "BACKWARD" ? ("old", "new") : ("new", "old")
                    if failures <= 10 {
                        Issue.record(
                            """
                            unsound \(direction) verdict (seed \(seed), mutations \(generated.mutations)): compatible, yet
                              writer (\(writerAge)): \(writer)
                              reader (\(readerAge)): \(reader)
                              document valid under the writer only: \(document)
                            """)
                    }
                case .incompatible, .invalidSchema: break
                }
            }
        }
        #expect(failures == 0, "\(failures) unsound verdicts in \(Self.cases) cases")
        print(
            "soundness: \(Self.cases) cases, \(compatible) compatible verdicts, \(documents) writer documents checked")
        // Guards the generator: the property means little if hardly anything is compatible.
        #expect(compatible > Self.cases / 5, "only \(compatible) compatible verdicts")
        #expect(documents > compatible, "only \(documents) documents checked")
    }
}
