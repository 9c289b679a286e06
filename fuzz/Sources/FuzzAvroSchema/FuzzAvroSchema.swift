// The Avro schema parser, canonical forms and fingerprint. The input is schema text; a NUL
// byte, when present, splits it into a referenced schema (before) and the schema (after),
// so reference resolution is reached too.
//
// Checked: parse failures are INVALID_SCHEMA; the normal form is a fixed point (parsing it
// gives the same normal form, Parsing Canonical Form and fingerprint); the PCF parses to
// itself (where the spec makes that possible); a schema is compatible with itself.
import FuzzSupport
import SchemaFormats
import SchemaRegistryCore

private let format = AvroFormat()
private let checker = AvroCompatibilityChecker()

private func parse(_ text: String, references: [ResolvedReference], normalize: Bool) -> ParsedSchema? {
    do {
        return try format.parse(text, references: references, normalize: normalize)
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
    var references: [ResolvedReference] = []
    var schemaBytes = input[...]
    if let split = input.firstIndex(of: 0) {
        let referenceText = String(decoding: input[..<split], as: UTF8.self)
        // The registry stores a reference's normal form; only valid references get that far.
        guard let reference = parse(referenceText, references: [], normalize: false) else { return 0 }
        references.append(
            ResolvedReference(
                reference: SchemaReference(name: "ref", subject: "ref-value", version: 1),
                schema: StoredSchema(id: 1, type: .avro, text: reference.canonicalText, references: [])))
        schemaBytes = input[(split + 1)...]
    }
    let text = String(decoding: schemaBytes, as: UTF8.self)
    for normalize in [false, true] {
        guard let parsed = parse(text, references: references, normalize: normalize) else { return 0 }
        let model = parsed.model as! AvroModel
        let pcf = model.parsingCanonicalForm
        let fingerprint = model.fingerprint
        // The normal form is what the registry stores and re-parses: it must be a fixed point.
        guard let again = parse(parsed.canonicalText, references: references, normalize: normalize) else {
            fatalError("normal form does not parse: \(parsed.canonicalText)")
        }
        fuzzCheck(again.canonicalText == parsed.canonicalText, "normal form not stable: \(parsed.canonicalText)")
        let againModel = again.model as! AvroModel
        fuzzCheck(againModel.parsingCanonicalForm == pcf, "PCF changed through the normal form: \(pcf)")
        fuzzCheck(againModel.fingerprint == fingerprint, "fingerprint changed through the normal form")
        // PCF drops `namespace` and cannot say "null namespace" for a type defined inside a
        // namespaced one (the spec's own ambiguity): check it only when no type is in the null
        // namespace or all are.
        let inNullNamespace = model.namedTypes.values.filter { $0.namespace.isEmpty }.count
        if references.isEmpty, inNullNamespace == 0 || inNullNamespace == model.namedTypes.count {
            guard let reparsed = parse(pcf, references: [], normalize: false) else {
                fatalError("PCF does not parse: \(pcf)")
            }
            let model = reparsed.model as! AvroModel
            fuzzCheck(model.parsingCanonicalForm == pcf, "PCF is not a fixed point: \(pcf)")
        }
        let problems = checker.incompatibilities(reader: parsed, writer: again)
        fuzzCheck(problems.isEmpty, "schema incompatible with itself: \(problems)")
    }
    return 0
}

@main
enum Main {
    static func main() {
        runLibFuzzer(
            fuzz, warmUp: ["{\"type\":\"record\",\"name\":\"R\",\"fields\":[{\"name\":\"a\",\"type\":\"int\"}]}"])
    }
}
