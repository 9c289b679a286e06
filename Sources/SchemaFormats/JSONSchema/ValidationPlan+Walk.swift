extension ValidationPlan {
    /// Whether `instance` is valid: the same answer as the ``Evaluator``'s (see the type's
    /// documentation for why), without retaining the nodes it walks.
    func isValid(_ instance: JSONValue) -> Bool {
        let walker = PlanWalker(
            nodes: nodes.baseAddress!, children: children.baseAddress!, propertyNames: propertyNames.baseAddress!,
            propertyNodes: propertyNodes.baseAddress!, propertyRequired: propertyRequired.baseAddress!,
            positions: positions.baseAddress!, names: names.baseAddress!, numbers: numbers.baseAddress!,
            values: values.baseAddress!, formatAssertion: formatAssertion)
        return withExtendedLifetime(self) {
            if let limit = instanceDepthLimit, !Self.nests(instance, within: limit) {
                return walker.general(root, instance)
            }
            return walker.check(0, instance)
        }
    }

    /// Whether `value` nests at most `limit` containers deep (empty ones and scalars: 0).
    static func nests(_ value: JSONValue, within limit: Int) -> Bool {
        switch value {
        case .array(let items):
            if items.isEmpty { return true }
            return limit > 0 && items.allSatisfy { nests($0, within: limit - 1) }
        case .object(let object):
            if object.isEmpty { return true }
            return limit > 0 && object.members.allSatisfy { nests($0.value, within: limit - 1) }
        default:
            return true
        }
    }
}

/// Walks a ``ValidationPlan`` over an instance. Only pointers: copying it, or reading a node,
/// retains nothing.
struct PlanWalker {
    let nodes: UnsafeMutablePointer<PlanNode>
    let children: UnsafeMutablePointer<Int32>
    let propertyNames: UnsafeMutablePointer<String>
    let propertyNodes: UnsafeMutablePointer<Int32>
    let propertyRequired: UnsafeMutablePointer<Bool>
    let positions: UnsafeMutablePointer<[String: Int32]>
    let names: UnsafeMutablePointer<String>
    let numbers: UnsafeMutablePointer<JSONNumber>
    let values: UnsafeMutablePointer<JSONValue>
    let formatAssertion: Bool

    func check(_ index: Int32, _ value: borrowing JSONValue) -> Bool {
        let node = nodes + Int(index)
        switch node.pointee.kind {
        case .checks: break
        case .accept: return true
        case .reject: return false
        case .general: return general(node.pointee.general!, value)
        }
        let groups = node.pointee.groups
        switch value {
        case .string(let text):
            guard node.pointee.types & TypeSet.string.rawValue != 0 else { return false }
            if groups.contains(.string), !checkString(node, text) { return false }
        case .number(let number):
            let types = node.pointee.types
            if types & TypeSet.number.rawValue == 0 {
                guard types & TypeSet.integer.rawValue != 0, number.isInteger else { return false }
            }
            if groups.contains(.number), !checkNumber(node, number) { return false }
        case .object(let object):
            guard node.pointee.types & TypeSet.object.rawValue != 0 else { return false }
            if groups.contains(.object), !checkObject(node, object) { return false }
        case .array(let items):
            guard node.pointee.types & TypeSet.array.rawValue != 0 else { return false }
            if groups.contains(.array), !checkArray(node, items) { return false }
        case .bool:
            guard node.pointee.types & TypeSet.boolean.rawValue != 0 else { return false }
        case .null:
            guard node.pointee.types & TypeSet.null.rawValue != 0 else { return false }
        }
        if groups.contains(.applicators), !checkApplicators(node, value) { return false }
        if groups.contains(.values), !checkValues(node, value) { return false }
        return true
    }

