import ArgumentParser
import SRPWire

/// `avro`, `json` or `protobuf`, any case.
struct SchemaTypeArgument: ExpressibleByArgument {
    var value: Srp_SchemaType

    init?(argument: String) {
        switch argument.lowercased() {
        case "avro": value = .avro
        case "json", "jsonschema", "json-schema": value = .json
        case "protobuf", "proto": value = .protobuf
        default: return nil
        }
    }

    static var allValueStrings: [String] { ["avro", "json", "protobuf"] }
}

/// A version number, or `latest` (sent as -1).
struct VersionArgument: ExpressibleByArgument, CustomStringConvertible {
    var value: Int32

    init?(argument: String) {
        if argument.lowercased() == "latest" || argument == "-1" {
            value = -1
        } else if let number = Int32(argument), number > 0 {
            value = number
        } else {
            return nil
        }
    }

    static var latest: VersionArgument { VersionArgument(argument: "latest")! }

    var description: String { value == -1 ? "latest" : String(value) }
    var defaultValueDescription: String { description }
}

/// A compatibility level by its Confluent name (`BACKWARD_TRANSITIVE`), any case, `-` or `_`.
struct LevelArgument: ExpressibleByArgument {
    var value: Srp_CompatibilityLevel

    init?(argument: String) {
        let name = argument.uppercased().replacing("-", with: "_")
        guard let level = Names.levels.first(where: { $0.name == name })?.level else { return nil }
        value = level
    }

    static var allValueStrings: [String] { Names.levels.map(\.name) }
}

/// A mode by name: READWRITE, READONLY or IMPORT, any case.
struct ModeArgument: ExpressibleByArgument {
    var value: Srp_Mode

    init?(argument: String) {
        let name = argument.uppercased().replacing("-", with: "").replacing("_", with: "")
        guard let mode = Names.modes.first(where: { $0.name == name })?.mode else { return nil }
        value = mode
    }

    static var allValueStrings: [String] { Names.modes.map(\.name) }
}

/// `name=subject:version`: a reference from the schema to another subject's version.
struct ReferenceArgument: ExpressibleByArgument {
    var value: Srp_SchemaReference

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="),
            let colon = argument[equals...].lastIndex(of: ":")
        else { return nil }
        let name = argument[..<equals]
        let subject = argument[argument.index(after: equals)..<colon]
        guard !name.isEmpty, !subject.isEmpty,
            let version = VersionArgument(argument: String(argument[argument.index(after: colon)...]))
        else { return nil }
        value = .with {
            $0.name = String(name)
            $0.subject = String(subject)
            $0.version = version.value
        }
    }
}

/// `key=value`.
struct KeyValueArgument: ExpressibleByArgument {
    var key: String
    var value: String

    init?(argument: String) {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else { return nil }
        key = String(argument[..<equals])
        value = String(argument[argument.index(after: equals)...])
    }

    static func dictionary(_ pairs: [KeyValueArgument]) -> [String: String] {
        Dictionary(pairs.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }
}
