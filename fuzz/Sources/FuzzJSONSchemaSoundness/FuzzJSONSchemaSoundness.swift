// The JSON Schema compatibility checker's one rule, on pairs derived from the input: when it
// says a reader reads what a writer wrote, no document the validator accepts under the
// writer may fail the reader.
//
// The input drives `SoundnessGenerator` (JSONSchemaSoundnessGenerator.swift, a link to the
// file the property test in Tests/SchemaFormatsTests uses), one byte per choice: a writer,
// a reader made from it by a few mutations, and candidate documents guided by both. The pair
// is checked both ways (BACKWARD and FORWARD); an unsound verdict traps with the pair and the
// document. Pairs the registry would refuse (invalid schemas) are skipped.
import FuzzSupport
import SchemaFormats
import SchemaRegistryCore

private let format = JSONSchemaFormat()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    var generator = SoundnessGenerator(ByteEntropy(bytes: Array(UnsafeBufferPointer(start: data, count: size))))
    let generated = generator.makeCase()
    var swapped = generated
    swap(&swapped.writer, &swapped.reader)
    for (direction, testCase) in [("BACKWARD", generated), ("FORWARD", swapped)] {
        if case .unsound(let writer, let reader, let document) = SoundnessOracle.check(testCase, format: format) {
            fuzzCheck(
                false,
                "unsound \(direction) verdict (mutations \(generated.mutations)): compatible, yet the document "
                    + "\(document) is valid under the writer \(writer) and invalid under the reader \(reader)")
        }
    }
    return 0
}

@main
enum Main {
    static func main() {
        // Builds the meta-schema validators and the regex caches before leak checking starts.
        runLibFuzzer(fuzz, warmUp: ["\u{3}\u{40}\u{7}\u{1}\u{2}\u{9}", "warm up: a longer input, more choices"])
    }
}
