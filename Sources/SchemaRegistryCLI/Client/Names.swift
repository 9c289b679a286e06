import SRPWire

/// The names the CLI prints and parses for the protocol's enums (Confluent's spelling).
enum Names {
    static let levels: [(name: String, level: Srp_CompatibilityLevel)] = [
        ("NONE", .none), ("BACKWARD", .backward), ("BACKWARD_TRANSITIVE", .backwardTransitive),
        ("FORWARD", .forward), ("FORWARD_TRANSITIVE", .forwardTransitive), ("FULL", .full),
        ("FULL_TRANSITIVE", .fullTransitive),
    ]

    static let modes: [(name: String, mode: Srp_Mode)] = [
        ("READWRITE", .readwrite), ("READONLY", .readonly), ("IMPORT", .import),
    ]

    static func level(_ level: Srp_CompatibilityLevel) -> String {
        levels.first { $0.level == level }?.name ?? (level == .unspecified ? "UNSPECIFIED" : "LEVEL_\(level.rawValue)")
    }

    static func mode(_ mode: Srp_Mode) -> String {
        modes.first { $0.mode == mode }?.name ?? (mode == .unspecified ? "UNSPECIFIED" : "MODE_\(mode.rawValue)")
    }

    static func schemaType(_ type: Srp_SchemaType) -> String {
        switch type {
        case .avro: "AVRO"
        case .json: "JSON"
        case .protobuf: "PROTOBUF"
        case .UNRECOGNIZED(let value): "TYPE_\(value)"
        }
    }
}
