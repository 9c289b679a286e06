// The JSON parser and the JSON Schema compiler (default draft 2020-12, meta-schema check
// included). The input is the schema text.
//
// Checked: what parses serialises to JSON that parses to an equal value; schema failures
// are INVALID_SCHEMA; the canonical text is a fixed point; the compatibility checker runs
// on the schema against itself; the compiled schema validates an instance (the schema
// document itself) with `validate` and `isValid` agreeing.
import FuzzSupport
import SchemaFormats
import SchemaRegistryCore

private let format = JSONSchemaFormat()
private let checker = JSONSchemaCompatibilityChecker()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    var bytes = Array(input)
    guard let value = try? JSONParser().parse(bytes: &bytes) else { return 0 }
    for sorted in [false, true] {
        let text = value.serialized(sortedKeys: sorted)
        guard let back = try? JSONParser().parse(text) else { fatalError("serialised JSON does not parse: \(text)") }
        fuzzCheck(back == value, "JSON round trip changed the value: \(text)")
    }
    let parsed: ParsedSchema
    do {
        parsed = try format.parse(String(decoding: input, as: UTF8.self), references: [], normalize: false)
    } catch let error as RegistryError {
        fuzzCheck(error.code == .invalidSchema, "parse failed with \(error.code.rawValue): \(error.message)")
        return 0
    } catch {
        fatalError("parse threw \(type(of: error)): \(error)")
    }
    guard let again = try? format.parse(parsed.canonicalText, references: [], normalize: false) else {
        fatalError("canonical text does not parse: \(parsed.canonicalText)")
    }
    fuzzCheck(again.canonicalText == parsed.canonicalText, "canonical text not stable: \(parsed.canonicalText)")
    // Only "no crash": the checker reports what it cannot prove (anchors, unknown keywords)
    // as incompatible, by design, so a schema need not be compatible with itself.
    _ = checker.incompatibilities(reader: parsed, writer: again)
    let validator = parsed.model as! JSONSchemaValidator
    let errors = validator.validate(value)
    fuzzCheck(errors.isEmpty == validator.isValid(value), "validate and isValid disagree")
    return 0
}

@main
enum Main {
    static func main() { runLibFuzzer(fuzz, warmUp: ["{\"type\":\"object\",\"pattern\":\"^a\"}"]) }
}
