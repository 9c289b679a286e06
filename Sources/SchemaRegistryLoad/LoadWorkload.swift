import Foundation
import NIOCore
import SRPWire
import SchemaRegistryClient

/// The requests a run sends. Bodies are encoded once at setup, except registrations, which
/// carry a schema never registered before on every call so that each one is a real write.
public struct LoadWorkload: Sendable {
    /// Tags this run's subjects, so runs against the same server do not collide.
    let runID: String
    let mix: LoadMix
    /// Registrations go to a subject until it has this many versions, then to a new one.
    let versionsPerSubject: UInt64
    /// GetSchemaById bodies, one per schema registered at setup.
    let readBodies: [ByteBuffer]
    /// ValidatePayload bodies: a valid payload against each read schema.
    let validateBodies: [ByteBuffer]
    /// CheckCompatibility of a compatible evolution against the latest version of one subject.
    let compatibilityBody: ByteBuffer

    /// Schemas registered at setup for reads and validation.
    static let readSchemas = 32

    /// The wire method of `operation`.
    static func method(_ operation: LoadOperation) -> SRPMethod {
        switch operation {
        case .getSchemaById: .getSchemaById
        case .validatePayload: .validatePayload
        case .registerSchema: .registerSchema
        case .checkCompatibility: .checkCompatibility
        }
    }

    /// The body for `operation`. `connection` and `sequence` (which counts up on each connection)
    /// name the subject and the new field of a registration, so every one registers a new version.
    func body(for operation: LoadOperation, connection: Int, sequence: UInt64, pick: Int) -> ByteBuffer {
        switch operation {
        case .getSchemaById: return readBodies[pick % readBodies.count]
        case .validatePayload: return validateBodies[pick % validateBodies.count]
        case .checkCompatibility: return compatibilityBody
        case .registerSchema:
            let request = Srp_RegisterSchemaRequest.with {
                // Subjects of a bounded number of versions, as in real registries: registration
                // reads a subject's whole history, so piling thousands of versions onto a few
                // subjects would measure that rather than the registry's steady state.
                $0.subject = "load-\(runID)-w\(connection)-\(sequence / versionsPerSubject)"
                $0.schemaType = .avro
                $0.schema = Self.writeSchema(unique: UInt64(connection) << 40 | sequence)
            }
            return ByteBuffer(bytes: (try? request.serializedBytes() as [UInt8]) ?? [])
        }
    }

    /// A record whose one optional field is new: any two such schemas are compatible both ways
    /// (the reader fills the missing field with its default, and skips the other), so the writes
    /// succeed under whatever level the server defaults to, and each one is checked for real.
    static func writeSchema(unique: UInt64) -> String {
        #"{"type":"record","name":"LoadWrite","namespace":"load","fields":[{"name":"id","type":"long"},"#
            + #"{"name":"f\#(unique)","type":["null","string"],"default":null}]}"#
    }

    /// A read schema of a dozen typed fields (about 700 bytes), distinct per `index`.
    static func readSchema(index: Int) -> String {
        let extra = (0..<10).map {
            #"{"name":"attribute_\#($0)","type":"string","doc":"attribute \#($0) of \#(index)"}"#
        }
        return #"{"type":"record","name":"LoadRead\#(index)","namespace":"load","fields":["#
            + #"{"name":"id","type":"long"},{"name":"score","type":"double"},"# + extra.joined(separator: ",") + "]}"
    }

    /// A payload valid against every read schema.
    static let readPayload: String = {
        let extra = (0..<10).map { #""attribute_\#($0)":"value \#($0)""# }
        return #"{"id":42,"score":1.5,"# + extra.joined(separator: ",") + "}"
    }()

    /// Registers what the reads need and checks, once, that each kind of request succeeds.
    public static func prepare(client: SchemaRegistryClient, mix: LoadMix, versionsPerSubject: Int) async throws
        -> LoadWorkload
    {
        let runID = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        var ids: [UInt32] = []
        for index in 0..<readSchemas {
            let registered = try await client.registerSchema(
                .with {
                    $0.subject = "load-\(runID)-r\(index)"
                    $0.schema = readSchema(index: index)
                })
            ids.append(registered.id)
        }
        let checked = "load-\(runID)-c"
        _ = try await client.registerSchema(
            .with {
                $0.subject = checked
                $0.schema = writeSchema(unique: 0)
            })
        let validation = try await client.validatePayload(
            .with {
                $0.id = ids[0]
                $0.payload = Data(readPayload.utf8)
            })
        guard validation.valid else { throw LoadSetupError("the load payload does not validate: \(validation.errors)") }

        let compatibility = Srp_CheckCompatibilityRequest.with {
            $0.subject = checked
            $0.schema = writeSchema(unique: 1)
        }
        guard try await client.checkCompatibility(compatibility).isCompatible else {
            throw LoadSetupError("the compatibility probe is not compatible")
        }
        return LoadWorkload(
            runID: runID, mix: mix, versionsPerSubject: UInt64(versionsPerSubject),
            readBodies: try ids.map { id in
                ByteBuffer(bytes: try Srp_GetSchemaByIdRequest.with { $0.id = id }.serializedBytes() as [UInt8])
            },
            validateBodies: try ids.map { id in
                let request = Srp_ValidatePayloadRequest.with {
                    $0.id = id
                    $0.payload = Data(readPayload.utf8)
                }
                return ByteBuffer(bytes: try request.serializedBytes() as [UInt8])
            },
            compatibilityBody: ByteBuffer(bytes: try compatibility.serializedBytes() as [UInt8]))
    }
}

/// Setup of a load run failed (the server is reachable but does not behave as the load needs).
struct LoadSetupError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
