import ArgumentParser

/// `--page-size`, `--page-token` and `--all`, shared by the commands that page.
struct PagingOptions: ParsableArguments {
    @Option(help: "Results per page (default: the server's).")
    var pageSize: UInt32 = 0

    @Option(help: "Continue from this page (a previous answer's next page token).")
    var pageToken: String = ""

    @Flag(help: "Follow the pages to the end.")
    var all = false

    /// Fetches one page, or every page with `--all`; returns the items and the token after them.
    func collect<Item>(
        _ fetch: (_ pageSize: UInt32, _ token: String) async throws -> (items: [Item], next: String)
    ) async throws -> (items: [Item], next: String) {
        var items: [Item] = []
        var token = PageToken.parse(pageToken)
        repeat {
            let page = try await fetch(pageSize, token)
            items += page.items
            token = page.next
        } while all && !token.isEmpty
        return (items, token)
    }
}
