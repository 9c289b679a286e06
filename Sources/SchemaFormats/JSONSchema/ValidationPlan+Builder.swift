extension ValidationPlan {
    /// Collects the plan's nodes and pools (as arrays; the plan copies them into buffers).
    struct Builder {
        let formatAssertion: Bool
        var index: [ObjectIdentifier: Int32] = [:]
        var nodes: [PlanNode] = []
        var children: [Int32] = []
        var propertyNames: [String] = []
        var propertyNodes: [Int32] = []
        var propertyRequired: [Bool] = []
        var positions: [[String: Int32]] = []
        var names: [String] = []
        var numbers: [JSONNumber] = []
        var values: [JSONValue] = []

        init(formatAssertion: Bool) { self.formatAssertion = formatAssertion }

        private func id(_ node: SchemaNode) -> Int32 { index[ObjectIdentifier(node)]! }

        private mutating func number(_ value: JSONNumber) -> Int32 {
            numbers.append(value)
            return Int32(numbers.count - 1)
        }

        private mutating func range(_ nodes: [SchemaNode]) -> (Int32, Int32) {
            let start = Int32(children.count)
            children += nodes.map(id)
            return (start, Int32(nodes.count))
        }

        /// The plan of `node`: its keywords as fields, or ``PlanNode/Kind/general``.
        mutating func plan(_ node: SchemaNode) -> PlanNode {
            var plan = PlanNode()
            if let constant = node.constant {
                plan.kind = constant ? .accept : .reject
                return plan
            }
            var general = PlanNode()
            general.kind = .general
            general.general = Unmanaged.passUnretained(node)
            if node.needsAnnotations { return general }
            var required: [String] = []
            var all: [SchemaNode] = []
            for compiled in node.keywords {
                guard add(compiled.keyword, to: &plan, required: &required, all: &all) else { return general }
            }
            if !all.isEmpty {
                (plan.allStart, plan.allCount) = range(all)
                plan.groups.insert(.applicators)
            }
            if !required.isEmpty { placeRequired(required, &plan) }
            if plan.types == 0x7F && plan.groups.isEmpty { plan.kind = .accept }
            plan.leaf = plan.kind == .checks && plan.groups.isSubset(of: [.string, .number]) && plan.regex == nil
            return plan
        }

        /// Marks required names that `properties` lists; the others are looked up.
        private mutating func placeRequired(_ required: [String], _ plan: inout PlanNode) {
            plan.groups.insert(.object)
            var seen = Set<String>()
            var extra: [String] = []
            for name in required where seen.insert(name).inserted {
                let start = Int(plan.propertiesStart)
                if plan.propertiesCount > 0, let position = positions[Int(plan.positions)][name] {
                    propertyRequired[start + Int(position)] = true
                    plan.requiredProperties += 1
                } else {
                    extra.append(name)
                }
            }
            plan.extraRequiredStart = Int32(names.count)
            plan.extraRequiredCount = Int32(extra.count)
            names += extra
        }

        /// Records one keyword in `plan`; false when the plan cannot model it exactly.
        private mutating func add(
            _ keyword: Keyword, to plan: inout PlanNode, required: inout [String], all: inout [SchemaNode]
        ) -> Bool {
            switch keyword {
            case .type(let types): plan.types &= types.rawValue
            case .enumeration(let options):
                guard plan.enumCount < 0 else { return false }
                plan.enumStart = Int32(values.count)
                plan.enumCount = Int32(options.count)
                values += options
                plan.groups.insert(.values)
            case .const(let value):
                guard plan.const < 0 else { return false }
                values.append(value)
                plan.const = Int32(values.count - 1)
                plan.groups.insert(.values)
            case .format(let name):
                // Only an annotation unless formats assert.
                guard formatAssertion else { return true }
                guard plan.format < 0 else { return false }
                names.append(name)
                plan.format = Int32(names.count - 1)
                plan.groups.insert(.values)
            case .maxLength(let limit):
                plan.maxLength = min(plan.maxLength, limit)
                plan.groups.insert(.string)
            case .minLength(let limit):
                plan.minLength = max(plan.minLength, limit)
                plan.groups.insert(.string)
            case .pattern(let pattern):
                guard plan.simplePattern == nil, plan.regex == nil else { return false }
                if let simple = pattern.simple {
                    plan.simplePattern = simple
                } else {
                    plan.regex = Unmanaged.passUnretained(pattern)
                }
                plan.groups.insert(.string)
            case .multipleOf, .maximum, .minimum:
                return addNumber(keyword, &plan)
            case .prefixItems, .items, .contains, .maxItems, .minItems, .uniqueItems:
                return addArray(keyword, &plan)
            case .properties, .additionalProperties, .propertyNames, .maxProperties, .minProperties:
                return addObject(keyword, &plan)
            case .required(let names):
                required += names
                plan.groups.insert(.object)
            case .allOf(let nodes): all += nodes
            case .ref(let node): all.append(node)
            default:
                return addApplicator(keyword, &plan)
            }
            return true
        }

        private mutating func addNumber(_ keyword: Keyword, _ plan: inout PlanNode) -> Bool {
            plan.groups.insert(.number)
            switch keyword {
            case .multipleOf(let divisor):
                guard plan.multipleOf < 0 else { return false }
                plan.multipleOf = number(divisor)
            case .maximum(let limit, let exclusive):
                if exclusive {
                    guard plan.exclusiveMaximum < 0 else { return false }
                    plan.exclusiveMaximum = number(limit)
                } else {
                    guard plan.maximum < 0 else { return false }
                    plan.maximum = number(limit)
                }
            case .minimum(let limit, let exclusive):
                if exclusive {
                    guard plan.exclusiveMinimum < 0 else { return false }
                    plan.exclusiveMinimum = number(limit)
                } else {
                    guard plan.minimum < 0 else { return false }
                    plan.minimum = number(limit)
                }
            default: return false
            }
            return true
        }

        private mutating func addArray(_ keyword: Keyword, _ plan: inout PlanNode) -> Bool {
            plan.groups.insert(.array)
            switch keyword {
            case .prefixItems(let nodes):
                guard plan.prefixCount < 0 else { return false }
                (plan.prefixStart, plan.prefixCount) = range(nodes)
            case .items(let node, let start):
                guard plan.items < 0 else { return false }
                plan.items = id(node)
                plan.itemsStart = start
            case .contains(let node, let minimum, let maximum, _):
                guard plan.contains < 0 else { return false }
                plan.contains = id(node)
                plan.minContains = minimum
                plan.maxContains = maximum ?? Int.max
            case .maxItems(let limit): plan.maxItems = min(plan.maxItems, limit)
            case .minItems(let limit): plan.minItems = max(plan.minItems, limit)
            case .uniqueItems: plan.uniqueItems = true
            default: return false
            }
            return true
        }

        private mutating func addObject(_ keyword: Keyword, _ plan: inout PlanNode) -> Bool {
            plan.groups.insert(.object)
            switch keyword {
            case .properties(let table):
                guard plan.propertiesCount < 0 else { return false }
                plan.propertiesStart = Int32(propertyNames.count)
                plan.propertiesCount = Int32(table.names.count)
                propertyNames += table.names
                for node in table.nodes {
                    guard let node else { return false }
                    propertyNodes.append(id(node))
                }
                propertyRequired += Array(repeating: false, count: table.names.count)
                positions.append(table.positions.mapValues { Int32($0) })
                plan.positions = Int32(positions.count - 1)
            case .additionalProperties(let node, let known, let patterns):
                // `known` is `properties`' names (checked against the table, which must
                // come first); patterns need `patternProperties`, which the plan leaves out.
                guard plan.additional < 0, patterns.isEmpty, known.names.count == max(0, Int(plan.propertiesCount))
                else { return false }
                plan.additional = id(node)
                plan.additionalRejects = node.constant == false
            case .propertyNames(let node):
                guard plan.propertyNames < 0 else { return false }
                plan.propertyNames = id(node)
            case .maxProperties(let limit): plan.maxProperties = min(plan.maxProperties, limit)
            case .minProperties(let limit): plan.minProperties = max(plan.minProperties, limit)
            default: return false
            }
            return true
        }

        private mutating func addApplicator(_ keyword: Keyword, _ plan: inout PlanNode) -> Bool {
            plan.groups.insert(.applicators)
            switch keyword {
            case .anyOf(let nodes):
                guard plan.anyCount < 0 else { return false }
                (plan.anyStart, plan.anyCount) = range(nodes)
            case .oneOf(let nodes):
                guard plan.oneCount < 0 else { return false }
                (plan.oneStart, plan.oneCount) = range(nodes)
            case .not(let node):
                guard plan.not < 0 else { return false }
                plan.not = id(node)
            case .conditional(let condition, let then, let otherwise):
                guard plan.condition < 0 else { return false }
                plan.condition = id(condition)
                plan.then = then.map(id) ?? -1
                plan.otherwise = otherwise.map(id) ?? -1
            default:
                // patternProperties, dependentRequired, dependentSchemas, unevaluated*: the
                // Evaluator's.
                return false
            }
            return true
        }
    }
}