    /// A child: leaves are checked here, inline, so that the loops over members and items do
    /// not copy (retain and release) each value to pass it to a call.
    @inline(__always)
    private func visit(_ index: Int32, _ value: borrowing JSONValue) -> Bool {
        let node = nodes + Int(index)
        guard node.pointee.leaf else { return check(index, value) }
        let types = node.pointee.types
        switch value {
        case .string(let text):
            guard types & TypeSet.string.rawValue != 0 else { return false }
            return !node.pointee.groups.contains(.string) || checkString(node, text)
        case .number(let number):
            if types & TypeSet.number.rawValue == 0 {
                guard types & TypeSet.integer.rawValue != 0, number.isInteger else { return false }
            }
            return !node.pointee.groups.contains(.number) || checkNumber(node, number)
        case .object: return types & TypeSet.object.rawValue != 0
        case .array: return types & TypeSet.array.rawValue != 0
        case .bool: return types & TypeSet.boolean.rawValue != 0
        case .null: return types & TypeSet.null.rawValue != 0
        }
    }

    /// A node the plan does not model: the ``Evaluator`` answers, quietly.
    @inline(never)
    func general(_ node: Unmanaged<SchemaNode>, _ value: JSONValue) -> Bool {
        var evaluator = Evaluator(formatAssertion: formatAssertion)
        evaluator.recording = false
        var none: Annotations? = nil
        let valid = node._withUnsafeGuaranteedRef { evaluator.evaluate($0, value, &none) }
        return valid && !evaluator.tooDeep
    }

    @inline(__always)
    private func checkString(_ node: UnsafeMutablePointer<PlanNode>, _ text: String) -> Bool {
        // Lengths count code points; UTF-8 bytes bound them from above, so most strings
        // are decided without counting.
        let maxLength = node.pointee.maxLength
        if maxLength != Int.max, text.utf8.count > maxLength, text.unicodeScalars.count > maxLength { return false }
        let minLength = node.pointee.minLength
        if minLength > 0, text.utf8.count < minLength || text.unicodeScalars.count < minLength { return false }
        if let simple = node.pointee.simplePattern {
            if !simple.matches(text) { return false }
        } else if let regex = node.pointee.regex {
            if !matches(regex, text) { return false }
        }
        return true
    }

    /// Out of line: Swift Regex is generic and large, the common patterns never come here.
    @inline(never)
    private func matches(_ regex: Unmanaged<CompiledPattern>, _ text: String) -> Bool {
        regex._withUnsafeGuaranteedRef { $0.matches(text) }
    }

    /// Bounds compare the doubles; only equal doubles need the exact comparison.
    @inline(__always)
    private func order(_ number: JSONNumber, _ limit: Int32) -> Int {
        let bound = numbers + Int(limit)
        let double = bound.pointee.double
        if number.double != double { return number.double < double ? -1 : 1 }
        return DecimalMath.compare(number, bound.pointee)
    }

    @inline(__always)
    private func checkNumber(_ node: UnsafeMutablePointer<PlanNode>, _ number: JSONNumber) -> Bool {
        if node.pointee.minimum >= 0, order(number, node.pointee.minimum) < 0 { return false }
        if node.pointee.exclusiveMinimum >= 0, order(number, node.pointee.exclusiveMinimum) <= 0 { return false }
        if node.pointee.maximum >= 0, order(number, node.pointee.maximum) > 0 { return false }
        if node.pointee.exclusiveMaximum >= 0, order(number, node.pointee.exclusiveMaximum) >= 0 { return false }
        if node.pointee.multipleOf >= 0, !DecimalMath.isMultiple(number, of: numbers[Int(node.pointee.multipleOf)]) {
            return false
        }
        return true
    }

    private func checkArray(_ node: UnsafeMutablePointer<PlanNode>, _ items: [JSONValue]) -> Bool {
        let count = items.count
        if count < node.pointee.minItems || count > node.pointee.maxItems { return false }
        let prefixCount = Int(node.pointee.prefixCount)
        if prefixCount > 0 {
            let prefix = children + Int(node.pointee.prefixStart)
            for offset in 0..<min(prefixCount, count) where !visit(prefix[offset], items[offset]) { return false }
        }
        let itemsNode = node.pointee.items
        if itemsNode >= 0 {
            var offset = node.pointee.itemsStart
            while offset < count {
                if !visit(itemsNode, items[offset]) { return false }
                offset += 1
            }
        }
        let containsNode = node.pointee.contains
        if containsNode >= 0 {
            var matched = 0
            for offset in 0..<count where visit(containsNode, items[offset]) { matched += 1 }
            if matched < node.pointee.minContains || matched > node.pointee.maxContains { return false }
        }
        if node.pointee.uniqueItems, Evaluator.duplicate(in: items) != nil { return false }
        return true
    }

