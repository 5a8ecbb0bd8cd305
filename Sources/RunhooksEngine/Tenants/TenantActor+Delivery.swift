import Foundation
import RunhooksCore
import RunhooksStore

extension TenantActor {
    public enum Admission: Sendable, Equatable {
        case admitted
        case quotaExceeded(String)
    }

    /// Counts a new run against the daily and monthly quotas, or refuses it. Retries of a run
    /// are not new runs and do not come here. The stored counters grow with the run's claim
    /// (`EngineWrite.claim(countsRun:)`); a claim that loses gives the run back (`refundRun`).
    public func admitRun(plan: Plan, at date: Date) async throws -> Admission {
        let (day, month) = RunPeriods.of(date)
        if dailyRuns?.period != day || monthlyRuns?.period != month {
            let stored = try await context.store.runCounts(userId: userId, at: date)
            // Another admission may have loaded the counts while this one waited.
            if dailyRuns?.period != day { dailyRuns = (day, stored.daily) }
            if monthlyRuns?.period != month { monthlyRuns = (month, stored.monthly) }
        }
        let limits = plan.limits
        let daily = dailyRuns?.count ?? 0
        let monthly = monthlyRuns?.count ?? 0
        if daily >= limits.maxDailyRuns {
            return .quotaExceeded(
                "daily run quota used up: \(daily) of \(limits.maxDailyRuns) runs (\(plan.rawValue) plan); resets at 00:00 UTC")
        }
        if monthly >= limits.maxMonthlyRuns {
            return .quotaExceeded(
                "monthly run quota used up: \(monthly) of \(limits.maxMonthlyRuns) runs (\(plan.rawValue) plan); resets on the 1st (UTC)")
        }
        dailyRuns = (day, daily + 1)
        monthlyRuns = (month, monthly + 1)
        return .admitted
    }

    /// Gives back a run admitted at `date` whose claim lost: it was never sent nor stored.
    public func refundRun(at date: Date) {
        let (day, month) = RunPeriods.of(date)
        if let daily = dailyRuns, daily.period == day { dailyRuns = (day, max(0, daily.count - 1)) }
        if let monthly = monthlyRuns, monthly.period == month { monthlyRuns = (month, max(0, monthly.count - 1)) }
    }

    /// Waits for one of the plan's concurrency slots; the waiter due first (`dueMs`, ms since
    /// 1970) is served first, those due together in arrival order.
    public func acquireSlot(plan: Plan, dueMs: Int64) async {
        if inFlight < plan.limits.concurrency && slotWaiters.isEmpty {
            inFlight += 1
            return
        }
        await withCheckedContinuation { slotWaiters.append($0, dueMs: dueMs) }
    }

    /// Whether a run would get a slot without waiting.
    public func hasFreeSlot(plan: Plan) -> Bool {
        inFlight < plan.limits.concurrency && slotWaiters.isEmpty
    }

    /// Gives a slot back, handing it straight to the waiter due first if there is one.
    public func releaseSlot(plan: Plan) {
        if inFlight <= plan.limits.concurrency, let waiter = slotWaiters.removeFirst() {
            waiter.resume()
        } else {
            inFlight -= 1
            while inFlight < plan.limits.concurrency, let waiter = slotWaiters.removeFirst() {
                inFlight += 1
                waiter.resume()
            }
        }
    }
}

extension TenantActor {
    public enum AttemptStart: Sendable, Equatable {
        case accountGone
        case quotaExceeded(String)
        /// `holdsSlot`: a concurrency slot was free and is now the attempt's.
        case admitted(plan: Plan, holdsSlot: Bool)
    }

    /// The start of an attempt in one visit: the plan, the quota (for a new run) and, when one
    /// is free, a concurrency slot.
    func startAttempt(countsAsRun: Bool, at date: Date) async throws -> AttemptStart {
        guard let plan = try await currentPlan() else { return .accountGone }
        if countsAsRun, case .quotaExceeded(let reason) = try await admitRun(plan: plan, at: date) {
            return .quotaExceeded(reason)
        }
        guard hasFreeSlot(plan: plan) else { return .admitted(plan: plan, holdsSlot: false) }
        inFlight += 1
        return .admitted(plan: plan, holdsSlot: true)
    }

    /// An attempt whose claim failed or lost: its slot goes back, and so does its run.
    func abandonAttempt(plan: Plan, holdsSlot: Bool, refundRunAt date: Date?) {
        if holdsSlot { releaseSlot(plan: plan) }
        if let date { refundRun(at: date) }
    }

    /// The end of an attempt in one visit: the slot goes back and, when the run is over, the
    /// alerts hear how it ended.
    func finishAttempt(
        plan: Plan, endedRun: (job: Job, succeeded: Bool, last: Execution)?, notifier: AlertNotifier
    ) async throws {
        releaseSlot(plan: plan)
        if let endedRun {
            try await runEnded(job: endedRun.job, succeeded: endedRun.succeeded, lastExecution: endedRun.last, notifier: notifier)
        }
    }
}
