/// A unified diff of two texts (what `--check` prints), or `nil` when they are equal.
///
/// Line-based, with `context` unchanged lines around each change. Meant for generated files of a few hundred lines;
/// past that it degrades to replacing the whole middle of the file rather than spending quadratic time.
public func unifiedDiff(old: String, new: String, oldLabel: String, newLabel: String, context: Int = 3) -> String? {
    if old == new { return nil }
    let a = splitLines(old)
    let b = splitLines(new)
    let edits = editScript(a, b)

    // Group edits into hunks: changes plus up to `context` equal lines either side.
    var output = ["--- \(oldLabel)", "+++ \(newLabel)"]
    let changeIndices = edits.indices.filter { edits[$0].kind != .equal }
    var hunkStart = 0
    while hunkStart < changeIndices.count {
        var hunkEnd = hunkStart
        while hunkEnd + 1 < changeIndices.count && changeIndices[hunkEnd + 1] - changeIndices[hunkEnd] <= 2 * context {
            hunkEnd += 1
        }
        let lower = max(0, changeIndices[hunkStart] - context)
        let upper = min(edits.count - 1, changeIndices[hunkEnd] + context)
        let slice = edits[lower...upper]
        let oldStart = slice.first!.oldLine
        let newStart = slice.first!.newLine
        let oldCount = slice.filter { $0.kind != .insert }.count
        let newCount = slice.filter { $0.kind != .delete }.count
        output.append(
            "@@ -\(oldCount == 0 ? oldStart : oldStart + 1),\(oldCount) "
                + "+\(newCount == 0 ? newStart : newStart + 1),\(newCount) @@")
        for edit in slice {
            switch edit.kind {
            case .equal: output.append(" " + a[edit.oldLine])
            case .delete: output.append("-" + a[edit.oldLine])
            case .insert: output.append("+" + b[edit.newLine])
            }
        }
        hunkStart = hunkEnd + 1
    }
    if !old.isEmpty && !new.isEmpty && old.hasSuffix("\n") != new.hasSuffix("\n") {
        output.append("\\ the texts differ in their final newline")
    }
    return output.joined(separator: "\n") + "\n"
}

private func splitLines(_ text: String) -> [String] {
    var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    if lines.last == "" { lines.removeLast() }
    return lines
}

private struct Edit {
    enum Kind { case equal, delete, insert }
    var kind: Kind
    /// Index of the line in the old text (for inserts: how many old lines precede it).
    var oldLine: Int
    /// Index of the line in the new text (for deletes: how many new lines precede it).
    var newLine: Int
}

/// A shortest edit script from `a` to `b` (longest common subsequence).
private func editScript(_ a: [String], _ b: [String]) -> [Edit] {
    // Common prefix and suffix need no table.
    var prefix = 0
    while prefix < a.count && prefix < b.count && a[prefix] == b[prefix] { prefix += 1 }
    var suffix = 0
    while suffix < a.count - prefix && suffix < b.count - prefix && a[a.count - 1 - suffix] == b[b.count - 1 - suffix] {
        suffix += 1
    }
    let middleA = Array(a[prefix..<(a.count - suffix)])
    let middleB = Array(b[prefix..<(b.count - suffix)])

    var edits = (0..<prefix).map { Edit(kind: .equal, oldLine: $0, newLine: $0) }
    let n = middleA.count
    let m = middleB.count
    var i = 0
    var j = 0
    if n * m <= 4_000_000 {
        // lcs[i][j]: length of the LCS of middleA[i...] and middleB[j...].
        var lcs = [[Int]](repeating: [Int](repeating: 0, count: m + 1), count: n + 1)
        for x in stride(from: n - 1, through: 0, by: -1) {
            for y in stride(from: m - 1, through: 0, by: -1) {
                lcs[x][y] = middleA[x] == middleB[y] ? lcs[x + 1][y + 1] + 1 : max(lcs[x + 1][y], lcs[x][y + 1])
            }
        }
        while i < n && j < m {
            if middleA[i] == middleB[j] {
                edits.append(Edit(kind: .equal, oldLine: prefix + i, newLine: prefix + j))
                i += 1
                j += 1
            } else if lcs[i + 1][j] >= lcs[i][j + 1] {
                edits.append(Edit(kind: .delete, oldLine: prefix + i, newLine: prefix + j))
                i += 1
            } else {
                edits.append(Edit(kind: .insert, oldLine: prefix + i, newLine: prefix + j))
                j += 1
            }
        }
    }
    while i < n {
        edits.append(Edit(kind: .delete, oldLine: prefix + i, newLine: prefix + j))
        i += 1
    }
    while j < m {
        edits.append(Edit(kind: .insert, oldLine: prefix + i, newLine: prefix + j))
        j += 1
    }
    for k in 0..<suffix {
        edits.append(Edit(kind: .equal, oldLine: a.count - suffix + k, newLine: b.count - suffix + k))
    }
    return edits
}
