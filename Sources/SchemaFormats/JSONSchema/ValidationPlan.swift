/// The compiled graph flattened for `isValid`: nodes in one contiguous buffer, subschemas
/// named by index, every pool a raw buffer read through pointers. Walking the class graph
/// retained and released every node, keyword and instance value it touched (60% of the
/// time in `perf`); walking this retains nothing on the valid path.
///
/// The plan answers exactly as the ``Evaluator``. It is only made without
/// `$dynamicRef`/`$recursiveRef` (they need the dynamic scope, which the plan does not track)
/// and without cycles of in-place applicators (`{"$ref": "#"}`), and it only answers when
/// neither walk can reach ``Evaluator/maximumDepth``: always when the graph's chains are
/// short, and for recursive schemas when the instance is shallow enough
/// (``instanceDepthLimit``; deeper ones go to the ``Evaluator``). Then the order in which
/// checks run cannot change an answer, so the plan checks a node's keywords in its own
/// order and fuses `properties`, `required` and `additionalProperties` into one pass over
/// the members.
///
/// Nodes it does not model (annotations for `unevaluated*`, `patternProperties`,
/// dependencies, keywords stated twice that do not merge exactly) are handed to the
/// ``Evaluator`` whole.
final class ValidationPlan: @unchecked Sendable {
    /// Keeps the nodes that ``PlanNode/general`` and the patterns ``PlanNode/regex`` point at alive.
    private let graph: SchemaGraph
    let formatAssertion: Bool
    /// The root, for instances the plan leaves to the ``Evaluator`` (see ``instanceDepthLimit``).
    let root: Unmanaged<SchemaNode>
    /// For graphs with unbounded chains (recursive schemas): the deepest instance for which
    /// no walk can reach the depth guard; deeper ones go to the ``Evaluator``. Nil when the
    /// graph's chains are all short.
    let instanceDepthLimit: Int?
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

    private init(root: SchemaNode, graph: SchemaGraph, formatAssertion: Bool, shape: Shape, builder: Builder) {
        self.graph = graph
        self.root = Unmanaged.passUnretained(root)
        // A chain visits at most `inPlaceChain` nodes per instance location, and locations
        // nest one deeper than the instance's depth: stay one below the guard.
        instanceDepthLimit =
            shape.unbounded ? (Evaluator.maximumDepth - 2) / shape.inPlaceChain - 1 : nil
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
        guard let shape = reachable(from: root) else { return nil }
        let order = shape.order
        var builder = Builder(formatAssertion: formatAssertion)
        for (offset, node) in order.enumerated() { builder.index[ObjectIdentifier(node)] = Int32(offset) }
        builder.nodes = Array(repeating: PlanNode(), count: order.count)
        for (offset, node) in order.enumerated() { builder.nodes[offset] = builder.plan(node) }
        return ValidationPlan(
            root: root, graph: graph, formatAssertion: formatAssertion, shape: shape, builder: builder)
    }

    /// What `reachable` finds out about a graph.
    struct Shape {
        /// Every node reachable from the root, root first.
        var order: [SchemaNode] = []
        /// Whether some chain of subschemas goes deeper than the depth guard allows by
        /// itself (cycles through `properties`/`items`, as recursive schemas have, or a
        /// very tall schema): then only the instance's depth bounds the walk.
        var unbounded = false
        /// The most nodes a chain of in-place applicators (`$ref`, `allOf`, `not`, ...) can
        /// visit on one instance location.
        var inPlaceChain = 1
    }

