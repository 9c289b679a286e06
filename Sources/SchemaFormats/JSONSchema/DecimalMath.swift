/// Exact decimal arithmetic on JSON number text, so that `0.0075` is a multiple of
/// `0.0001` (binary floating point says it is not) and large integers compare exactly.
enum DecimalMath {
    /// A number as `mantissa × 10^exponent`, nil when the mantissa does not fit Int64.
    static func decimal(_ number: JSONNumber) -> (mantissa: Int64, exponent: Int)? {
        var digits = ""
        var exponent = 0
        var negative = false
        var seenPoint = false
        var text = Substring(number.text)
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            guard let value = Int(String(text[text.index(after: e)...]).replacingAll("+", with: "")) else { return nil }
            exponent = value
            text = text[..<e]
        }
        for character in text {
            switch character {
            case "-": negative = true
            case ".": seenPoint = true
            default:
                digits.append(character)
                if seenPoint { exponent -= 1 }
            }
        }
        while digits.count > 1, digits.hasPrefix("0") { digits.removeFirst() }
        while digits.count > 1, digits.hasSuffix("0") {
            digits.removeLast()
            exponent += 1
        }
        guard digits.count <= 18, let value = Int64(digits) else { return nil }
        return (negative ? -value : value, exponent)
    }

    static func isMultiple(_ number: JSONNumber, of divisor: JSONNumber) -> Bool {
        if let x = decimal(number), let m = decimal(divisor), m.mantissa != 0 {
            if x.mantissa == 0 { return true }
            let modulus = m.mantissa.magnitude
            if x.exponent >= m.exponent {
                // x/m is an integer iff x.mantissa × 10^(ex-em) ≡ 0 (mod m.mantissa).
                var power: UInt64 = 1 % modulus
                var base: UInt64 = 10 % modulus
                var remaining = x.exponent - m.exponent
                while remaining > 0 {
                    if remaining & 1 == 1 { power = mulmod(power, base, modulus) }
                    base = mulmod(base, base, modulus)
                    remaining >>= 1
                }
                return mulmod(x.mantissa.magnitude % modulus, power, modulus) == 0
            }
            // m has more decimals: m × 10^(em-ex) must divide x.mantissa.
            let shift = m.exponent - x.exponent
            var scaled = modulus
            for _ in 0..<shift {
                let (next, overflow) = scaled.multipliedReportingOverflow(by: 10)
                if overflow { return false }
                scaled = next
            }
            return x.mantissa.magnitude % scaled == 0
        }
        let quotient = number.double / divisor.double
        guard quotient.isFinite else { return false }
        return quotient.rounded() == quotient
    }

    private static func mulmod(_ a: UInt64, _ b: UInt64, _ m: UInt64) -> UInt64 {
        let (high, low) = a.multipliedFullWidth(by: b)
        return m.dividingFullWidth((high, low)).remainder
    }

    /// -1, 0 or 1 as `a` is less than, equal to or greater than `b`.
    static func compare(_ a: JSONNumber, _ b: JSONNumber) -> Int {
        if a.double != b.double { return a.double < b.double ? -1 : 1 }
        // Equal as doubles: large integers may still differ.
        if let x = Int64(a.text), let y = Int64(b.text) { return x < y ? -1 : (x > y ? 1 : 0) }
        return 0
    }
}
