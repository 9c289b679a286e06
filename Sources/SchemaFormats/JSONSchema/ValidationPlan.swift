/// The compiled graph flattened for `isValid`: nodes in one contiguous buffer, subschemas
/// named by index, every pool a raw buffer read through pointers. Walking the class graph
/// retained and released every node, keyword and instance value it touched (60% of the
/// time in `perf`); walking this retains nothing on the valid path.
///
/// The plan is only made when it answers exactly as the ``Evaluator``:
/// - no `$dynamicRef`/`$recursiveRef` anywhere (they need the dynamic scope, which the plan
///   does not track);
/// - the graph is acyclic and its longest chain of nodes is well below
///   ``Evaluator/maximumDepth``, so that neither walk can hit the depth guard, and the
///   order in which checks run cannot change an answer (the plan checks a node's keywords in
///   its own order and fuses `properties`, `required` and `additionalProperties` into one
///   pass over the members).
///
/// Nodes it does not model (annotations for `unevaluated*`, `patternProperties`,
/// dependencies, keywords stated twice that do not merge exactly) are handed to the
/// ``Evaluator`` whole.
final class ValidationPlan: @unchecked Sendable {
    /// Keeps the nodes that ``PlanNode/general`` and the patterns ``PlanNode/regex`` point at alive.
    private let graph: SchemaGraph
    let formatAssertion: Bool
    let nodes: UnsafeMutableBufferPointer<PlanNode>
    /// Subschema indices for `prefixItems`, `allOf`, `anyOf` and `oneOf` ranges.
    let children: UnsafeMutableBufferPointer<Int32>
    /// Property names; parallel to ``propertyNodes`` and ``propertyRequired``.
    let propertyNames: UnsafeMutableBufferPointer<String>
    let propertyNodes: UnsafeMutableBufferPointer<Int32>
    let propertyRequired: UnsafeMutableBufferPointer<Bool>
    let positions: UnsafeMutableBufferPointer<[String: Int32]>
    /// Required names outside `properties`, and format names.
    let names: UnsafeMutableBufferPointer<String>
    let numbers: UnsafeMutableBufferPointer<JSONNumber>
    let values: UnsafeMutableBufferPointer<JSONValue>

    private init(graph: SchemaGraph, formatAssertion: Bool, builder: Builder) {
        self.graph = graph
        self.formatAssertion = formatAssertion
        nodes = Self.buffer(builder.nodes)
        children = Self.buffer(builder.children)
        propertyNames = Self.buffer(builder.propertyNames)
        propertyNodes = Self.buffer(builder.propertyNodes)
        propertyRequired = Self.buffer(builder.propertyRequired)
        positions = Self.buffer(builder.positions)
        names = Self.buffer(builder.names)
        numbers = Self.buffer(builder.numbers)
        values = Self.buffer(builder.values)
    }

    deinit {
        Self.free(nodes)
        Self.free(children)
        Self.free(propertyNames)
        Self.free(propertyNodes)
        Self.free(propertyRequired)
        Self.free(positions)
        Self.free(names)
        Self.free(numbers)
        Self.free(values)
    }

    private static func buffer<T>(_ array: [T]) -> UnsafeMutableBufferPointer<T> {
        let buffer = UnsafeMutableBufferPointer<T>.allocate(capacity: max(1, array.count))
        _ = buffer.initialize(from: array)
        return UnsafeMutableBufferPointer(rebasing: buffer[0..<array.count])
    }

    private static func free<T>(_ buffer: UnsafeMutableBufferPointer<T>) {
        buffer.baseAddress?.deinitialize(count: buffer.count)
        buffer.baseAddress?.deallocate()
    }

    /// The plan for the graph under `root`, or nil when it could not answer exactly as the
    /// ``Evaluator`` (see the type's documentation).
    static func make(root: SchemaNode, graph: SchemaGraph, formatAssertion: Bool) -> ValidationPlan? {
        guard let order = reachable(from: root) else { return nil }
        var builder = Builder(formatAssertion: formatAssertion)
        for (offset, node) in order.enumerated() { builder.index[ObjectIdentifier(node)] = Int32(offset) }
        builder.nodes = Array(repeating: PlanNode(), count: order.count)
        for (offset, node) in order.enumerated() { builder.nodes[offset] = builder.plan(node) }
        return ValidationPlan(graph: graph, formatAssertion: formatAssertion, builder: builder)
    }

    /// Every node reachable from `root`, root first; nil when the graph has a cycle, a chain
    /// near the depth guard, or a dynamic reference.
    private static func reachable(from root: SchemaNode) -> [SchemaNode]? {
        var order: [SchemaNode] = [root]
        // 1: on the current path, 2: finished. Heights: the longest chain below a node.
        var state: [ObjectIdentifier: UInt8] = [ObjectIdentifier(root): 1]
        var height: [ObjectIdentifier: Int] = [:]
        var stack: [(node: SchemaNode, edges: [SchemaNode], next: Int)] = []
        guard let rootEdges = edges(of: root) else { return nil }
        stack.append((root, rootEdges, 0))
        // Iterative, so that a deep schema cannot overflow the stack here.
        while !stack.isEmpty {
            let top = stack.count - 1
            if stack[top].next < stack[top].edges.count {
                let child = stack[top].edges[stack[top].next]
                stack[top].next += 1
                switch state[ObjectIdentifier(child)] {
                case 1: return nil
                case 2: continue
                default:
                    guard let childEdges = edges(of: child) else { return nil }
                    state[ObjectIdentifier(child)] = 1
                    order.append(child)
                    stack.append((child, childEdges, 0))
                }
            } else {
                let done = stack.removeLast()
                let below = done.edges.map { height[ObjectIdentifier($0)] ?? 0 }.max() ?? 0
                guard below + 1 < Evaluator.maximumDepth / 2 else { return nil }
                height[ObjectIdentifier(done.node)] = below + 1
                state[ObjectIdentifier(done.node)] = 2
            }
        }
        return order
    }

    /// The subschemas `node` may evaluate; nil for dynamic references.
    private static func edges(of node: SchemaNode) -> [SchemaNode]? {
        var result: [SchemaNode] = []
        for compiled in node.keywords {
            switch compiled.keyword {
            case .dynamicRef, .recursiveRef: return nil
            case .prefixItems(let nodes), .allOf(let nodes), .anyOf(let nodes), .oneOf(let nodes): result += nodes
            case .items(let node, _), .contains(let node, _, _, _), .additionalProperties(let node, _, _),
                .propertyNames(let node), .not(let node), .ref(let node), .unevaluatedItems(let node),
                .unevaluatedProperties(let node):
                result.append(node)
            case .properties(let table): result += table.nodes.compactMap { $0 }
            case .patternProperties(let pairs): result += pairs.map(\.1)
            case .dependentSchemas(let pairs): result += pairs.map(\.1)
            case .conditional(let condition, let then, let otherwise):
                result.append(condition)
                if let then { result.append(then) }
                if let otherwise { result.append(otherwise) }
            default: break
            }
        }
        return result
    }
}