    /// The graph's nodes and how deep walking them can go; nil when it has a dynamic
    /// reference or a cycle of in-place applicators (`{"$ref": "#"}`: only the depth guard
    /// ends that walk, and where it stops depends on the order of evaluation).
    static func reachable(from root: SchemaNode) -> Shape? {
        var shape = Shape()
        shape.order = [root]
        // 1: on the current path, 2: finished. Heights: the longest chain below a node.
        var state: [ObjectIdentifier: UInt8] = [ObjectIdentifier(root): 1]
        var height: [ObjectIdentifier: Int] = [:]
        var edgesOf: [ObjectIdentifier: [Edge]] = [:]
        var stack: [(node: SchemaNode, edges: [Edge], next: Int)] = []
        guard let rootEdges = edges(of: root) else { return nil }
        edgesOf[ObjectIdentifier(root)] = rootEdges
        stack.append((root, rootEdges, 0))
        // Iterative, so that a deep schema cannot overflow the stack here.
        while !stack.isEmpty {
            let top = stack.count - 1
            if stack[top].next < stack[top].edges.count {
                let child = stack[top].edges[stack[top].next].node
                stack[top].next += 1
                switch state[ObjectIdentifier(child)] {
                case 1: shape.unbounded = true
                case 2: continue
                default:
                    guard let childEdges = edges(of: child) else { return nil }
                    state[ObjectIdentifier(child)] = 1
                    edgesOf[ObjectIdentifier(child)] = childEdges
                    shape.order.append(child)
                    stack.append((child, childEdges, 0))
                }
            } else {
                let done = stack.removeLast()
                let below = done.edges.map { height[ObjectIdentifier($0.node)] ?? 0 }.max() ?? 0
                if below + 1 >= Evaluator.maximumDepth / 2 { shape.unbounded = true }
                height[ObjectIdentifier(done.node)] = below + 1
                state[ObjectIdentifier(done.node)] = 2
            }
        }
        if shape.unbounded {
            guard let chain = inPlaceChain(shape.order, edgesOf) else { return nil }
            shape.inPlaceChain = chain
        }
        return shape
    }

    /// The longest chain of nodes joined by in-place edges; nil when they form a cycle.
    private static func inPlaceChain(_ nodes: [SchemaNode], _ edgesOf: [ObjectIdentifier: [Edge]]) -> Int? {
        var state: [ObjectIdentifier: UInt8] = [:]
        var length: [ObjectIdentifier: Int] = [:]
        var longest = 1
        for start in nodes where state[ObjectIdentifier(start)] == nil {
            var stack: [(node: ObjectIdentifier, edges: [Edge], next: Int)] = []
            state[ObjectIdentifier(start)] = 1
            stack.append((ObjectIdentifier(start), edgesOf[ObjectIdentifier(start)]?.filter(\.inPlace) ?? [], 0))
            while !stack.isEmpty {
                let top = stack.count - 1
                if stack[top].next < stack[top].edges.count {
                    let child = ObjectIdentifier(stack[top].edges[stack[top].next].node)
                    stack[top].next += 1
                    switch state[child] {
                    case 1: return nil
                    case 2: continue
                    default:
                        state[child] = 1
                        stack.append((child, edgesOf[child]?.filter(\.inPlace) ?? [], 0))
                    }
                } else {
                    let done = stack.removeLast()
                    let chain = 1 + (done.edges.map { length[ObjectIdentifier($0.node)] ?? 0 }.max() ?? 0)
                    length[done.node] = chain
                    longest = max(longest, chain)
                    state[done.node] = 2
                }
            }
        }
        return longest
    }

    /// A subschema a node may evaluate, and whether on the same instance location.
    struct Edge {
        let node: SchemaNode
        let inPlace: Bool
    }

    /// The subschemas `node` may evaluate; nil for dynamic references.
    private static func edges(of node: SchemaNode) -> [Edge]? {
        var result: [Edge] = []
        func add(_ nodes: [SchemaNode], inPlace: Bool) { result += nodes.map { Edge(node: $0, inPlace: inPlace) } }
        for compiled in node.keywords {
            switch compiled.keyword {
            case .dynamicRef, .recursiveRef: return nil
            case .allOf(let nodes), .anyOf(let nodes), .oneOf(let nodes): add(nodes, inPlace: true)
            case .not(let node), .ref(let node): add([node], inPlace: true)
            case .dependentSchemas(let pairs): add(pairs.map(\.1), inPlace: true)
            case .conditional(let condition, let then, let otherwise):
                add([condition] + [then, otherwise].compactMap { $0 }, inPlace: true)
            case .prefixItems(let nodes): add(nodes, inPlace: false)
            case .items(let node, _), .contains(let node, _, _, _), .additionalProperties(let node, _, _),
                .propertyNames(let node), .unevaluatedItems(let node), .unevaluatedProperties(let node):
                add([node], inPlace: false)
            case .properties(let table): add(table.nodes.compactMap { $0 }, inPlace: false)
            case .patternProperties(let pairs): add(pairs.map(\.1), inPlace: false)
            default: break
            }
        }
        return result
    }
}
