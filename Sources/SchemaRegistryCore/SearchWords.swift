/// The words of a ranked search (``SearchQuery/words``), parsed once for both stores' indexes.
///
/// Terms are separated by white space and all must match. A term's tokens are its runs of
/// letters and digits, lowercased (the index splits text the same way: `customer_id`,
/// `com.acme.Customer` and `Customer-ID` are each several tokens), so a term with punctuation
/// inside is a phrase of its tokens. A term ending in `*` matches its last token as a prefix.
/// A term without letters or digits is dropped; a query left without terms matches nothing.
public struct SearchWords: Sendable, Hashable {
    public struct Term: Sendable, Hashable {
        /// Lowercased runs of letters and digits, consecutive in the text.
        public var tokens: [String]
        /// Whether the last token is a prefix.
        public var isPrefix: Bool
    }

    public var terms: [Term]

    public init(_ text: String) {
        terms = text.split(whereSeparator: \.isWhitespace).compactMap { word in
            let tokens = word.split { !($0.isLetter || $0.isNumber) }.map { $0.lowercased() }
            return tokens.isEmpty ? nil : Term(tokens: tokens, isPrefix: word.hasSuffix("*"))
        }
    }

    /// SQLite FTS5 syntax: each term a quoted phrase (tokens hold no quotes), `*` after a
    /// prefix; juxtaposed phrases are ANDed.
    public var fts5Expression: String {
        terms.map { "\"" + $0.tokens.joined(separator: " ") + "\"" + ($0.isPrefix ? "*" : "") }
            .joined(separator: " ")
    }

    /// PostgreSQL `to_tsquery` syntax: a term's tokens joined by `<->` (followed by), `:*`
    /// on a prefix, terms joined by `&`. Tokens are letters and digits only, so nothing in
    /// them is tsquery syntax.
    public var tsqueryExpression: String {
        terms.map { term in
            let last = term.tokens.count - 1
            let parts = term.tokens.enumerated().map {
                $0.offset == last && term.isPrefix ? $0.element + ":*" : $0.element
            }
            return "(" + parts.joined(separator: " <-> ") + ")"
        }.joined(separator: " & ")
    }
}
