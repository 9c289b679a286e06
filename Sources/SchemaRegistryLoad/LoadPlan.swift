/// The four load scenarios of `schema-registry load`.
public enum LoadScenario: String, CaseIterable, Sendable, Codable {
    /// The request mix at one fixed rate.
    case baseline
    /// The rate raised in steps until errors or p99 break a bound; reports the knee.
    case stress
    /// A fixed rate, a sudden multiple of it for a while, then back; reports recovery time.
    case spike
    /// A fixed rate for a long time; reports server memory and p99 drift.
    case soak
}

/// One stretch of a run at one offered rate (requests per second, all connections together).
struct LoadPhase: Sendable, Codable, Equatable {
    var name: String
    var rate: Double
    var seconds: Double
    /// A warm-up phase is run and charted but left out of the summary and the scenario's verdicts
    /// (cold caches, fresh connections and lazy allocations would otherwise weigh on the first numbers).
    var warmup = false
}

/// The phases a scenario runs, back to back, and how long the run may take at most.
public struct LoadPlan: Sendable, Equatable {
    /// A run is never longer than this, whatever the flags say (the loops are bounded).
    public static let maxTotalSeconds: Double = 3600

    var scenario: LoadScenario
    var phases: [LoadPhase]

    /// Length of the whole run.
    public var totalSeconds: Double { phases.reduce(0) { $0 + $1.seconds } }

    /// Seconds of warm-up at the start of the run.
    var warmupSeconds: Double { phases.prefix { $0.warmup }.reduce(0) { $0 + $1.seconds } }

    /// Index of the first phase that counts.
    var firstMeasuredPhase: Int { phases.firstIndex { !$0.warmup } ?? phases.count }

    /// Start of phase `index`, in seconds from the start of the run.
    func start(ofPhase index: Int) -> Double {
        phases.prefix(index).reduce(0) { $0 + $1.seconds }
    }

    /// A single phase at `rate` (baseline and soak).
    public static func steady(_ scenario: LoadScenario, rate: Double, seconds: Double) -> LoadPlan {
        LoadPlan(scenario: scenario, phases: [LoadPhase(name: scenario.rawValue, rate: rate, seconds: seconds)])
    }

    /// Steps from `startRate` up by `stepRate` to at most `maxRate`, `stepSeconds` each.
    /// The runner stops early at the first step that breaks a bound.
    public static func stress(startRate: Double, stepRate: Double, maxRate: Double, stepSeconds: Double) -> LoadPlan {
        var phases: [LoadPhase] = []
        var rate = startRate
        // Bounded by the step count as well as the rate, so a tiny step cannot make a huge plan.
        while rate <= maxRate + 1e-9, phases.count < 1000 {
            phases.append(LoadPhase(name: "step \(phases.count + 1)", rate: rate, seconds: stepSeconds))
            rate += stepRate
        }
        return LoadPlan(scenario: .stress, phases: phases)
    }

    /// `rate` for `before` seconds, `factor` x `rate` for `spike` seconds, then `rate` for `after` seconds.
    public static func spike(rate: Double, factor: Double, before: Double, spike: Double, after: Double) -> LoadPlan {
        LoadPlan(
            scenario: .spike,
            phases: [
                LoadPhase(name: "before", rate: rate, seconds: before),
                LoadPhase(name: "spike", rate: rate * factor, seconds: spike),
                LoadPhase(name: "after", rate: rate, seconds: after),
            ])
    }

    /// The same plan with every duration multiplied by `factor` (`--duration-scale`).
    public func scaled(by factor: Double) -> LoadPlan {
        LoadPlan(
            scenario: scenario,
            phases: phases.map {
                LoadPhase(name: $0.name, rate: $0.rate, seconds: $0.seconds * factor, warmup: $0.warmup)
            })
    }

    /// The same plan after `seconds` of warm-up at the first phase's rate (none for 0).
    public func warmedUp(seconds: Double) -> LoadPlan {
        guard seconds > 0, let first = phases.first else { return self }
        let warmup = LoadPhase(name: "warm-up", rate: first.rate, seconds: seconds, warmup: true)
        return LoadPlan(scenario: scenario, phases: [warmup] + phases)
    }
}

/// The kinds of request a run sends.
enum LoadOperation: Int, CaseIterable, Sendable, Codable {
    case getSchemaById
    case validatePayload
    case registerSchema
    case checkCompatibility

    /// The name used in flags (`--mix get=60,...`) and in the JSON.
    var key: String {
        switch self {
        case .getSchemaById: "get"
        case .validatePayload: "validate"
        case .registerSchema: "register"
        case .checkCompatibility: "check"
        }
    }
}

/// The share of each operation in the request stream (weights, normalised when picking).
public struct LoadMix: Sendable, Equatable {
    var weights: [LoadOperation: Double]

    /// 60% GetSchemaById, 20% ValidatePayload, 15% RegisterSchema, 5% CheckCompatibility.
    public static let standard = LoadMix(weights: [
        .getSchemaById: 60, .validatePayload: 20, .registerSchema: 15, .checkCompatibility: 5,
    ])

    /// Parses `get=60,validate=20,register=15,check=5` (missing operations get 0).
    public init?(parsing text: String) {
        var weights: [LoadOperation: Double] = [:]
        for item in text.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let weight = Double(pair[1]), weight >= 0,
                let operation = LoadOperation.allCases.first(where: { $0.key == pair[0] })
            else { return nil }
            weights[operation] = weight
        }
        guard weights.values.reduce(0, +) > 0 else { return nil }
        self.weights = weights
    }

    init(weights: [LoadOperation: Double]) {
        self.weights = weights
    }

    /// Shares summing to 1, in `LoadOperation.allCases` order.
    var shares: [Double] {
        let total = weights.values.reduce(0, +)
        return LoadOperation.allCases.map { (weights[$0] ?? 0) / total }
    }

    /// The operation for a uniform draw `u` in [0, 1).
    func pick(_ u: Double) -> LoadOperation {
        var cumulative = 0.0
        let shares = self.shares
        for (index, share) in shares.enumerated() {
            cumulative += share
            if u < cumulative, share > 0 { return LoadOperation.allCases[index] }
        }
        return LoadOperation.allCases[shares.lastIndex(where: { $0 > 0 }) ?? 0]
    }
}
