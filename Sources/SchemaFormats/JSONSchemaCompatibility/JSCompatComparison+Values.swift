/// A writer with a finite value set (`enum`/`const`) is checked value by value against the
/// reader's number and string keywords, which is exact where comparing keywords is not
/// (writer `{"enum":["ab"]}` fits reader `{"maxLength":5}` though it has no `maxLength`).
extension JSCompatComparison {
    /// Whether every numeric value satisfies the reader's bounds and `multipleOf`, decided
    /// as the validator decides it (`DecimalMath`).
    func numbersFit(_ values: [JSONValue], reader: JSCompatNode) -> Bool {
        let upper = Self.bound(reader, upper: true)
        let lower = Self.bound(reader, upper: false)
        let step = reader["multipleOf"]?.numberValue
        return values.allSatisfy { value in
            guard let number = value.numberValue else { return true }
            if let upper {
                let order = DecimalMath.compare(number, upper.number)
                if order > 0 || (order == 0 && upper.exclusive) { return false }
            }
            if let lower {
                let order = DecimalMath.compare(number, lower.number)
                if order < 0 || (order == 0 && lower.exclusive) { return false }
            }
            if let step, step.double > 0, !DecimalMath.isMultiple(number, of: step) { return false }
            return true
        }
    }

    /// Whether every string value satisfies the reader's lengths and pattern (lengths count
    /// code points, as JSON Schema does).
    func stringsFit(_ values: [JSONValue], reader: JSCompatNode) -> Bool {
        let maximum = reader["maxLength"]?.numberValue?.double
        let minimum = reader["minLength"]?.numberValue?.double
        let pattern = reader["pattern"]?.stringValue
        return values.allSatisfy { value in
            guard let string = value.stringValue else { return true }
            let length = Double(string.unicodeScalars.count)
            if let maximum, length > maximum { return false }
            if let minimum, length < minimum { return false }
            if let pattern, matches(pattern, string) != true { return false }
            return true
        }
    }
}
