// The payload validators, Avro (JSON encoding) and JSON Schema.
//
// Input: byte 0 < 0x80 picks one of the fixed schemas below (modulo their count) and the
// rest is the payload; byte 0 >= 0x80 makes the rest `schema NUL payload`, an Avro schema
// when byte 0 is even and a JSON schema when odd (inputs whose schema does not parse are
// skipped). Checked: no crash, a validator for every parsed schema, and for JSON Schema
// `validate` and `isValid` agree.
import FuzzSupport
import SchemaFormats
import SchemaRegistryCore

private let avro = AvroFormat()
private let json = JSONSchemaFormat()

private let avroSchemas = [
    #"""
    {"type":"record","name":"Order","namespace":"com.example","fields":[
     {"name":"id","type":"long"},{"name":"ok","type":"boolean","default":true},
     {"name":"price","type":{"type":"bytes","logicalType":"decimal","precision":9,"scale":2}},
     {"name":"when","type":{"type":"long","logicalType":"timestamp-millis"}},
     {"name":"tag","type":["null","string",{"type":"enum","name":"Kind","symbols":["A","B","C"]}],"default":null},
     {"name":"hash","type":{"type":"fixed","name":"MD5","size":16}},
     {"name":"lines","type":{"type":"array","items":{"type":"record","name":"Line","fields":[
       {"name":"sku","type":"string"},{"name":"qty","type":"int"},{"name":"weight","type":["float","double"]}]}}},
     {"name":"attrs","type":{"type":"map","values":["null","long","bytes"]}},
     {"name":"next","type":["null","Order"],"default":null}]}
    """#,
    #"["null","int","long","float","double","boolean","string","bytes",{"type":"array","items":"string"}]"#,
    #"{"type":"map","values":{"type":"fixed","name":"Dur","size":12,"logicalType":"duration"}}"#,
]

private let jsonSchemas = [
    #"""
    {"$schema":"https://json-schema.org/draft/2020-12/schema","$id":"https://example.com/order",
     "type":"object","required":["id","lines"],
     "properties":{"id":{"type":"integer","minimum":1,"multipleOf":1},
      "email":{"type":"string","format":"email","maxLength":64},
      "code":{"type":"string","pattern":"^[A-Z]{2,3}-\\d+$"},
      "lines":{"type":"array","minItems":1,"uniqueItems":true,"items":{"$ref":"#/$defs/line"},
        "contains":{"properties":{"qty":{"const":1}}},"maxContains":3},
      "kind":{"enum":["a","b",null,1.5,{"x":[1]}]},
      "next":{"$ref":"#"}},
     "patternProperties":{"^x-":{"type":["string","number"]}},
     "dependentRequired":{"email":["id"]},
     "dependentSchemas":{"code":{"required":["kind"]}},
     "unevaluatedProperties":false,
     "$defs":{"line":{"type":"object","properties":{"sku":{"type":"string","minLength":1},
       "qty":{"type":"number","exclusiveMinimum":0,"multipleOf":0.01}},
       "oneOf":[{"required":["sku"]},{"required":["qty"]}],"additionalProperties":{"not":{}}}}}
    """#,
    #"""
    {"$schema":"http://json-schema.org/draft-07/schema#","definitions":{"node":{"type":"object",
     "properties":{"value":{"anyOf":[{"type":"string","format":"date-time"},{"type":"integer","maximum":100}]},
     "children":{"type":"array","items":{"$ref":"#/definitions/node"},"additionalItems":false}},
     "if":{"required":["value"]},"then":{"propertyNames":{"maxLength":8}},"else":{"minProperties":1}}},
     "$ref":"#/definitions/node"}
    """#,
    #"""
    {"$schema":"http://json-schema.org/draft-04/schema#","type":"array",
     "items":[{"type":"string","format":"ipv4"},{"type":"string","format":"uri"},{"type":"number","maximum":5,"exclusiveMaximum":true}],
     "additionalItems":{"type":"boolean"}}
    """#,
]

/// Parsed once per process: a fixed schema that does not parse is a bug in this file.
private let fixed: [(format: any SchemaFormat, schema: ParsedSchema)] =
    avroSchemas.map { (avro as any SchemaFormat, try! avro.parse($0, references: [], normalize: false)) }
    + jsonSchemas.map { (json as any SchemaFormat, try! json.parse($0, references: [], normalize: false)) }

private func validate(_ format: any SchemaFormat, _ schema: ParsedSchema, _ payload: [UInt8]) {
    guard let errors = format.validate(payload: payload, against: schema) else {
        fatalError("no validator for a parsed \(format.type) schema")
    }
    guard let validator = schema.model as? JSONSchemaValidator else { return }
    var bytes = payload
    guard let instance = try? JSONParser().parse(bytes: &bytes) else {
        fuzzCheck(errors.count == 1, "a payload that is not JSON gives \(errors.count) errors")
        return
    }
    fuzzCheck(errors.isEmpty == validator.isValid(instance), "validate and isValid disagree")
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let selector = input.first else { return 0 }
    let rest = input.dropFirst()
    if selector < 0x80 {
        let (format, schema) = fixed[Int(selector) % fixed.count]
        validate(format, schema, Array(rest))
        return 0
    }
    guard let split = rest.firstIndex(of: 0) else { return 0 }
    let format: any SchemaFormat = selector & 1 == 0 ? avro : json
    guard
        let schema = try? format.parse(
            String(decoding: rest[..<split], as: UTF8.self), references: [], normalize: false)
    else { return 0 }
    validate(format, schema, Array(rest[(split + 1)...]))
    return 0
}

@main
enum Main {
    static func main() { runLibFuzzer(fuzz, warmUp: ["\u{0}{}", "\u{3}{}", "\u{80}\"int\"\u{0}1", "\u{81}{}\u{0}1"]) }
}
