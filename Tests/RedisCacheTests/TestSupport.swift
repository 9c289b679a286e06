import Foundation

/// A key prefix no other test uses, so tests can share one server and run in parallel.
func uniquePrefix() -> String { "test:\(UUID().uuidString):" }
