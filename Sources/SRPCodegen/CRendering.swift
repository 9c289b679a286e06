/// Names of the C client's declarations, by protoc-c's rules (protobuf-c's `c_helpers.cc`), so
/// what is rendered here names the types and descriptors protoc-c generates.
enum CNaming {
    /// `GetSchemaById` → `get_schema_by_id`: an underscore before each capital that follows a
    /// lower-case letter or digit (protoc-c's `CamelToLower`; `HTTPServer` → `httpserver`).
    static func lower(_ camel: String) -> String {
        var result = ""
        var previousWasUpper = true
        for character in camel {
            if character.isUppercase {
                if !previousWasUpper { result.append("_") }
                result += character.lowercased()
                previousWasUpper = true
            } else {
                result.append(character)
                previousWasUpper = false
            }
        }
        return result
    }

    /// `srp.GetSchemaByIdRequest` → `Srp__GetSchemaByIdRequest` (protoc-c's `FullNameToC`).
    static func typeName(protoName: String) -> String {
        protoName.split(separator: ".").map { camel(String($0)) }.joined(separator: "__")
    }

    /// `srp.GetSchemaByIdRequest` → `srp__get_schema_by_id_request__descriptor`.
    static func descriptor(protoName: String) -> String {
        protoName.split(separator: ".").map { lower(String($0)) }.joined(separator: "__") + "__descriptor"
    }

    /// `get_schema_by_id` → `GetSchemaById`; an already camel-cased name keeps its capitals (protoc-c's `ToCamel`).
    private static func camel(_ name: String) -> String {
        var result = ""
        var capitalizeNext = true
        for character in name {
            if character == "_" {
                capitalizeNext = true
            } else if capitalizeNext {
                result += character.uppercased()
                capitalizeNext = false
            } else {
                result.append(character)
            }
        }
        return result
    }
}

/// The C header comment: the same two lines as the Swift files' headers (`//` is C99).
private func cHeader(_ header: [String], guardName: String, about: [String]) -> [String] {
    header + [""] + about.map { $0.isEmpty ? "//" : "// " + $0 } + ["#ifndef \(guardName)", "#define \(guardName)", ""]
}

/// `clients/c/generated/sr_methods_generated.h`: the `sr_method` enum and the X-macro lists the
/// library builds its method table and call functions from.
func renderCMethodTable(_ service: ServiceDescription, header: [String], skipping: Set<String>) -> String {
    let byID = service.rpcs.sorted { $0.methodID < $1.methodID }
    var out = cHeader(
        header, guardName: "SR_METHODS_GENERATED_H",
        about: [
            "The methods of \(service.fullName), by their stable wire ids ((srp.method_id) in proto/): the only",
            "place the C client has them. Included by srclient.h.",
        ])
    out.append("/* Method ids, the `code` of a REQUEST ((srp.method_id) in proto/srp.proto). */")
    out.append("typedef enum sr_method {")
    for (index, rpc) in byID.enumerated() {
        let comma = index < byID.count - 1 ? "," : ""
        out.append("    SR_METHOD_\(CNaming.lower(rpc.name).uppercased()) = \(rpc.methodID)\(comma)")
    }
    out.append("} sr_method;")
    out.append("")

    func xMacro(_ name: String, _ rpcs: [RPCDescription]) {
        out.append("#define \(name)(X) \\")
        for (index, rpc) in rpcs.enumerated() {
            let head =
                "    X(\(CNaming.lower(rpc.name)), \(rpc.name), \(rpc.methodID), "
                + "\(CNaming.descriptor(protoName: rpc.requestProtoName)),"
            let tail =
                "\(CNaming.descriptor(protoName: rpc.responseProtoName)))" + (index < rpcs.count - 1 ? " \\" : "")
            if head.count + 1 + tail.count <= maximumLineLength {
                out.append(head + " " + tail)
            } else {
                // Continued under the arguments, as clang-format breaks a long call.
                out.append(head + " \\")
                out.append("      " + tail)
            }
        }
    }
    out.append("/* For the library: X(snake_name, RpcName, id, request descriptor, response descriptor), one row")
    out.append(" * per rpc by id. SR_METHOD_LIST has every rpc; SR_CALL_LIST those with an sr_<name> call (Hello")
    out.append(" * is sent by the handshake only). */")
    xMacro("SR_METHOD_LIST", byID)
    out.append("")
    xMacro("SR_CALL_LIST", byID.filter { !skipping.contains($0.name) })
    out.append("")
    out.append("#endif")
    return out.joined(separator: "\n") + "\n"
}

/// `clients/c/generated/sr_calls_generated.h`: one blocking call per rpc, declared plainly (not
/// through a macro) so C bindings that parse declarations see them. Defined by SR_CALL_LIST in
/// src/sr_call.c.
func renderCCalls(_ service: ServiceDescription, header: [String], skipping: Set<String>) -> String {
    var out = cHeader(
        header, guardName: "SR_CALLS_GENERATED_H",
        about: [
            "One blocking call per rpc of \(service.fullName) (see sr_call in srclient.h, which includes this",
            "file where sr_client and sr_reply are declared).",
        ])
    for rpc in service.rpcs where !skipping.contains(rpc.name) {
        for line in rpc.comment { out.append(line.isEmpty ? "/* */" : "/* \(line) */") }
        let head = "SR_API sr_reply *sr_\(CNaming.lower(rpc.name))("
        let request = "sr_client *c, const \(CNaming.typeName(protoName: rpc.requestProtoName)) *req, "
        let oneLine = head + request + "int timeout_ms);"
        if oneLine.count <= maximumLineLength {
            out.append(oneLine)
        } else {
            // clang-format's break: the last parameter under the first.
            out.append(head + request.dropLast())
            out.append(String(repeating: " ", count: head.count) + "int timeout_ms);")
        }
    }
    out.append("")
    out.append("#endif")
    return out.joined(separator: "\n") + "\n"
}
