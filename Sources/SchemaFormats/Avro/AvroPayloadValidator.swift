import SchemaRegistryCore

/// Validates a payload written in Avro's JSON encoding, reporting every error found.
enum AvroPayloadValidator {
    static func validate(payload: [UInt8], model: AvroModel) -> [PayloadError] {
        var bytes = payload
        let value: JSONValue
        do {
            value = try JSONParser().parse(bytes: &bytes)
        } catch {
            return [
                PayloadError(instanceLocation: "", schemaLocation: "", message: "payload is not valid JSON: \(error)")
            ]
        }
        var checker = AvroValueChecker(model: model, encoding: .json)
        // Locations and messages are only built for invalid payloads.
        if checker.isValid(value, model.root) { return [] }
        checker.check(value, model.root, instance: "", schemaPath: "")
        return checker.errors.map {
            PayloadError(instanceLocation: $0.instanceLocation, schemaLocation: $0.schemaLocation, message: $0.message)
        }
    }
}
