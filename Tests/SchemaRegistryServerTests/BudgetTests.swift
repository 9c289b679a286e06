import SRPWire
import SchemaRegistryTesting
import TestSupport
import Testing

@testable import SchemaRegistryServer

/// The server-wide budgets on their numbers.
@Suite("Budgets")
struct BudgetTests {
    @Test func decompressionIsBoundedServerWideAndALoneLargeBodyStillPasses() {
        let budget = DecompressionBudget(capacityBytes: 10 << 20)
        #expect(budget.tryAcquire(4 << 20))
        #expect(budget.tryAcquire(4 << 20))
        #expect(!budget.tryAcquire(4 << 20))  // 12 MiB > 10 MiB
        #expect(budget.tryAcquire(0))  // plain bodies need nothing
        budget.release(4 << 20)
        #expect(budget.tryAcquire(4 << 20))
        budget.release(4 << 20)
        budget.release(4 << 20)
        #expect(budget.inFlight == 0)
        // Larger than the whole budget: admitted when nothing else is in flight, never refused forever.
        #expect(budget.tryAcquire(20 << 20))
        #expect(!budget.tryAcquire(1))
        budget.release(20 << 20)
        #expect(DecompressionBudget(capacityBytes: 0).tryAcquire(1 << 30))
    }

    @Test func answerReservationsFollowTheLargestAnswerAndBatchReadsReserveMore() {
        var budget = AnswerBudget(connectionBytes: 4 << 20)
        #expect(budget.reservation(for: .getSchemaById) == 16 << 10)
        #expect(budget.reservation(for: .getSchemasByIds) == 1 << 20)
        budget.dispatched(reservation: 1 << 20)
        #expect(!budget.isOver(waiting: 3 << 20))
        #expect(budget.isOver(waiting: (3 << 20) + 1))
        budget.completed(reservation: 1 << 20, answerBytes: 2 << 20)
        #expect(budget.reserved == 0)
        #expect(budget.reservation(for: .getSchemaById) == 2 << 20)
        #expect(!AnswerBudget(connectionBytes: 0).isOver(waiting: 1 << 40))
    }
}
