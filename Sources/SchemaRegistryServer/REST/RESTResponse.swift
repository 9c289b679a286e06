import NIOCore
import NIOHTTP1
import SchemaFormats
import SchemaRegistryCore

/// One answer of the REST API: status, body, and the headers it needs beyond the usual ones.
struct RESTResponse: Sendable {
    static let confluentMediaType = "application/vnd.schemaregistry.v1+json"

    var status: HTTPResponseStatus
    var body: ByteBuffer
    /// nil: the media type the client's `Accept` header asked for (Confluent's by default).
    var contentType: String? = nil
    var headers: [(String, String)] = []
    /// Close the connection after this answer (a request the server could not read to its end).
    var close = false

    static func json(_ value: JSONValue, status: HTTPResponseStatus = .ok) -> RESTResponse {
        RESTResponse(status: status, body: ByteBuffer(string: value.serialized()))
    }

    /// Confluent's error entity `{"error_code": ..., "message": ...}`.
    static func error(
        _ status: HTTPResponseStatus, code: Int, _ message: String, headers: [(String, String)] = []
    ) -> RESTResponse {
        let body = RESTJSON.object([
            ("error_code", RESTJSON.int(code)), ("message", .string(EchoedText.message(message))),
        ])
        return RESTResponse(status: status, body: ByteBuffer(string: body.serialized()), headers: headers)
    }

    /// What a request threw, as Confluent answers it: a registry error's HTTP status is the first
    /// three digits of its code (40401 -> 404), a three-digit code is its own status.
    static func failure(_ error: any Error, route: RESTRoute) -> RESTResponse {
        switch error {
        case let error as RESTError:
            return .error(error.status, code: error.code, error.message, headers: error.headers)
        case let error as RegistryError:
            let code = error.code.rawValue
            // 50003 (the store or a tier behind it unavailable, retry later) is 503, not 500.
            let status =
                error.code == .unavailable
                ? .serviceUnavailable : HTTPResponseStatus(statusCode: code >= 10_000 ? code / 100 : code)
            var message = error.message
            if !error.details.isEmpty {
                message += " " + error.details.prefix(20).joined(separator: "; ")
            }
            let retry: [(String, String)] = error.code == .unavailable ? [("retry-after", "1")] : []
            return .error(status, code: code, message, headers: retry)
        case let error as RequestDispatcher.MalformedRequest:
            return .error(.unprocessableEntity, code: 42209, error.message)
        default:
            return .error(.internalServerError, code: 50001, "\(route.name) failed: \(error)")
        }
    }

    /// The media type of an answer: Confluent's unless the client accepts only another JSON one.
    static func mediaType(accepting accept: String?) -> String {
        guard let accept, !accept.isEmpty else { return confluentMediaType }
        let types = accept.split(separator: ",").map {
            $0.split(separator: ";").first.map { String($0).filter { $0 != " " }.lowercased() } ?? ""
        }
        if types.contains(confluentMediaType) || types.contains("*/*") || types.contains("application/*") {
            return confluentMediaType
        }
        if types.contains("application/vnd.schemaregistry+json") { return "application/vnd.schemaregistry+json" }
        if types.contains("application/json") { return "application/json" }
        return confluentMediaType
    }
}
