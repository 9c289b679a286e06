// The Protobuf format: the .proto compiler, the canonical printer, the compatibility checker
// and the payload validators. The input is .proto text; a NUL byte, when present, splits off a
// payload after it (validated as JSON and as a framed binary datum).
//
// Checked: failures are INVALID_SCHEMA; the canonical text is a fixed point (compiling it gives
// the same canonical text); a schema is compatible with itself; validators never crash.
import FuzzSupport
import SchemaFormats
import SchemaRegistryCore

private let format = ProtobufFormat()

private func parse(_ text: String, normalize: Bool) -> ParsedSchema? {
    do {
        return try format.parse(text, references: [], normalize: normalize)
    } catch let error as RegistryError {
        fuzzCheck(error.code == .invalidSchema, "parse failed with \(error.code.rawValue): \(error.message)")
        return nil
    } catch {
        fatalError("parse threw \(type(of: error)): \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var schemaBytes = input[...]
    var payload: [UInt8] = []
    if let split = input.firstIndex(of: 0) {
        schemaBytes = input[..<split]
        payload = Array(input[(split + 1)...])
    }
    let text = String(decoding: schemaBytes, as: UTF8.self)
    for normalize in [false, true] {
        guard let parsed = parse(text, normalize: normalize) else { return 0 }
        guard let again = parse(parsed.canonicalText, normalize: normalize) else {
            fatalError("canonical text does not compile: \(parsed.canonicalText)")
        }
        fuzzCheck(again.canonicalText == parsed.canonicalText, "canonical text not stable: \(parsed.canonicalText)")
        let problems = format.compatibilityChecker!.incompatibilities(reader: parsed, writer: again)
        fuzzCheck(problems.isEmpty, "schema incompatible with itself: \(problems)")
        _ = format.validate(payload: payload, against: parsed)
        _ = format.validate(datum: payload[...], messageIndexes: [0], against: parsed)
    }
    return 0
}

@main
enum Main {
    static func main() {
        runLibFuzzer(fuzz, warmUp: ["syntax = \"proto3\"; message A { int32 a = 1; map<string, A> m = 2; }"])
    }
}
