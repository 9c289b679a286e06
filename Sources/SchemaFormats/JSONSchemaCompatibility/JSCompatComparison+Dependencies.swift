import SchemaRegistryCore

/// Property dependencies: `dependentRequired` and `dependentSchemas` (2019-09+) and
/// `dependencies` (every draft the validator reads it in: array values are required names,
/// schema values dependent schemas). A reader's dependency on property `p` holds for every
/// writer document when the writer never produces `p`, or guarantees what the reader asks
/// of documents that have it. The writer's own dependencies only narrow it.
extension JSCompatComparison {
    func compareDependencies(reader: JSCompatNode, writer: JSCompatNode) -> [Incompatibility] {
        var found: [Incompatibility] = []
        for (keyword, name, names) in Self.requiredDependencies(of: reader) {
            guard !writerNeverHas(name, writer) else { continue }
            let guaranteed = guaranteedNames(given: name, in: writer)
            let missing = names.filter { !guaranteed.contains($0) }
            guard !missing.isEmpty else { continue }
            let declared = Self.requiredDependencies(of: writer).contains { $0.name == name }
            found.append(
                Incompatibility(
                    kind: declared ? Kind.dependencyArrayExtended : Kind.dependencyArrayAdded,
                    location: reader.location(keyword, name),
                    message: "documents with '\(name)' must now also have "
                        + missing.map { "'\($0)'" }.joined(separator: ", ")
                        + ", which the writer does not guarantee; drop the dependency or add it to the writer first"))
        }
        for (keyword, name) in Self.schemaDependencies(of: reader) {
            guard !writerNeverHas(name, writer), let schema = reader.child(keyword, name) else { continue }
            let writerSchemas = Self.schemaDependencies(of: writer).filter { $0.name == name }.compactMap {
                writer.child($0.keyword, name)
            }
            // Every writer document with `name` is valid under each of its dependent schemas
            // for it, and every writer document is valid under the writer itself.
            var closest: [Incompatibility]?
            for candidate in writerSchemas + [writer] {
                let reasons = compare(reader: schema, writer: candidate)
                if reasons.isEmpty {
                    closest = nil
                    break
                }
                if closest == nil { closest = reasons }
            }
            guard let reasons = closest, let reason = reasons.first else { continue }
            if !writerSchemas.isEmpty {
                found += reasons  // the dependent schema changed: the nested reasons say how
            } else {
                found.append(
                    Incompatibility(
                        kind: Kind.dependencySchemaAdded, location: schema.location(),
                        message: "documents with '\(name)' must now match a dependent schema the writer does not "
                            + "guarantee (\(reason.kind) at '\(reason.location)': \(reason.message)); drop it or add "
                            + "it to the writer first"))
            }
        }
        return found
    }

    /// Whether no writer document (object) has property `name`: its schema there is `false`,
    /// or a closed content model leaves it out.
    func writerNeverHas(_ name: String, _ writer: JSCompatNode) -> Bool {
        schemas(for: name, in: writer, asReader: false).contains { $0.0.isFalse }
    }

    /// The names every writer document with `name` has: `name`, `required`, and what its
    /// dependencies add, transitively.
    private func guaranteedNames(given name: String, in writer: JSCompatNode) -> Set<String> {
        let dependencies = Self.requiredDependencies(of: writer)
        var names: Set<String> = [name]
        names.formUnion(writer["required"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        var grew = true
        while grew {
            grew = false
            for dependency in dependencies where names.contains(dependency.name) {
                let before = names.count
                names.formUnion(dependency.names)
                grew = grew || names.count > before
            }
        }
        return names
    }

    /// `dependentRequired` entries and `dependencies` entries with array values.
    static func requiredDependencies(of node: JSCompatNode) -> [(keyword: String, name: String, names: [String])] {
        ["dependentRequired", "dependencies"].flatMap { keyword in
            (node[keyword]?.objectValue?.members ?? []).compactMap { member in
                member.value.arrayValue.map { (keyword, member.key, $0.compactMap(\.stringValue)) }
            }
        }
    }

    /// `dependentSchemas` entries and `dependencies` entries with schema values.
    static func schemaDependencies(of node: JSCompatNode) -> [(keyword: String, name: String)] {
        ["dependentSchemas", "dependencies"].flatMap { keyword in
            (node[keyword]?.objectValue?.members ?? []).compactMap { member in
                keyword == "dependencies" && member.value.arrayValue != nil ? nil : (keyword, member.key)
            }
        }
    }
}