    /// `properties`, `additionalProperties` and `required` in one pass over the members:
    /// members usually come in the schema's order, so each is matched by comparing one name.
    private func checkObject(_ node: UnsafeMutablePointer<PlanNode>, _ object: JSONObject) -> Bool {
        let count = object.count
        if count < node.pointee.minProperties || count > node.pointee.maxProperties { return false }
        let propertiesCount = Int(max(0, node.pointee.propertiesCount))
        let names = propertyNames + Int(node.pointee.propertiesStart)
        let nodes = propertyNodes + Int(node.pointee.propertiesStart)
        let required = propertyRequired + Int(node.pointee.propertiesStart)
        let additional = node.pointee.additional
        let rejects = node.pointee.additionalRejects
        let propertyNamesNode = node.pointee.propertyNames
        var requiredSeen: Int32 = 0
        // A local constant: its elements cannot change during the calls below, so they are
        // passed borrowed (through an unsafe buffer each was copied, retained and released).
        let members = object.members
        let valid = { () -> Bool in
            var hint = 0
            for member in 0..<members.count {
                var position = -1
                if hint < propertiesCount, members[member].key == names[hint] {
                    position = hint
                } else if propertiesCount > 0, let found = positions[Int(node.pointee.positions)][members[member].key] {
                    position = Int(found)
                }
                if position >= 0 {
                    hint = position + 1
                    if required[position] { requiredSeen += 1 }
                    if !visit(nodes[position], members[member].value) { return false }
                } else if rejects {
                    return false
                } else if additional >= 0, !visit(additional, members[member].value) {
                    return false
                }
                if propertyNamesNode >= 0, !check(propertyNamesNode, .string(members[member].key)) { return false }
            }
            return true
        }()
        // Member names are unique, so counting the required ones seen is enough.
        guard valid, requiredSeen == node.pointee.requiredProperties else { return false }
        let extra = self.names + Int(node.pointee.extraRequiredStart)
        for offset in 0..<Int(node.pointee.extraRequiredCount) where object[extra[offset]] == nil { return false }
        return true
    }

    private func checkApplicators(_ node: UnsafeMutablePointer<PlanNode>, _ value: JSONValue) -> Bool {
        for offset in 0..<Int(node.pointee.allCount) where !check(children[Int(node.pointee.allStart) + offset], value)
        {
            return false
        }
        if node.pointee.anyCount >= 0 {
            var matched = false
            for offset in 0..<Int(node.pointee.anyCount)
            where check(children[Int(node.pointee.anyStart) + offset], value) {
                matched = true
                break
            }
            if !matched { return false }
        }
        if node.pointee.oneCount >= 0 {
            var matches = 0
            for offset in 0..<Int(node.pointee.oneCount)
            where check(children[Int(node.pointee.oneStart) + offset], value) {
                matches += 1
                if matches > 1 { return false }
            }
            if matches != 1 { return false }
        }
        if node.pointee.not >= 0, check(node.pointee.not, value) { return false }
        if node.pointee.condition >= 0 {
            let branch = check(node.pointee.condition, value) ? node.pointee.then : node.pointee.otherwise
            if branch >= 0, !check(branch, value) { return false }
        }
        return true
    }

    private func checkValues(_ node: UnsafeMutablePointer<PlanNode>, _ value: JSONValue) -> Bool {
        if node.pointee.enumCount >= 0 {
            var found = false
            for offset in 0..<Int(node.pointee.enumCount) where values[Int(node.pointee.enumStart) + offset] == value {
                found = true
                break
            }
            if !found { return false }
        }
        if node.pointee.const >= 0, values[Int(node.pointee.const)] != value { return false }
        if node.pointee.format >= 0, FormatChecks.check(names[Int(node.pointee.format)], value) == false {
            return false
        }
        return true
    }
}
