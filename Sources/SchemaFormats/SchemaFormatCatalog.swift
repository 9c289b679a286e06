import SchemaRegistryCore

/// The formats this build knows, by type.
public enum SchemaFormatCatalog {
    public static func standard() -> [SchemaType: any SchemaFormat] {
        [
            .avro: AvroFormat(),
            .json: JSONSchemaFormat(),
        ]
    }
}
