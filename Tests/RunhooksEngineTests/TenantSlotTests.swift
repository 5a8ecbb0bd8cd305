import Foundation
import RunhooksCore
import Testing

@testable import RunhooksEngine

@Suite struct TenantSlotTests {
    @Test func waitersAreServedEarliestDueFirstThenInArrivalOrder() async throws {
        let harness = try await EngineHarness.make(plan: .free)
        let tenant = harness.tenants.tenant(harness.user.id)
        await tenant.acquireSlot(plan: .free, dueMs: 0)
        #expect(await tenant.hasFreeSlot(plan: .free) == false)
        let order = OrderLog()
        var waiters: [Task<Void, Never>] = []
        // Queued in this order; due at these milliseconds.
        let dues: [Int64] = [30, 10, 20, 10]
        for (index, due) in dues.enumerated() {
            waiters.append(Task {
                await tenant.acquireSlot(plan: .free, dueMs: due)
                await order.append(index)
            })
            // Each waiter is queued before the next one starts.
            while await tenant.slotWaiters.count < index + 1 { await Task.yield() }
        }
        for served in 1...dues.count {
            await tenant.releaseSlot(plan: .free)
            while await order.count < served { await Task.yield() }
        }
        for waiter in waiters { await waiter.value }
        #expect(await order.values == [1, 3, 2, 0])
        await tenant.releaseSlot(plan: .free)
        #expect(await tenant.hasFreeSlot(plan: .free))
    }

    @Test func dailyQuotaIsExact() async throws {
        let harness = try await EngineHarness.make(plan: .free)
        let tenant = harness.tenants.tenant(harness.user.id)
        var admitted = 0
        for _ in 0..<205 {
            if case .admitted = try await tenant.admitRun(plan: .free, at: harness.clock.now()) {
                admitted += 1
            }
        }
        #expect(admitted == 200)
        // A run whose claim lost is given back, and only that one.
        await tenant.refundRun(at: harness.clock.now())
        #expect(try await tenant.admitRun(plan: .free, at: harness.clock.now()) == .admitted)
        #expect(try await tenant.admitRun(plan: .free, at: harness.clock.now()) != .admitted)
        // A new UTC day starts a new count.
        harness.clock.advance(by: 86_400)
        let nextDay = try await tenant.admitRun(plan: .free, at: harness.clock.now())
        #expect(nextDay == .admitted)
    }

    @Test func retryClassification() {
        func outcome(_ kind: DeliveryOutcome.Kind) -> DeliveryOutcome { DeliveryOutcome(kind: kind, durationMs: 1) }
        #expect(outcome(.timeout).isRetryable && outcome(.networkError).isRetryable)
        #expect(outcome(.response(status: 500)).isRetryable && outcome(.response(status: 503)).isRetryable)
        #expect(outcome(.response(status: 408)).isRetryable && outcome(.response(status: 429)).isRetryable)
        #expect(!outcome(.response(status: 404)).isRetryable && !outcome(.response(status: 410)).isRetryable)
        #expect(!outcome(.response(status: 302)).isRetryable && !outcome(.refused).isRetryable)
        #expect(outcome(.response(status: 204)).isSuccess && !outcome(.response(status: 302)).isSuccess)
        let policy = RetryPolicy(maxRetries: 3, initialDelay: 1000, backoffMultiplier: 2, maxDelay: 300_000)
        #expect(DeliveryRunner.retryDelayMs(policy: policy, retry: 2, retryAfter: nil) == 2000)
        #expect(DeliveryRunner.retryDelayMs(policy: policy, retry: 1, retryAfter: 7) == 7000)
        #expect(DeliveryRunner.retryDelayMs(policy: policy, retry: 3, retryAfter: 1) == 4000)
        #expect(DeliveryRunner.retryDelayMs(policy: policy, retry: 1, retryAfter: 99_999) == 3_600_000)
    }
}

actor OrderLog {
    private(set) var values: [Int] = []
    var count: Int { values.count }
    func append(_ value: Int) { values.append(value) }
}
