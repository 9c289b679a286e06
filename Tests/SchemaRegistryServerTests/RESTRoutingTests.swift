import NIOCore
import NIOHTTP1
import SchemaRegistryCore
import Testing

@testable import SchemaRegistryServer

/// The REST API's pure parts: routes, query parameters, version and id parsing, GUIDs.
@Suite("REST routing")
struct RESTRoutingTests {
    private func route(_ method: HTTPMethod, _ path: String) -> Result<RESTRoute, RESTRouter.Failure> {
        RESTRouter.route(method, path: path)
    }

    @Test("Confluent's paths name their operations, with path parameters percent-decoded")
    func confluentPaths() {
        #expect(route(.GET, "/") == .success(.root))
        #expect(route(.GET, "/schemas/ids/7") == .success(.schemaByID("7")))
        #expect(route(.GET, "/schemas/ids/7/schema") == .success(.schemaTextByID("7")))
        #expect(route(.GET, "/schemas/guids/x") == .success(.schemaByGUID("x")))
        #expect(route(.POST, "/subjects/a%2Fb/versions") == .success(.register(subject: "a/b")))
        #expect(
            route(.GET, "/subjects/s/versions/latest/schema") == .success(.versionText(subject: "s", version: "latest"))
        )
        #expect(
            route(.POST, "/compatibility/subjects/s/versions/3") == .success(.compatibility(subject: "s", version: "3"))
        )
        #expect(route(.POST, "/compatibility/subjects/s/versions") == .success(.compatibilityAll(subject: "s")))
        #expect(route(.DELETE, "/config") == .success(.deleteConfig(subject: nil)))
        #expect(route(.PUT, "/mode/s") == .success(.setMode(subject: "s")))
        #expect(route(.GET, "/v1/metadata/id") == .success(.clusterID))
        #expect(route(.POST, "/x-registry/v1/validate") == .success(.validate))
        // A trailing slash or doubled slashes name the same resource.
        #expect(route(.GET, "/subjects/") == .success(.subjects))
        // HEAD is answered as GET (without a body).
        #expect(route(.HEAD, "/subjects") == .success(.subjects))
    }

    @Test("an unknown path is 404; a known path with another method is 405 with the methods it has")
    func failures() {
        #expect(route(.GET, "/nope") == .failure(.notFound))
        #expect(route(.GET, "/subjects/a/versions/1/schema/extra") == .failure(.notFound))
        #expect(route(.GET, "/v2/subjects") == .failure(.notFound))
        #expect(route(.GET, "/subjects/%zz") == .failure(.notFound), "not percent-encoding")
        #expect(route(.DELETE, "/schemas/ids/1") == .failure(.methodNotAllowed(allowed: [.GET])))
        #expect(route(.PATCH, "/config") == .failure(.methodNotAllowed(allowed: [.GET, .PUT, .DELETE])))
        #expect(route(.RAW(value: "QUERY"), "/subjects") == .failure(.methodNotAllowed(allowed: [.GET])))
    }

    @Test("query parameters: percent-decoded, + as space, repeats kept in order, booleans as Confluent reads them")
    func query() {
        let request = RESTRequest(
            route: .subjects, method: .GET, target: "/subjects?key=a&key=b%20c&x=1+2&deleted=TRUE&force=yes",
            headers: [:], body: .init())
        #expect(request.values("key") == ["a", "b c"])
        #expect(request.query["x"] == "1 2")
        #expect(request.flag("deleted"))
        #expect(!request.flag("force"), "only true (any case) is true")
        #expect(request.flag("absent", default: true))
        #expect(throws: RESTError.self) {
            try RESTRequest(route: .subjects, method: .GET, target: "/s?offset=x", headers: [:], body: .init())
                .integer("offset", default: 0)
        }
    }

    @Test("offset and limit page a list as Confluent pages it (limit -1: all)")
    func paging() throws {
        let page = { (query: String) in
            try RESTRequest(route: .subjects, method: .GET, target: "/subjects?" + query, headers: [:], body: .init())
                .page(Array(1...5))
        }
        #expect(try page("") == [1, 2, 3, 4, 5])
        #expect(try page("offset=0&limit=-1") == [1, 2, 3, 4, 5])
        #expect(try page("offset=1&limit=2") == [2, 3])
        #expect(try page("offset=9") == [])
    }

    @Test("versions: a number in [1, 2^31-1], latest or -1; anything else is 42202")
    func versions() throws {
        #expect(try RESTAPI.versionNumber("latest") == -1)
        #expect(try RESTAPI.versionNumber("-1") == -1)
        #expect(try RESTAPI.versionNumber("2147483647") == Int32.max)
        for bad in ["abc", "0", "-2", "1.0", "99999999999", "", " 1"] {
            #expect(throws: RegistryError.self, "\(bad)") {
                do {
                    _ = try RESTAPI.versionNumber(bad)
                } catch let error as RegistryError {
                    #expect(error.code == .invalidVersion)
                    throw error
                }
            }
        }
        #expect(throws: RegistryError.self) { try RESTAPI.schemaID("-1") }
        #expect(throws: RegistryError.self) { try RESTAPI.schemaID("1.5") }
    }

    @Test("a GUID carries its schema's id and is checked against the schema's text")
    func guids() {
        let schema = StoredSchema(id: 4242, type: .avro, text: #"{"type":"string"}"#, references: [])
        let guid = SchemaGUID.of(schema)
        #expect(guid.count == 36)
        #expect(Array(guid)[14] == "8", "version 8 (custom)")
        #expect(SchemaGUID.id(in: guid) == 4242)
        #expect(SchemaGUID.id(in: guid.uppercased()) == 4242)
        var other = schema
        other.text = #"{"type":"int"}"#
        #expect(SchemaGUID.of(other) != guid, "another text, another GUID")
        #expect(SchemaGUID.id(in: "123e4567-e89b-12d3-a456-426614174000") == nil, "not one of ours")
        #expect(SchemaGUID.id(in: "nope") == nil)
    }

    @Test("errors: HTTP status from the first three digits of the registry code; Retry-After on 50003")
    func errorMapping() {
        let notFound = RESTResponse.failure(RegistryError(.subjectNotFound, "Subject 'x' not found."), route: .subjects)
        #expect(notFound.status == .notFound)
        #expect(String(buffer: notFound.body) == #"{"error_code":40401,"message":"Subject 'x' not found."}"#)
        let conflict = RESTResponse.failure(RegistryError(.incompatibleSchema, "no"), route: .subjects)
        #expect(conflict.status == .conflict)
        let unavailable = RESTResponse.failure(RegistryError(.unavailable, "later"), route: .subjects)
        #expect(unavailable.status == .serviceUnavailable)
        #expect(unavailable.headers.contains { $0.0 == "retry-after" })
    }

    @Test("answers use the media type the client accepts, Confluent's by default")
    func mediaTypes() {
        #expect(RESTResponse.mediaType(accepting: nil) == "application/vnd.schemaregistry.v1+json")
        #expect(RESTResponse.mediaType(accepting: "*/*") == "application/vnd.schemaregistry.v1+json")
        #expect(RESTResponse.mediaType(accepting: "application/json") == "application/json")
        #expect(
            RESTResponse.mediaType(accepting: "application/vnd.schemaregistry+json; q=0.9")
                == "application/vnd.schemaregistry+json")
    }
}
