import NIOCore
import SRPWire
import SchemaFormats
import SchemaRegistryCore

import struct Foundation.Data

/// Compatibility levels and modes, global (`subject` nil) and per subject; and the extensions.
extension RESTAPI {
    func getConfig(_ subject: String?, _ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let answer = try await perform(
            .getConfig,
            Srp_GetConfigRequest.with {
                $0.subject = Self.subjectOrGlobal(subject)
                $0.defaultToGlobal = subject == nil || request.flag("defaultToGlobal")
            }, principal, dispatcher.getConfig)
        return .json(
            RESTJSON.object([("compatibilityLevel", .string(try ProtoMapping.level(answer.compatibility).rawValue))]))
    }

    /// `PUT /config[/{subject}]` with `{"compatibility": "FULL"}`. Confluent's other config
    /// fields (rules, metadata defaults, aliases, per-subject normalize) are refused, not ignored.
    func setConfig(_ subject: String?, _ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let body = try RESTBody.object(request.body)
        for field in [
            "alias", "compatibilityGroup", "defaultMetadata", "overrideMetadata", "defaultRuleSet",
            "overrideRuleSet", "validateFields", "validateRules",
        ]
        where body[field].map({ $0 != .null && $0 != .bool(false) }) ?? false {
            throw RegistryError(
                .invalidCompatibilityLevel, "Config field '\(field)' is not supported by this registry.")
        }
        if body["normalize"] == .bool(true) {
            throw RegistryError(
                .invalidCompatibilityLevel,
                "Config field 'normalize' is not supported by this registry: pass normalize=true on each request.")
        }
        let named = body["compatibility"] ?? body["compatibilityLevel"]
        guard case .string(let text)? = named, let level = CompatibilityLevel(rawValue: text.uppercased()) else {
            throw RegistryError(
                .invalidCompatibilityLevel,
                "Invalid compatibility level \(named?.serialized() ?? "(none given)"). Valid values are "
                    + CompatibilityLevel.allCases.map(\.rawValue).joined(separator: ", ") + ".")
        }
        let answer = try await perform(
            .setConfig,
            Srp_SetConfigRequest.with {
                $0.subject = Self.subjectOrGlobal(subject)
                $0.compatibility = ProtoMapping.level(level)
            }, principal, dispatcher.setConfig)
        return .json(
            RESTJSON.object([("compatibility", .string(try ProtoMapping.level(answer.compatibility).rawValue))]))
    }

    func deleteConfig(_ subject: String?, _ principal: Principal?) async throws -> RESTResponse {
        let answer = try await perform(
            .deleteConfig, Srp_DeleteConfigRequest.with { $0.subject = Self.subjectOrGlobal(subject) }, principal,
            dispatcher.deleteConfig)
        return .json(
            RESTJSON.object([("compatibilityLevel", .string(try ProtoMapping.level(answer.compatibility).rawValue))]))
    }

    func getMode(_ subject: String?, _ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let answer = try await perform(
            .getMode,
            Srp_GetModeRequest.with {
                $0.subject = Self.subjectOrGlobal(subject)
                $0.defaultToGlobal = subject == nil || request.flag("defaultToGlobal")
            }, principal, dispatcher.getMode)
        return .json(RESTJSON.object([("mode", .string(try ProtoMapping.mode(answer.mode).rawValue))]))
    }

    /// `PUT /mode[/{subject}]` with `{"mode": "READONLY"}`; `force` allows IMPORT over schemas.
    func setMode(_ subject: String?, _ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let body = try RESTBody.object(request.body)
        guard case .string(let text)? = body["mode"], let mode = RegistryMode(rawValue: text.uppercased()) else {
            throw RegistryError(
                .invalidMode,
                "Invalid mode \(body["mode"]?.serialized() ?? "(none given)"). Valid values are "
                    + RegistryMode.allCases.map(\.rawValue).joined(separator: ", ") + ".")
        }
        let answer = try await perform(
            .setMode,
            Srp_SetModeRequest.with {
                $0.subject = Self.subjectOrGlobal(subject)
                $0.mode = ProtoMapping.mode(mode)
                $0.force = request.flag("force")
            }, principal, dispatcher.setMode)
        return .json(RESTJSON.object([("mode", .string(try ProtoMapping.mode(answer.mode).rawValue))]))
    }

    /// `DELETE /mode[/{subject}]`: SRP has no such method; it needs what setting a mode needs.
    func deleteMode(_ subject: String?, _ principal: Principal?) async throws -> RESTResponse {
        try Authorization.check(
            .setMode, Srp_SetModeRequest.with { $0.subject = Self.subjectOrGlobal(subject) }, principal)
        let removed = try await service.deleteMode(subject: subject)
        return .json(RESTJSON.object([("mode", .string(removed.rawValue))]))
    }

    // MARK: Extensions (/x-registry/v1)

    /// `POST /x-registry/v1/search`: SRP's SearchSchemas.
    func search(_ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let body = try RESTBody.object(request.body)
        let string = { (name: String) throws -> String in
            guard let value = body[name], value != .null else { return "" }
            guard case .string(let text) = value else {
                throw RegistryError(.invalidRequest, "\(name) must be a string.")
            }
            return text
        }
        let flag = { (name: String) throws -> Bool in
            guard let value = body[name], value != .null else { return false }
            guard case .bool(let on) = value else { throw RegistryError(.invalidRequest, "\(name) must be a boolean.") }
            return on
        }
        var query = Srp_SearchSchemasRequest()
        query.subjectPrefix = try string("subjectPrefix")
        query.text = try string("text")
        query.query = try string("query")
        query.pageToken = try string("pageToken")
        query.includeDeleted = try flag("includeDeleted")
        query.latestOnly = try flag("latestOnly")
        query.pageSize = UInt32(clamping: max(0, try RESTBody.optionalInt(body["pageSize"], "pageSize") ?? 0))
        if let tags = body["tags"], tags != .null {
            guard case .array(let items) = tags, let names = Optional(items.compactMap(\.stringValue)),
                names.count == items.count
            else { throw RegistryError(.invalidRequest, "tags must be an array of strings.") }
            query.tags = names
        }
        if let metadata = body["metadata"], metadata != .null {
            guard case .object(let pairs) = metadata else {
                throw RegistryError(.invalidRequest, "metadata must be an object of strings.")
            }
            for (key, value) in pairs.members {
                guard case .string(let text) = value else {
                    throw RegistryError(.invalidRequest, "metadata.\(key) must be a string.")
                }
                query.metadata[key] = text
            }
        }
        let page = try await perform(.searchSchemas, query, principal, dispatcher.searchSchemas)
        var answer = JSONObject([("results", .array(page.results.map(RESTJSON.schemaVersion)))])
        if !page.nextPageToken.isEmpty { answer["nextPageToken"] = .string(page.nextPageToken) }
        return .json(.object(answer))
    }

    /// `POST /x-registry/v1/validate`: SRP's ValidatePayload. `payload` is the JSON value itself,
    /// or a string holding JSON text.
    func validate(_ request: RESTRequest, _ principal: Principal?) async throws -> RESTResponse {
        let body = try RESTBody.object(request.body)
        var validation = Srp_ValidatePayloadRequest()
        if let encoded = body["payloadBase64"], encoded != .null {
            guard case .string(let text) = encoded, let bytes = Data(base64Encoded: text) else {
                throw RegistryError(.invalidRequest, "payloadBase64 must be base64 text.")
            }
            validation.payload = bytes
        } else if let payload = body["payload"] {
            if case .string(let text) = payload {
                validation.payload = Data(text.utf8)
            } else {
                validation.payload = Data(payload.serialized().utf8)
            }
        } else {
            throw RegistryError(
                .invalidRequest, "Give the payload to validate: {\"payload\": ...} or {\"payloadBase64\": \"...\"}.")
        }
        if body["payloadBase64"] != nil, body["id"] == nil, body["subject"] == nil {
            // The frame names the schema.
        } else if let id = try RESTBody.optionalInt(body["id"], "id") {
            guard id > 0, id <= Int(Int32.max) else { throw RegistryError(.schemaNotFound, "Schema \(id) not found.") }
            validation.id = UInt32(id)
        } else if case .string(let subject)? = body["subject"] {
            var number: Int32 = -1
            switch body["version"] {
            case nil, .null?: break
            case .string(let text)?: number = try Self.versionNumber(text)
            case let value?: number = try Self.versionNumber(value.serialized())
            }
            validation.subjectVersion = .with {
                $0.subject = subject
                $0.version = number
            }
        } else {
            throw RegistryError(
                .invalidRequest, "Name the schema: {\"id\": N} or {\"subject\": \"...\", \"version\": N}.")
        }
        let answer = try await perform(.validatePayload, validation, principal) { request in
            try await dispatcher.validateReadable(request, principal)
        }
        let errors = answer.errors.map { error in
            RESTJSON.object([("path", .string(error.instanceLocation)), ("message", .string(error.message))])
        }
        return .json(RESTJSON.object([("valid", .bool(answer.valid)), ("errors", .array(errors))]))
    }
}
